// `runner-metrics report`: one self-contained HTML page with the fleet's
// charts, made from the log alone.
//
//   FleetReport report = report_logs({"/var/log/github-runner-metrics.log"});
//   std::string html = render_html(report);
//   → <!DOCTYPE html><html lang="en">... <svg ...> ... </html>
//
// One pass over the logs feeds a Summary (the header's tables) and a
// Timeline (the charts) side by side; the page is drawn from those two and
// its size depends on the number of buckets and flavors, not of events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner_metrics/summary.hpp"
#include "runner_metrics/timeline.hpp"

namespace runner_metrics {

struct ReportOptions {
  /// Files, window, grouping, workers and progress, as for summarize_logs.
  SummarizeOptions read;
  /// Bucket width in seconds; 0 chooses one from the span.
  std::int64_t interval = 0;
};

/// Everything the page shows, from one reading of the logs.
struct FleetReport {
  Summary summary;
  Timeline timeline;
  /// The logs read, as given ("-" is standard input), for the page's header.
  std::vector<std::string> sources;
};

/// Reads the logs once, in parallel as summarize_logs does, into a Summary
/// and a Timeline with the same window and grouping. Throws ReadLogError.
FleetReport report_logs(const std::vector<std::string>& paths, const ReportOptions& options = {});

/// The page: a header with the time span and the summary's tables, then for
/// each group (all flavors, or one per flavor) the lifecycle counts, the idle
/// runners and min / avg / max of each duration over time, as SVG. Inline
/// CSS for light and dark themes and for print; no script, nothing fetched.
/// Text from the log is escaped. Deterministic: the same report gives the
/// same bytes.
std::string render_html(const FleetReport& report);

}  // namespace runner_metrics
