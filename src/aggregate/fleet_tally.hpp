// SPDX-License-Identifier: Apache-2.0
// What a Summary group and a Timeline bucket both keep of a run of events
// (format.md §7): the counts, the five durations, and each flavor's latest
// reconciliation. A tally is anything with `counts`, `durations` (whose five
// members have add and merge) and `latest_reconciliations`; what only one of
// them keeps (a Summary group's stop statuses) it adds itself.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>

#include "runner_metrics/events.hpp"
#include "runner_metrics/summary.hpp"

namespace runner_metrics::detail {

/// Counts that cannot wrap: crashed_runners is a sum of whatever the log says.
inline std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum < a ? std::numeric_limits<std::uint64_t>::max() : sum;
}

/// Keeps `seen` as `flavor`'s latest reconciliation if it is later: a greater
/// timestamp, or the same timestamp further on in the log.
template <class Tally>
void keep_latest(Tally& tally, std::string_view flavor, const LatestReconciliation& seen) {
  auto it = tally.latest_reconciliations.find(flavor);
  if (it == tally.latest_reconciliations.end()) {
    tally.latest_reconciliations.emplace(std::string(flavor), seen);
  } else if (std::tie(seen.timestamp, seen.position) >
             std::tie(it->second.timestamp, it->second.position)) {
    it->second = seen;
  }
}

// Unknown values (format.md §7): the event counts, its value goes into no
// statistic. Minimal until the measures table takes this over.
template <class Stats>
void add_known(Stats& stats, double seconds) {
  if (!is_unknown_value(seconds)) stats.add(seconds);
}

template <class Tally>
void tally_event(Tally& tally, const RunnerInstalled& e, LogPosition) {
  ++tally.counts.runner_installed;
  add_known(tally.durations.installation, e.duration);
}

template <class Tally>
void tally_event(Tally& tally, const RunnerStart& e, LogPosition) {
  ++tally.counts.runner_start;
  add_known(tally.durations.idle, e.idle);
  if (e.queue_duration) add_known(tally.durations.queue, *e.queue_duration);
}

template <class Tally>
void tally_event(Tally& tally, const RunnerStop& e, LogPosition) {
  ++tally.counts.runner_stop;
  if (e.status == "normal") add_known(tally.durations.job, e.job_duration);
}

template <class Tally>
void tally_event(Tally& tally, const Reconciliation& e, LogPosition position) {
  ++tally.counts.reconciliation;
  tally.counts.crashed_runners =
      saturating_add(tally.counts.crashed_runners, static_cast<std::uint64_t>(e.crashed_runners));
  add_known(tally.durations.reconciliation, e.duration);
  keep_latest(tally, e.flavor, {e.timestamp, position, e.idle_runners});
}

/// Everything `other` holds, into `tally`: the same in any order of merges.
template <class Tally>
void merge_tally(Tally& tally, const Tally& other) {
  EventCounts& counts = tally.counts;
  counts.runner_installed += other.counts.runner_installed;
  counts.runner_start += other.counts.runner_start;
  counts.runner_stop += other.counts.runner_stop;
  counts.reconciliation += other.counts.reconciliation;
  counts.crashed_runners = saturating_add(counts.crashed_runners, other.counts.crashed_runners);
  for (const auto& [flavor, latest] : other.latest_reconciliations) {
    keep_latest(tally, flavor, latest);
  }
  tally.durations.installation.merge(other.durations.installation);
  tally.durations.idle.merge(other.durations.idle);
  tally.durations.queue.merge(other.durations.queue);
  tally.durations.job.merge(other.durations.job);
  tally.durations.reconciliation.merge(other.durations.reconciliation);
}

}  // namespace runner_metrics::detail
