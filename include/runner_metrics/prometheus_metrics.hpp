// SPDX-License-Identifier: Apache-2.0
// format.md §8's Prometheus metrics, built one log line at a time: the numbers
// behind `runner-metrics serve`'s GET /metrics.
//
//   PrometheusMetrics metrics;
//   EventParser parser(ParseRules::Log);
//   metrics.add(parser.read(R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "small",
//   "duration": 7.5})")); render_prometheus(metrics) → ...
//     runner_spawn_duration_seconds_bucket{flavor="small",le="5.0"} 0
//     runner_spawn_duration_seconds_bucket{flavor="small",le="10.0"} 1
//     ...
//     runner_metric_events_total{event="runner_installed",flavor="small"} 1
//
// Label values come from the log, which any workflow can reach, so their
// number is capped: past `max_label_values` distinct values of a label
// (flavor, status, conclusion, repository, event), or for a value longer than
// `max_label_value_bytes`, an event is counted under the value "other" and in
// metrics_log_label_values_folded_total.
// Memory is bounded by the caps, never by the log.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/detail/last_group.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/measures.hpp"

namespace runner_metrics {

/// Why a followed log was opened afresh (log_follower.hpp).
enum class LogReopen;

/// A Prometheus histogram: observations counted into fixed buckets, plus
/// their count and sum.
class Histogram {
 public:
  /// Room for the longest of format.md §8's bucket lists, +Inf included.
  static constexpr std::size_t MAX_BUCKETS = 12;

  /// No bounds: every observation is in +Inf.
  Histogram() noexcept = default;
  /// `bounds`: ascending finite upper bounds, at most MAX_BUCKETS - 1; must
  /// outlive the histogram (the measures table's do).
  explicit Histogram(std::span<const double> bounds) noexcept;

  void observe(double value) noexcept;
  /// Adds `other`'s observations; both must have the same bounds.
  void merge(const Histogram& other) noexcept;

  std::span<const double> bounds() const noexcept { return bounds_; }
  /// Observations <= bounds()[i]; cumulative(bounds().size()) is count().
  std::uint64_t cumulative(std::size_t i) const noexcept;
  std::uint64_t count() const noexcept { return count_; }
  double sum() const noexcept { return sum_; }

 private:
  std::span<const double> bounds_;
  std::array<std::uint64_t, MAX_BUCKETS> buckets_{};  // not cumulative; last is +Inf
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

/// Every series of one flavor (or of "other"). A histogram or counter that
/// never saw an event of the flavor is not exposed, as a client library
/// exposes a labelled series only once it is used.
struct FlavorMetrics {
  FlavorMetrics();

  /// One histogram per row of DURATIONS, with its buckets: durations[Measure::Job].
  PerDuration<Histogram> durations;
  /// Valid events, by AnyEvent's index (runner_installed, runner_start, ...).
  std::array<std::uint64_t, std::variant_size_v<AnyEvent>> events{};
  /// The COUNTS rows (crashed_runners_total is one); saturating.
  EventCounts counts;
  /// runner_stop events by status (statuses capped as flavors are).
  std::map<std::string, std::uint64_t, std::less<>> stops;
  /// Each gauge's latest value: greatest timestamp, a later line winning a tie.
  LatestGauges latest;
};

struct PrometheusOptions {
  /// Distinct values a label (flavor, status) takes before the next new one
  /// is folded into "other".
  std::size_t max_label_values = 1000;
  /// A longer label value is folded into "other" whatever the count.
  std::size_t max_label_value_bytes = 256;
};

/// The aggregate of everything read from a log. Not thread-safe: guard it
/// with a mutex when one thread reads the log and others render.
class PrometheusMetrics {
 public:
  /// The label value that folded values are counted under.
  static constexpr std::string_view OTHER = "other";

  explicit PrometheusMetrics(PrometheusOptions options = {});

  /// One line as EventParser(ParseRules::Log) classified it, at `position`
  /// (a later position wins a tie between reconciliations).
  void add(const ParsedLine& line, LogPosition position);
  /// The same, each line later than the one before.
  void add(const ParsedLine& line);
  void add(const AnyEvent& event, LogPosition position);
  void add(const AnyEvent& event);
  /// A JSON object whose `event` is not one of the library's types.
  void add_other() noexcept { ++other_events_; }
  /// A line that is not a valid event (bad JSON, a field missing, too long).
  void add_invalid() noexcept { ++invalid_lines_; }
  void add_reopen(LogReopen reason) noexcept;
  /// Everything `other` holds. Exact when neither folded a label value;
  /// otherwise `other`'s flavors and statuses come after this one's for the caps.
  void merge(const PrometheusMetrics& other);

  const PrometheusOptions& options() const noexcept { return options_; }
  /// By flavor, sorted; "other" holds the folded ones.
  const std::map<std::string, FlavorMetrics, std::less<>>& flavors() const noexcept {
    return flavors_;
  }
  std::uint64_t invalid_lines() const noexcept { return invalid_lines_; }
  std::uint64_t other_events() const noexcept { return other_events_; }
  /// Events whose flavor, or runner_stop status, was folded into "other".
  std::uint64_t folded_flavors() const noexcept { return folded_flavors_; }
  std::uint64_t folded_statuses() const noexcept { return folded_statuses_; }
  /// The counts since start of a BREAKDOWNS row that Prometheus exposes
  /// (job_status_count, ...), by label value; "other" holds the folded ones.
  /// The status label's values are runner_stops_total's.
  const std::map<std::string, std::uint64_t, std::less<>>& breakdown(Breakdown b) const noexcept {
    return breakdowns_[b];
  }
  /// Events whose value was folded in breakdown(b); for the status label,
  /// folded_statuses() counts them.
  std::uint64_t folded(Breakdown b) const noexcept { return folded_breakdowns_[b]; }
  std::uint64_t reopens(LogReopen reason) const noexcept;
  /// runner_stops_total's series are capped at 10 × max_label_values
  /// (flavor, status) pairs; past that a new pair's status is folded.
  std::size_t max_stop_series() const noexcept { return options_.max_label_values * 10; }

 private:
  // The metrics of `name`'s events; `events` of them are counted as folded
  // when the name is.
  FlavorMetrics& flavor(std::string_view name, std::uint64_t events = 1);
  std::string_view status_label(FlavorMetrics& metrics, std::string_view status,
                                std::uint64_t stops = 1);
  void count_breakdown(Breakdown b, std::string_view value, std::uint64_t n);
  bool fits(std::string_view value) const noexcept {
    return value.size() <= options_.max_label_value_bytes;
  }

  PrometheusOptions options_;
  std::map<std::string, FlavorMetrics, std::less<>> flavors_;
  std::size_t distinct_flavors_ = 0;             // not counting a folded "other"
  std::set<std::string, std::less<>> statuses_;  // the statuses that have a label of their own
  std::size_t stop_series_ = 0;
  std::uint64_t invalid_lines_ = 0;
  std::uint64_t other_events_ = 0;
  std::uint64_t folded_flavors_ = 0;
  std::uint64_t folded_statuses_ = 0;
  PerBreakdown<std::map<std::string, std::uint64_t, std::less<>>> breakdowns_;
  PerBreakdown<std::uint64_t> folded_breakdowns_;
  std::array<std::uint64_t, 2> reopens_{};
  std::uint64_t lines_added_ = 0;  // the position of a line added without one
  detail::LastGroup<FlavorMetrics> cache_;
};

/// The Prometheus text exposition format (version 0.0.4) of all metrics:
/// format.md §8's table in its order, then the exporter's own, each with
/// `# HELP` and `# TYPE`, series in flavor order, label values escaped
/// (\\, \", \n). Serve it as PROMETHEUS_CONTENT_TYPE.
std::string render_prometheus(const PrometheusMetrics& metrics);

inline constexpr std::string_view PROMETHEUS_CONTENT_TYPE =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace runner_metrics
