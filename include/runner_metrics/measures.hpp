// SPDX-License-Identifier: Apache-2.0
// Everything measured from the events, each described once: the durations
// (format.md §7's "durations", §8's histograms), the counts (§7's "counts",
// §8's counters), the gauges (the value of each flavor's latest
// reconciliation) and the breakdowns (§7's counts by a field's value, §8's
// job_*_count gauges). The Summary, the Timeline and the Prometheus metrics
// aggregate by looping over these rows, and the text, JSON, HTML and
// Prometheus renderers and the documentation write them in their order.
//
//   row(Measure::Job).summary_keeps(event)    → status == "normal"
//   row(Measure::Job).prometheus_keeps(event) → true, every status
//   summary.groups()[0]->durations[Measure::Job].quantile(0.95)
//
// A new duration is one row of DURATIONS and its name in Measure; a new
// count one row of COUNTS and its member of EventCounts; a new gauge one row
// of GAUGES and its name in Gauge; a new breakdown one row of BREAKDOWNS and
// its name in Breakdown.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "runner_metrics/detail/event_fields.hpp"
#include "runner_metrics/events.hpp"

namespace runner_metrics {

/// Which events of a row's type a consumer keeps.
using EventFilter = bool (*)(const AnyEvent& event);

inline bool every_event(const AnyEvent&) { return true; }
/// runner_stop events whose status is "normal" (other event types pass).
inline bool status_normal(const AnyEvent& event) {
  const auto* stop = std::get_if<RunnerStop>(&event);
  return stop == nullptr || stop->status == "normal";
}

/// format.md §8's buckets (seconds), the finite upper bounds; +Inf is implied.
inline constexpr std::array<double, 9> SPAWN_DURATION_BUCKETS{5,   10,  15,  30, 60,
                                                              120, 180, 300, 600};
inline constexpr std::array<double, 9> IDLE_DURATION_BUCKETS{5, 10, 15, 30, 60, 120, 180, 300, 600};
inline constexpr std::array<double, 10> QUEUE_DURATION_BUCKETS{5,    30,   60,   300,  600,
                                                               1200, 1800, 3600, 7200, 18000};
inline constexpr std::array<double, 11> JOB_DURATION_BUCKETS{
    60, 300, 600, 1200, 1800, 3600, 7200, 14400, 21600, 259200, 432000};
inline constexpr std::array<double, 5> RECONCILE_DURATION_BUCKETS{60, 120, 300, 600, 900};

// ---- Durations ---------------------------------------------------------------

/// The durations, in format.md §7's order; an index into DURATIONS.
enum class Measure : std::size_t { Installation, Idle, Queue, Job, Reconciliation };

struct DurationMeasure {
  Measure measure;
  std::string_view key;      ///< format.md §7's key: the JSON, the text, the page's data-duration.
  std::string_view label;    ///< A row of the text and HTML tables.
  std::string_view caption;  ///< The report's chart of it.
  std::string_view nothing;  ///< The chart's text when there is no value.
  std::string_view source;   ///< event.field, for the documentation.
  EventField<double> field;  ///< Where the value comes from; absent, nothing is measured.
  EventFilter summary_keeps;     ///< Which events the summary and the report measure.
  EventFilter prometheus_keeps;  ///< Which events the Prometheus histogram observes.
  std::string_view prometheus_name;
  std::string_view prometheus_help;
  std::span<const double> buckets;  ///< The histogram's finite upper bounds.
  std::size_t report_position;      ///< The report shows a job's wait first: queue, idle, job, ...
};

inline constexpr std::array<DurationMeasure, 5> DURATIONS{{
    {Measure::Installation, "installation", "installation", "Installation duration",
     "No installations", "runner_installed.duration", number_field<&RunnerInstalled::duration>,
     every_event, every_event, "runner_spawn_duration_seconds",
     "Seconds a runner took to install and register (runner_installed.duration).",
     SPAWN_DURATION_BUCKETS, 3},
    {Measure::Idle, "idle", "idle", "Idle duration: time a runner waited for a job",
     "No idle durations", "runner_start.idle", number_field<&RunnerStart::idle>, every_event,
     every_event, "runner_idle_duration_seconds",
     "Seconds a runner sat idle before it picked up a job (runner_start.idle).",
     IDLE_DURATION_BUCKETS, 1},
    {Measure::Queue, "queue", "queue", "Queue duration: time a job waited for a runner",
     "No queue durations", "runner_start.queue_duration",
     number_field<&RunnerStart::queue_duration>, every_event, every_event,
     "runner_queue_duration_seconds",
     "Seconds a job waited for a runner (runner_start.queue_duration, where given).",
     QUEUE_DURATION_BUCKETS, 0},
    {Measure::Job, "job", "job (normal)", "Job duration (status normal)",
     "No jobs that stopped normally", "runner_stop.job_duration",
     number_field<&RunnerStop::job_duration>, status_normal, every_event, "job_duration_seconds",
     "Seconds a job ran, whatever its status (runner_stop.job_duration).", JOB_DURATION_BUCKETS, 2},
    {Measure::Reconciliation, "reconciliation", "reconciliation", "Reconciliation duration",
     "No reconciliations", "reconciliation.duration", number_field<&Reconciliation::duration>,
     every_event, every_event, "reconcile_duration_seconds",
     "Seconds a reconciliation pass took (reconciliation.duration).", RECONCILE_DURATION_BUCKETS,
     4},
}};

constexpr const DurationMeasure& row(Measure m) { return DURATIONS[static_cast<std::size_t>(m)]; }

static_assert(detail::in_order<&DurationMeasure::measure>(DURATIONS),
              "DURATIONS is in Measure's order");

/// One statistic of each duration, indexed by Measure: durations[Measure::Job].
template <class Stats>
struct PerDuration {
  std::array<Stats, DURATIONS.size()> values{};

  Stats& operator[](Measure m) noexcept { return values[static_cast<std::size_t>(m)]; }
  const Stats& operator[](Measure m) const noexcept { return values[static_cast<std::size_t>(m)]; }
};

// ---- Counts ------------------------------------------------------------------

/// format.md §7's "counts". Sums saturate at 2^64 - 1.
struct EventCounts {
  std::uint64_t runner_installed = 0;
  std::uint64_t runner_start = 0;
  std::uint64_t runner_stop = 0;
  std::uint64_t reconciliation = 0;
  std::uint64_t crashed_runners = 0;  ///< Summed over reconciliations.
  bool operator==(const EventCounts&) const = default;
};

struct CountMeasure {
  std::string_view key;     ///< format.md §7's key: the JSON, the text, the page's data-key.
  std::string_view label;   ///< The report's table of counts.
  std::string_view column;  ///< The report's table of flavors.
  std::string_view chart;   ///< Its line on the report's lifecycle chart; empty: not drawn.
  std::uint64_t EventCounts::*member;
  /// What an event adds: 1 for each event of a type, or a field's value.
  EventField<std::int64_t> amount;
  bool events;     ///< A number of events (the report's "events" column adds these up).
  bool by_status;  ///< Followed, in the text and page, by runner_stop_status.
  std::string_view prometheus_name;  ///< Empty: counted in runner_metric_events_total.
  std::string_view prometheus_help;
};

inline constexpr std::array<CountMeasure, 5> COUNTS{{
    {"runner_installed",
     "runners installed",
     "installed",
     "installed",
     &EventCounts::runner_installed,
     each_event<RunnerInstalled>,
     true,
     false,
     {},
     {}},
    {"runner_start",
     "jobs started",
     "started",
     "started",
     &EventCounts::runner_start,
     each_event<RunnerStart>,
     true,
     false,
     {},
     {}},
    {"runner_stop",
     "runners stopped",
     "stopped",
     "stopped",
     &EventCounts::runner_stop,
     each_event<RunnerStop>,
     true,
     true,
     {},
     {}},
    {"reconciliation",
     "reconciliations",
     "reconciliations",
     {},
     &EventCounts::reconciliation,
     each_event<Reconciliation>,
     true,
     false,
     {},
     {}},
    {"crashed_runners", "crashed runners", "crashed runners", "crashed",
     &EventCounts::crashed_runners, integer_field<&Reconciliation::crashed_runners>, false, false,
     "crashed_runners_total",
     "Crashed runners that reconciliations found (sum of reconciliation.crashed_runners)."},
}};

// ---- Gauges ------------------------------------------------------------------

/// Values of each flavor's latest reconciliation carrying them, summed over
/// flavors; an index into GAUGES.
enum class Gauge : std::size_t { IdleRunners, ActiveRunners, ExpectedRunners };

struct GaugeMeasure {
  Gauge gauge;
  std::string_view key;    ///< format.md §7's key: the JSON, the text, the page's data-key.
  std::string_view label;  ///< The text and the page.
  EventField<std::int64_t> field;
  std::string_view prometheus_name;
  std::string_view prometheus_help;
};

inline constexpr std::array<GaugeMeasure, 3> GAUGES{{
    {Gauge::IdleRunners, "idle_runners_last", "idle runners at last reconciliation",
     integer_field<&Reconciliation::idle_runners>, "idle_runners_count",
     "Idle runners after the flavor's latest reconciliation (greatest timestamp; a later line "
     "wins a tie)."},
    {Gauge::ActiveRunners, "active_runners_last", "active runners at last reconciliation",
     integer_field<&Reconciliation::active_runners>, "busy_runners_count",
     "Runners busy with a job after the flavor's latest reconciliation that says "
     "(reconciliation.active_runners)."},
    {Gauge::ExpectedRunners, "expected_runners_last", "expected runners at last reconciliation",
     integer_field<&Reconciliation::expected_runners>, "expected_runners_count",
     "Runners the flavor's latest reconciliation that says aimed for "
     "(reconciliation.expected_runners)."},
}};

constexpr const GaugeMeasure& row(Gauge g) { return GAUGES[static_cast<std::size_t>(g)]; }

static_assert(detail::in_order<&GaugeMeasure::gauge>(GAUGES), "GAUGES is in Gauge's order");

// ---- Breakdowns --------------------------------------------------------------

/// Counts of the events by the value of a field (the dashboards' pies and
/// bars), in format.md §7's order; an index into BREAKDOWNS.
enum class Breakdown : std::size_t { StopStatus, StopConclusion, StopCodes, GithubEvents, Repos };

struct BreakdownMeasure {
  Breakdown breakdown;
  std::string_view key;     ///< format.md §7's key: the JSON, the text, the page's data-key.
  std::string_view label;   ///< The text and the page.
  std::string_view source;  ///< event.field, for the documentation.
  /// The value counted; absent (an optional field not given), nothing is.
  EventField<std::string_view> field;
  /// When set, counted per value of `field` and of this together, written
  /// nested: {"abnormal": {"137": 2}}; an event without it is not counted.
  EventField<std::int64_t> code;
  /// Where values past the cap go (format.md §7), for the documentation.
  std::string_view folded;
  /// Empty: not exposed by serve.
  std::string_view prometheus_name;
  std::string_view prometheus_label;
  std::string_view prometheus_help;
};

inline constexpr std::array<BreakdownMeasure, 5> BREAKDOWNS{{
    {Breakdown::StopStatus,
     "runner_stop_status",
     "stops by status",
     "runner_stop.status",
     text_field<&RunnerStop::status>,
     {},
     R"("other": N)",
     "job_status_count",
     "status",
     "Jobs that stopped, by status (runner_stop.status), since serve started."},
    {Breakdown::StopConclusion,
     "runner_stop_conclusion",
     "stops by job conclusion",
     "runner_stop.job_conclusion",
     text_field<&RunnerStop::job_conclusion>,
     {},
     R"("other": N)",
     "job_conclusion_count",
     "conclusion",
     "Jobs that stopped, by GitHub's conclusion (runner_stop.job_conclusion, where given), since "
     "serve started."},
    {Breakdown::StopCodes,
     "runner_stop_codes",
     "stops by status and code",
     "runner_stop.status_info.code",
     text_field<&RunnerStop::status>,
     status_code,
     R"("other": {"other": N})",
     {},
     {},
     {}},
    {Breakdown::GithubEvents,
     "github_events",
     "jobs by GitHub event",
     "runner_start.github_event",
     text_field<&RunnerStart::github_event>,
     {},
     R"("other": N)",
     "job_event_count",
     "event",
     "Jobs that started, by the GitHub event that triggered them (runner_start.github_event), "
     "since serve started."},
    {Breakdown::Repos,
     "repos",
     "jobs by repository",
     "runner_start.repo",
     text_field<&RunnerStart::repo>,
     {},
     R"("other": N)",
     "job_repository_count",
     "repository",
     "Jobs that started, by repository (runner_start.repo), since serve started."},
}};

constexpr const BreakdownMeasure& row(Breakdown b) {
  return BREAKDOWNS[static_cast<std::size_t>(b)];
}

static_assert(detail::in_order<&BreakdownMeasure::breakdown>(BREAKDOWNS),
              "BREAKDOWNS is in Breakdown's order");

/// One value per breakdown, indexed by Breakdown: breakdowns[Breakdown::Repos].
template <class T>
struct PerBreakdown {
  std::array<T, BREAKDOWNS.size()> values{};

  T& operator[](Breakdown b) noexcept { return values[static_cast<std::size_t>(b)]; }
  const T& operator[](Breakdown b) const noexcept { return values[static_cast<std::size_t>(b)]; }
};

}  // namespace runner_metrics
