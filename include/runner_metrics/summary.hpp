// SPDX-License-Identifier: Apache-2.0
// What a metrics log says about a fleet (format.md §7): how many runners were
// installed, started and stopped, how they stopped (by status, conclusion and
// code), which events and repositories ran jobs, how many runners sit idle,
// busy or expected, how often reconciliations run, and how long installs,
// idle times, queues, jobs and reconciliations take.
//
//   Summary summary;
//   read_logs({"/var/log/github-runner-metrics.log"}, {}, summary);
//   summary.groups()[0]->durations[Measure::Job].quantile(0.95) → 1834.2  (seconds)
//
// A Summary is an aggregate (aggregate.hpp): built one line at a time, it
// merges exactly with another, so parts of a log can be summarized on
// separate threads; read_logs does that for whole files. Memory does not grow with the number of
// events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/breakdowns.hpp"
#include "runner_metrics/detail/last_group.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/quantile_sketch.hpp"

namespace runner_metrics {

namespace detail {
/// A sum of finite doubles >= 0 held without rounding error (as
/// non-overlapping partial sums), so it comes out the same in any order of
/// additions and merges. mean(n) is Python's math.fsum(values) / n.
class ExactSum {
 public:
  void add(double value);
  void merge(const ExactSum& other);
  double mean(std::uint64_t count) const;

 private:
  // Values >= 2^512 are kept scaled by 2^-512, so no partial overflows.
  std::vector<double> small_;
  std::vector<double> large_;
};
}  // namespace detail

/// Count, min, max and avg exact; percentiles within 0.5% (see QuantileSketch).
///
/// Most groups of a log with many flavors hold a handful of values, so the
/// first QuantileSketch::EXACT_VALUES values are kept as they are (8 bytes
/// each) and the sketch and the exact sum are allocated only when one more
/// comes. The answers are the same either way.
class DurationStats {
 public:
  DurationStats();
  DurationStats(const DurationStats& other);
  DurationStats& operator=(const DurationStats& other);
  DurationStats(DurationStats&&) noexcept;
  DurationStats& operator=(DurationStats&&) noexcept;
  ~DurationStats();

  /// Adds a finite value >= 0; throws std::domain_error for anything else.
  void add(double seconds);
  /// Counts a value that is unknown (format.md §7): in unknown(), not count().
  void add_unknown() noexcept { ++unknown_; }
  void merge(const DurationStats& other);

  /// Values added, unknown ones not included.
  std::uint64_t count() const noexcept;
  std::uint64_t unknown() const noexcept { return unknown_; }
  /// min, max, avg and quantile need count() > 0.
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  double avg() const;
  /// The value of rank ceil(q · count): quantile(0.95) is p95.
  double quantile(double q) const;

 private:
  struct Sketched;
  // Makes sketched_ from values_, which it then empties.
  void sketch_values();

  double min_ = 0;
  double max_ = 0;
  std::uint64_t unknown_ = 0;
  std::vector<double> values_;          // while there are at most EXACT_VALUES
  std::unique_ptr<Sketched> sketched_;  // after
};

/// format.md §7's "durations", in seconds: durations[Measure::Job].
using Durations = PerDuration<DurationStats>;

/// The first and last reconciliation of a flavor, for format.md §7's
/// reconciliation_interval.
struct ReconciliationSpan {
  double earliest = 0;
  double latest = 0;
  std::uint64_t count = 0;
};

/// Queue durations below this many seconds are counted in queue_under_60s.
inline constexpr double QUEUE_UNDER_SECONDS = 60;

/// One of format.md §7's "groups": all flavors, or one.
struct GroupSummary {
  std::optional<std::string> flavor;  ///< nullopt when not grouped by flavor.
  EventCounts counts;
  /// runner_stop_status, runner_stop_conclusion, ...: breakdowns[Breakdown::Repos].
  Breakdowns breakdowns;
  /// Each flavor's latest value of each gauge.
  LatestByFlavor latest;
  /// Each flavor's reconciliations' span.
  std::map<std::string, ReconciliationSpan, std::less<>> reconciliations;
  /// queue durations below QUEUE_UNDER_SECONDS.
  std::uint64_t queue_under_60s = 0;
  Durations durations;

  /// The gauge summed over the flavors' latest values (GAUGES); nullopt when
  /// no reconciliation carried it.
  std::optional<std::uint64_t> last(Gauge gauge) const { return sum_latest(latest, gauge); }
  /// format.md §7's idle_runners_last.
  std::optional<std::uint64_t> idle_runners_last() const { return last(Gauge::IdleRunners); }
  /// format.md §7's reconciliation_interval: over the flavors with two or
  /// more reconciliations, the mean of (latest − earliest) / (count − 1);
  /// nullopt when no flavor has two.
  std::optional<double> reconciliation_interval() const;
};

struct LineCounts {
  std::uint64_t total = 0;
  std::uint64_t valid = 0;
  std::uint64_t other = 0;
  std::uint64_t invalid = 0;
  bool operator==(const LineCounts&) const = default;
};

/// A Summary keeps a window of time, by flavor or not.
using SummaryOptions = WindowOptions;

class Summary {
 public:
  explicit Summary(SummaryOptions options = {});

  /// One line as EventParser(ParseRules::Log) classified it, at `position`.
  void add(const ParsedLine& line, LogPosition position);
  /// A valid event at `position`. Counted as a valid line whether or not its
  /// timestamp is in the window.
  void add(const AnyEvent& event, LogPosition position);
  /// A JSON object whose `event` is not one of the library's types.
  void add_other() noexcept;
  /// A line that is not a valid event.
  void add_invalid() noexcept;
  /// Everything `other` holds; the same result in any order of merges.
  /// Both must have been made with the same options.
  void merge(const Summary& other);
  /// The same, taking `other`'s groups rather than copying them; `other` is left empty.
  void merge(Summary&& other);

  const SummaryOptions& options() const noexcept { return options_; }
  const LineCounts& lines() const noexcept { return lines_; }
  /// In output order: one group with no flavor, or (by_flavor) one per
  /// flavor that has an event in the window, sorted by flavor.
  std::vector<const GroupSummary*> groups() const;

 private:
  GroupSummary& group_for(std::string_view flavor);
  void merge_lines(const Summary& other);

  SummaryOptions options_;
  LineCounts lines_;
  std::map<std::string, GroupSummary, std::less<>> groups_;  // "" holds the ungrouped one
  detail::LastGroup<GroupSummary> last_group_;
};

}  // namespace runner_metrics
