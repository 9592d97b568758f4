// SPDX-License-Identifier: Apache-2.0
// What a Summary group and a Timeline bucket both keep of a run of events,
// by looping over the measures table (measures.hpp): the counts, the
// durations, and each flavor's latest gauges. A tally is anything with
// `counts`, `durations` (a PerDuration of statistics with add and merge) and
// `latest`; what only one of them keeps (a Summary group's breakdowns) it
// adds itself.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/measures.hpp"

namespace runner_metrics::detail {

/// Counts that cannot wrap: crashed_runners is a sum of whatever the log says.
inline std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum < a ? std::numeric_limits<std::uint64_t>::max() : sum;
}

/// A count or gauge from the log, negative read as 0.
inline std::uint64_t non_negative(std::int64_t value) {
  return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

/// Keeps `seen` if it is later: a greater timestamp, or the same timestamp
/// further on in the log.
inline void keep_latest(std::optional<LatestValue>& latest, const LatestValue& seen) {
  if (!latest ||
      std::tie(seen.timestamp, seen.position) > std::tie(latest->timestamp, latest->position)) {
    latest = seen;
  }
}

inline void keep_latest(LatestGauges& latest, const LatestGauges& seen) {
  for (std::size_t g = 0; g < latest.size(); ++g) {
    if (seen[g]) keep_latest(latest[g], *seen[g]);
  }
}

/// The gauges `event` carries into `latest` (its flavor's), made when needed.
template <class Latest>
void keep_gauges(Latest&& latest_of_flavor, const AnyEvent& event, double timestamp,
                 LogPosition position) {
  LatestGauges* latest = nullptr;
  for (const GaugeMeasure& row : GAUGES) {
    if (row.field.event != event.index()) continue;
    const auto value = row.field.read(event);
    if (!value) continue;
    if (latest == nullptr) latest = &latest_of_flavor();
    keep_latest((*latest)[static_cast<std::size_t>(row.gauge)], {timestamp, position, *value});
  }
}

/// Adds what `event` counts to `counts`.
inline void count_event(EventCounts& counts, const AnyEvent& event) {
  for (const CountMeasure& row : COUNTS) {
    if (row.amount.event != event.index()) continue;
    if (const auto amount = row.amount.read(event)) {
      counts.*row.member = saturating_add(counts.*row.member, non_negative(*amount));
    }
  }
}

inline void merge_counts(EventCounts& counts, const EventCounts& other) {
  for (const CountMeasure& row : COUNTS) {
    counts.*row.member = saturating_add(counts.*row.member, other.*row.member);
  }
}

/// Events counted (the COUNTS rows that count events, added up).
inline std::uint64_t events_of(const EventCounts& counts) {
  std::uint64_t sum = 0;
  for (const CountMeasure& row : COUNTS) {
    if (row.events) sum = saturating_add(sum, counts.*row.member);
  }
  return sum;
}

/// One event of `flavor`, as the summary and the report measure it.
template <class Tally>
void tally_event(Tally& tally, std::string_view flavor, const AnyEvent& event, double timestamp,
                 LogPosition position) {
  count_event(tally.counts, event);
  for (const DurationMeasure& row : DURATIONS) {
    if (row.field.event != event.index() || !row.summary_keeps(event)) continue;
    // An unknown value (format.md §7) counts the event, in no statistic.
    const auto seconds = row.field.read(event);
    if (!seconds) continue;
    if (!is_unknown_value(*seconds)) {
      tally.durations[row.measure].add(*seconds);
    } else if constexpr (requires { tally.durations[row.measure].add_unknown(); }) {
      tally.durations[row.measure].add_unknown();
    }
  }
  keep_gauges(
      [&]() -> LatestGauges& {
        auto it = tally.latest.find(flavor);
        if (it == tally.latest.end())
          it = tally.latest.emplace(std::string(flavor), LatestGauges{}).first;
        return it->second;
      },
      event, timestamp, position);
}

/// Everything `other` holds, into `tally`: the same in any order of merges.
template <class Tally>
void merge_tally(Tally& tally, const Tally& other) {
  merge_counts(tally.counts, other.counts);
  for (const auto& [flavor, latest] : other.latest) {
    auto it = tally.latest.find(flavor);
    if (it == tally.latest.end()) {
      tally.latest.emplace(flavor, latest);
    } else {
      keep_latest(it->second, latest);
    }
  }
  for (std::size_t m = 0; m < DURATIONS.size(); ++m) {
    tally.durations.values[m].merge(other.durations.values[m]);
  }
}

}  // namespace runner_metrics::detail
