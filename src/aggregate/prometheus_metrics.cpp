// SPDX-License-Identifier: Apache-2.0
// The aggregate behind `serve`: one map lookup per event (none when the
// flavor is the previous event's), a few additions, and label values
// capped so that a hostile log costs counters, not memory.
#include "runner_metrics/prometheus_metrics.hpp"

#include <algorithm>
#include <numeric>
#include <utility>
#include <variant>

#include "aggregate/fleet_tally.hpp"
#include "runner_metrics/log_follower.hpp"

namespace runner_metrics {

Histogram::Histogram(std::span<const double> bounds) noexcept
    : bounds_(bounds.first(std::min(bounds.size(), MAX_BUCKETS - 1))) {}

void Histogram::observe(double value) noexcept {
  if (is_unknown_value(value)) return;  // format.md §7: in no histogram
  // The first bucket whose upper bound is >= value; past the last, +Inf.
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++buckets_[static_cast<std::size_t>(bucket)];
  ++count_;
  sum_ += value;
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t b = 0; b < buckets_.size(); ++b) buckets_[b] += other.buckets_[b];
  count_ += other.count_;
  sum_ += other.sum_;
}

std::uint64_t Histogram::cumulative(std::size_t i) const noexcept {
  std::uint64_t total = 0;
  for (std::size_t b = 0; b <= std::min(i, bounds_.size()); ++b) total += buckets_[b];
  return total;
}

FlavorMetrics::FlavorMetrics() {
  for (const DurationMeasure& row : DURATIONS) durations[row.measure] = Histogram(row.buckets);
}

PrometheusMetrics::PrometheusMetrics(PrometheusOptions options) : options_(options) {}

void PrometheusMetrics::add(const ParsedLine& line, LogPosition position) {
  detail::add_line(*this, line, position);
}

void PrometheusMetrics::add(const ParsedLine& line) { add(line, {0, ++lines_added_}); }

void PrometheusMetrics::add(const AnyEvent& event) { add(event, {0, ++lines_added_}); }

void PrometheusMetrics::add(const AnyEvent& event, LogPosition position) {
  std::visit(
      [&](const auto& e) {
        FlavorMetrics& m = flavor(e.flavor);
        ++m.events[event.index()];
        detail::count_event(m.counts, event);
        for (const DurationMeasure& row : DURATIONS) {
          if (row.field.event != event.index() || !row.prometheus_keeps(event)) continue;
          if (const auto seconds = row.field.read(event))
            m.durations[row.measure].observe(*seconds);
        }
        detail::keep_gauges([&]() -> LatestGauges& { return m.latest; }, event, e.timestamp,
                            position);
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, RunnerStop>) {
          ++m.stops.find(status_label(m, e.status))->second;
        }
        for (const BreakdownMeasure& row : BREAKDOWNS) {
          if (row.prometheus_name.empty() || row.field.event != event.index()) continue;
          if (const auto value = row.field.read(event)) count_breakdown(row.breakdown, *value, 1);
        }
      },
      event);
}

void PrometheusMetrics::add_reopen(LogReopen reason) noexcept {
  ++reopens_[static_cast<std::size_t>(reason)];
}

std::uint64_t PrometheusMetrics::reopens(LogReopen reason) const noexcept {
  return reopens_[static_cast<std::size_t>(reason)];
}

void PrometheusMetrics::merge(const PrometheusMetrics& other) {
  for (const auto& [name, theirs] : other.flavors_) {
    const std::uint64_t events =
        std::accumulate(theirs.events.begin(), theirs.events.end(), std::uint64_t{0});
    // Their "other" holds what they folded; it stays folded here.
    FlavorMetrics& m = name == OTHER ? flavors_.try_emplace(std::string(OTHER)).first->second
                                     : flavor(name, events);
    for (std::size_t d = 0; d < DURATIONS.size(); ++d) {
      m.durations.values[d].merge(theirs.durations.values[d]);
    }
    for (std::size_t e = 0; e < m.events.size(); ++e) m.events[e] += theirs.events[e];
    detail::merge_counts(m.counts, theirs.counts);
    for (const auto& [status, n] : theirs.stops) {
      m.stops.find(status_label(m, status, n))->second += n;
    }
    detail::keep_latest(m.latest, theirs.latest);
  }
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    for (const auto& [value, n] : other.breakdowns_[row.breakdown]) {
      count_breakdown(row.breakdown, value, n);
    }
    folded_breakdowns_[row.breakdown] += other.folded_breakdowns_[row.breakdown];
  }
  invalid_lines_ += other.invalid_lines_;
  other_events_ += other.other_events_;
  folded_flavors_ += other.folded_flavors_;
  folded_statuses_ += other.folded_statuses_;
  for (std::size_t r = 0; r < reopens_.size(); ++r) reopens_[r] += other.reopens_[r];
}

FlavorMetrics& PrometheusMetrics::flavor(std::string_view name, std::uint64_t events) {
  if (FlavorMetrics* last = cache_.find(name)) return *last;
  auto it = flavors_.find(name);
  if (it == flavors_.end()) {
    if (!fits(name) || distinct_flavors_ >= options_.max_label_values) {
      folded_flavors_ += events;
      return flavors_.try_emplace(std::string(OTHER)).first->second;
    }
    it = flavors_.try_emplace(std::string(name)).first;
    ++distinct_flavors_;
  }
  cache_.remember(it->first, it->second);
  return it->second;
}

// `n` events with `value` into breakdown b, first come first kept as for
// flavors. The status label takes the values runner_stops_total's has, so a
// status is folded in both or in job_status_count not at all, and counted
// once in folded_statuses_.
void PrometheusMetrics::count_breakdown(Breakdown b, std::string_view value, std::uint64_t n) {
  auto& counts = breakdowns_[b];
  if (const auto it = counts.find(value); it != counts.end()) {
    it->second += n;
    return;
  }
  const bool status = b == Breakdown::StopStatus;
  const bool kept =
      status ? value != OTHER && statuses_.contains(value)
             : value != OTHER && fits(value) &&
                   counts.size() - (counts.contains(OTHER) ? 1 : 0) < options_.max_label_values;
  if (kept) {
    counts.emplace(std::string(value), n);
    return;
  }
  if (!status && value != OTHER) folded_breakdowns_[b] += n;
  counts[std::string(OTHER)] += n;
}

// The status label of `stops` runner_stops of this flavor; its entry in
// `stops` exists on return.
std::string_view PrometheusMetrics::status_label(FlavorMetrics& m, std::string_view status,
                                                 std::uint64_t stops) {
  if (const auto it = m.stops.find(status); it != m.stops.end()) return it->first;
  bool known = statuses_.contains(status);
  if (!known && fits(status) && statuses_.size() < options_.max_label_values) {
    statuses_.emplace(status);
    known = true;
  }
  if (known && stop_series_ < max_stop_series()) {
    ++stop_series_;
    return m.stops.try_emplace(std::string(status)).first->first;
  }
  folded_statuses_ += stops;
  const auto [it, inserted] = m.stops.try_emplace(std::string(OTHER));
  if (inserted) ++stop_series_;
  return it->first;
}

}  // namespace runner_metrics
