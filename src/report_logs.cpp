// The report's one pass: summarize_logs reads the logs on every core, and
// each of its workers also feeds a Timeline of its own; the timelines merge
// exactly, as the summaries do.
#include <deque>

#include "runner_metrics/report.hpp"

namespace runner_metrics {

FleetReport report_logs(const std::vector<std::string>& paths, const ReportOptions& options) {
  const TimelineOptions timeline_options{.since = options.read.summary.since,
                                         .until = options.read.summary.until,
                                         .by_flavor = options.read.summary.by_flavor,
                                         .interval = options.interval};
  std::deque<Timeline> timelines;  // stays where it is as it grows
  SummarizeOptions read = options.read;
  read.sink_for_worker = [&](unsigned) -> EventSink {
    Timeline& timeline = timelines.emplace_back(timeline_options);
    return
        [&timeline](const AnyEvent& event, LogPosition position) { timeline.add(event, position); };
  };
  LogsSummary logs = summarize_logs(paths, read);
  FleetReport report{std::move(logs.summary), Timeline(timeline_options), paths};
  for (const Timeline& timeline : timelines) report.timeline.merge(timeline);
  return report;
}

}  // namespace runner_metrics
