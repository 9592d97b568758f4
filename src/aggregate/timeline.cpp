// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "aggregate/fleet_tally.hpp"
#include "runner_metrics/time_text.hpp"

namespace runner_metrics {

namespace {

void merge_into(TimelineBucket& to, const TimelineBucket& from) { detail::merge_tally(to, from); }
void merge_into(EventCounts& to, const EventCounts& from) { detail::merge_counts(to, from); }

// Moves `from`'s buckets (or days), `factor` of them to one, into `to`.
template <class Value>
void regroup(std::map<std::int64_t, Value>& to, std::map<std::int64_t, Value>&& from,
             std::int64_t factor) {
  for (auto& [key, value] : from) {
    const std::int64_t wide = key / factor;  // keys are >= 0: timestamps are
    auto it = to.find(wide);
    if (it == to.end()) {
      to.emplace(wide, std::move(value));
    } else {
      merge_into(it->second, value);
    }
  }
}

// Makes `buckets` `factor` times wider.
template <class Value>
void widen_map(std::map<std::int64_t, Value>& buckets, std::int64_t factor) {
  if (factor == 1) return;
  std::map<std::int64_t, Value> narrow = std::move(buckets);
  buckets.clear();
  regroup(buckets, std::move(narrow), factor);
}

// Whole seconds of a timestamp in [0, CHART_END): exact.
std::int64_t second_of(double timestamp) {
  return static_cast<std::int64_t>(std::floor(timestamp));
}

}  // namespace

struct BucketStats::Values {
  QuantileSketch sketch{ACCURACY, MAX_BINS};
  detail::ExactSum sum;
};

BucketStats::BucketStats(const BucketStats& other)
    : values_(other.values_ ? std::make_unique<Values>(*other.values_) : nullptr) {}

BucketStats& BucketStats::operator=(const BucketStats& other) {
  if (this != &other) *this = BucketStats(other);
  return *this;
}

BucketStats::BucketStats() = default;
BucketStats::BucketStats(BucketStats&&) noexcept = default;
BucketStats& BucketStats::operator=(BucketStats&&) noexcept = default;
BucketStats::~BucketStats() = default;

void BucketStats::add(double seconds) {
  if (!values_) values_ = std::make_unique<Values>();
  values_->sketch.add(seconds);  // throws for what is not a duration, before the sum
  values_->sum.add(seconds == 0 ? 0.0 : seconds);
}

void BucketStats::merge(const BucketStats& other) {
  if (!other.values_) return;
  if (!values_) {
    values_ = std::make_unique<Values>(*other.values_);
    return;
  }
  values_->sketch.merge(other.values_->sketch);
  values_->sum.merge(other.values_->sum);
}

std::uint64_t BucketStats::count() const noexcept { return values_ ? values_->sketch.count() : 0; }
double BucketStats::min() const noexcept { return values_ ? values_->sketch.min() : 0; }
double BucketStats::max() const noexcept { return values_ ? values_->sketch.max() : 0; }

double BucketStats::avg() const {
  // As DurationStats::avg: the mean is within [min, max] even after rounding.
  if (!values_) return 0;
  return std::clamp(values_->sum.mean(count()), min(), max());
}

double BucketStats::quantile(double q) const {
  if (!values_) throw std::logic_error("BucketStats: quantile of no values");
  return values_->sketch.quantile(q);
}

namespace {

// Calls `each` with every flavor's latest gauges up to the end of each bucket
// from `first` to `last`, in order.
template <class Each>
void carry_latest(const std::map<std::int64_t, TimelineBucket>& buckets, std::int64_t first,
                  std::int64_t last, Each&& each) {
  LatestByFlavor latest;  // so far; buckets are in time order
  const auto carry = [&](const TimelineBucket& bucket) {
    for (const auto& [name, seen] : bucket.latest) detail::keep_latest(latest[name], seen);
  };
  auto it = buckets.begin();
  for (; it != buckets.end() && it->first < first; ++it) carry(it->second);
  for (std::int64_t key = first; key <= last; ++key) {
    if (it != buckets.end() && it->first == key) {
      carry(it->second);
      ++it;
    }
    each(latest);
  }
}

}  // namespace

std::vector<std::optional<std::uint64_t>> TimelineGroup::gauge(Gauge gauge, std::int64_t first,
                                                               std::int64_t last) const {
  std::vector<std::optional<std::uint64_t>> out;
  if (last < first) return out;
  out.reserve(static_cast<std::size_t>(last - first + 1));
  carry_latest(buckets, first, last,
               [&](const LatestByFlavor& latest) { out.push_back(sum_latest(latest, gauge)); });
  return out;
}

std::vector<std::optional<std::int64_t>> TimelineGroup::gap(std::int64_t first,
                                                            std::int64_t last) const {
  std::vector<std::optional<std::int64_t>> out;
  if (last < first) return out;
  out.reserve(static_cast<std::size_t>(last - first + 1));
  carry_latest(buckets, first, last,
               [&](const LatestByFlavor& latest) { out.push_back(runners_gap(latest)); });
  return out;
}

std::optional<std::int64_t> runners_gap(const LatestByFlavor& latest) {
  const auto at = [](const LatestGauges& gauges, Gauge g) -> const std::optional<LatestValue>& {
    return gauges[static_cast<std::size_t>(g)];
  };
  std::optional<std::int64_t> gap;
  for (const auto& [flavor, gauges] : latest) {
    const auto& expected = at(gauges, Gauge::ExpectedRunners);
    const auto& idle = at(gauges, Gauge::IdleRunners);
    const auto& active = at(gauges, Gauge::ActiveRunners);
    if (!expected || !idle || !active) continue;
    // Counts from the log can be up to 2^63 - 1: saturate rather than wrap.
    std::int64_t one = 0;
    if (__builtin_sub_overflow(expected->value, idle->value, &one) ||
        __builtin_sub_overflow(one, active->value, &one)) {
      one = std::numeric_limits<std::int64_t>::min();
    }
    std::int64_t sum = 0;
    if (__builtin_add_overflow(gap.value_or(0), one, &sum)) {
      sum = one < 0 ? std::numeric_limits<std::int64_t>::min()
                    : std::numeric_limits<std::int64_t>::max();
    }
    gap = sum;
  }
  return gap;
}

Timeline::Timeline(TimelineOptions options)
    : options_(options), interval_(options.interval > 0 ? options.interval : AUTO_INTERVALS[0]) {
  if (options_.interval < 0) throw std::invalid_argument("Timeline: interval must be > 0");
}

std::int64_t Timeline::width_for(std::int64_t first, std::int64_t last) const {
  const bool automatic = options_.interval == 0;
  const std::int64_t max_buckets = automatic ? AUTO_MAX_BUCKETS : MAX_BUCKETS;
  const auto fits = [&](std::int64_t width) { return last / width - first / width < max_buckets; };
  std::int64_t width = automatic ? AUTO_INTERVALS[0] : options_.interval;
  if (automatic) {
    for (const std::int64_t candidate : AUTO_INTERVALS) {
      width = candidate;
      if (fits(width)) return width;
    }
  }
  // Timestamps are below CHART_END, so this ends well before overflow.
  while (!fits(width)) width *= 2;
  return width;
}

void Timeline::widen(std::int64_t width, std::int64_t day_width) {
  if (width == interval_ && day_width == day_interval_) return;
  for (auto& [key, group] : groups_) {
    widen_map(group.buckets, width / interval_);
    widen_map(group.days, day_width / day_interval_);
  }
  interval_ = width;
  day_interval_ = day_width;
}

void Timeline::fit_span() {
  const std::int64_t first = second_of(*first_timestamp_);
  const std::int64_t last = second_of(*last_timestamp_);
  std::int64_t day_width = 86400;
  // Timestamps are below CHART_END, so this ends well before overflow.
  while (last / day_width - first / day_width >= AUTO_MAX_BUCKETS) day_width *= 2;
  widen(width_for(first, last), day_width);
}

TimelineGroup* Timeline::group_for(std::string_view flavor) {
  if (dropped_groups_) return nullptr;
  const bool by_flavor = options_.window.by_flavor;
  const std::string_view key = by_flavor ? flavor : std::string_view{};
  if (TimelineGroup* last = last_group_.find(key)) return last;
  if (by_flavor && options_.flavors && !options_.flavors->contains(key)) return nullptr;
  auto it = groups_.find(key);
  if (it == groups_.end()) {
    if (by_flavor && options_.max_groups > 0 && groups_.size() == options_.max_groups) {
      drop_groups();
      return nullptr;
    }
    it = groups_.emplace(std::string(key), TimelineGroup{}).first;
    if (by_flavor) it->second.flavor = std::string(key);
  }
  last_group_.remember(it->first, it->second);
  return &it->second;
}

void Timeline::drop_groups() {
  groups_.clear();
  last_group_.forget();
  dropped_groups_ = true;
}

void Timeline::add(const ParsedLine& line, LogPosition position) {
  if (line.kind == ParsedLine::Kind::Event) add(line.event, position);
}

void Timeline::add(const AnyEvent& event, LogPosition position) {
  std::visit(
      [&](const auto& e) {
        if (!options_.window.contains(e.timestamp)) return;
        if (!(e.timestamp < CHART_END)) {
          ++unplaced_;
          return;
        }
        const double timestamp = e.timestamp;
        if (!first_timestamp_ || timestamp < *first_timestamp_ || timestamp > *last_timestamp_) {
          first_timestamp_ = std::min(timestamp, first_timestamp_.value_or(timestamp));
          last_timestamp_ = std::max(timestamp, last_timestamp_.value_or(timestamp));
          fit_span();
        }
        TimelineGroup* group = group_for(e.flavor);
        if (group == nullptr) return;
        const std::int64_t second = second_of(e.timestamp);
        detail::tally_event(group->buckets[second / interval_], e.flavor, event, e.timestamp,
                            position);
        detail::count_event(group->days[second / day_interval_], event);
      },
      event);
}

void Timeline::merge(const Timeline& other) {
  if (other.options_.window != options_.window || other.options_.interval != options_.interval ||
      other.options_.flavors != options_.flavors ||
      other.options_.max_groups != options_.max_groups) {
    throw std::invalid_argument("Timeline::merge: the timelines were made with different options");
  }
  unplaced_ += other.unplaced_;
  if (!other.first_timestamp_) return;
  first_timestamp_ =
      std::min(*other.first_timestamp_, first_timestamp_.value_or(*other.first_timestamp_));
  last_timestamp_ =
      std::max(*other.last_timestamp_, last_timestamp_.value_or(*other.last_timestamp_));
  fit_span();
  if (other.dropped_groups_) drop_groups();
  if (dropped_groups_) return;
  const std::int64_t factor = interval_ / other.interval_;
  const std::int64_t day_factor = day_interval_ / other.day_interval_;
  for (const auto& [key, group] : other.groups_) {
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      if (options_.max_groups > 0 && groups_.size() == options_.max_groups) {
        drop_groups();
        return;
      }
      it = groups_.emplace(key, TimelineGroup{group.flavor, {}, {}}).first;
    }
    std::map<std::int64_t, TimelineBucket> copy = group.buckets;
    regroup(it->second.buckets, std::move(copy), factor);
    std::map<std::int64_t, EventCounts> days = group.days;
    regroup(it->second.days, std::move(days), day_factor);
  }
}

std::optional<std::int64_t> Timeline::first_bucket() const {
  if (!first_timestamp_) return std::nullopt;
  return second_of(*first_timestamp_) / interval_;
}

std::optional<std::int64_t> Timeline::last_bucket() const {
  if (!last_timestamp_) return std::nullopt;
  return second_of(*last_timestamp_) / interval_;
}

std::optional<double> Timeline::first_timestamp() const { return first_timestamp_; }
std::optional<double> Timeline::last_timestamp() const { return last_timestamp_; }

std::vector<const TimelineGroup*> Timeline::groups() const {
  std::vector<const TimelineGroup*> result;
  result.reserve(groups_.size());
  for (const auto& [key, group] : groups_) result.push_back(&group);
  return result;
}

std::optional<std::int64_t> parse_interval(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [rest, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || rest == text.data() || value <= 0) return std::nullopt;
  const std::string_view unit(rest, static_cast<std::size_t>(end - rest));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "m" || unit == "min") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else if (unit == "d") {
    scale = 86400;
  } else {
    return std::nullopt;
  }
  // At most about 10 years: wider than any span a time axis labels.
  constexpr std::int64_t kMax = std::int64_t{3660} * 86400;
  if (value > kMax / scale) return std::nullopt;
  return value * scale;
}

std::string interval_label(std::int64_t seconds) {
  if (seconds % 86400 == 0) return fmt::format("{} d", seconds / 86400);
  if (seconds % 3600 == 0) return fmt::format("{} h", seconds / 3600);
  if (seconds % 60 == 0) return fmt::format("{} min", seconds / 60);
  return fmt::format("{} s", seconds);
}

}  // namespace runner_metrics
