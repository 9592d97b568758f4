// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "aggregate/fleet_tally.hpp"
#include "runner_metrics/time_text.hpp"

namespace runner_metrics {

namespace {

// Moves `from`'s buckets, `factor` of its buckets to one, into `to`.
void regroup(std::map<std::int64_t, TimelineBucket>& to,
             std::map<std::int64_t, TimelineBucket>&& from, std::int64_t factor) {
  for (auto& [key, bucket] : from) {
    const std::int64_t wide = key / factor;  // keys are >= 0: timestamps are
    auto it = to.find(wide);
    if (it == to.end()) {
      to.emplace(wide, std::move(bucket));
    } else {
      detail::merge_tally(it->second, bucket);
    }
  }
}

// Whole seconds of a timestamp in [0, CHART_END): exact.
std::int64_t second_of(double timestamp) {
  return static_cast<std::int64_t>(std::floor(timestamp));
}

}  // namespace

void MinAvgMax::add(double seconds) {
  if (count_ == 0) {
    min_ = max_ = seconds;
  } else {
    min_ = std::min(min_, seconds);
    max_ = std::max(max_, seconds);
  }
  ++count_;
  sum_.add(seconds);
}

void MinAvgMax::merge(const MinAvgMax& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_.merge(other.sum_);
}

double MinAvgMax::avg() const {
  // As DurationStats::avg: the mean is within [min, max] even after rounding.
  return std::clamp(sum_.mean(count_), min_, max_);
}

std::vector<std::optional<std::uint64_t>> TimelineGroup::gauge(Gauge gauge, std::int64_t first,
                                                               std::int64_t last) const {
  std::vector<std::optional<std::uint64_t>> out;
  if (last < first) return out;
  out.reserve(static_cast<std::size_t>(last - first + 1));
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
    out.push_back(sum_latest(latest, gauge));
  }
  return out;
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

void Timeline::widen(std::int64_t width) {
  if (width == interval_) return;
  const std::int64_t factor = width / interval_;
  for (auto& [key, group] : groups_) {
    std::map<std::int64_t, TimelineBucket> narrow = std::move(group.buckets);
    group.buckets.clear();
    regroup(group.buckets, std::move(narrow), factor);
  }
  interval_ = width;
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
          widen(width_for(second_of(*first_timestamp_), second_of(*last_timestamp_)));
        }
        TimelineGroup* group = group_for(e.flavor);
        if (group == nullptr) return;
        const std::int64_t key = second_of(e.timestamp) / interval_;
        detail::tally_event(group->buckets[key], e.flavor, event, e.timestamp, position);
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
  widen(width_for(second_of(*first_timestamp_), second_of(*last_timestamp_)));
  if (other.dropped_groups_) drop_groups();
  if (dropped_groups_) return;
  const std::int64_t factor = interval_ / other.interval_;
  for (const auto& [key, group] : other.groups_) {
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      if (options_.max_groups > 0 && groups_.size() == options_.max_groups) {
        drop_groups();
        return;
      }
      it = groups_.emplace(key, TimelineGroup{group.flavor, {}}).first;
    }
    std::map<std::int64_t, TimelineBucket> copy = group.buckets;
    regroup(it->second.buckets, std::move(copy), factor);
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
