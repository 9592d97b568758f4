// SPDX-License-Identifier: Apache-2.0
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
// By flavor, at most max_sections flavors (the busiest) get charts, and the
// flavors table folds all but the max_label_values busiest into one row, so
// memory and page stay bounded whatever the number of flavors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/summary.hpp"
#include "runner_metrics/timeline.hpp"

namespace runner_metrics {

struct ReportOptions {
  /// The events kept and their grouping, for the tables and the charts.
  WindowOptions window;
  /// Workers, ranges and progress, as for read_logs.
  ReadOptions read;
  /// Bucket width in seconds; 0 chooses one from the span.
  std::int64_t interval = 0;
  /// By flavor: sections with charts for at most this many flavors, the
  /// busiest by number of events (ties: by flavor); 0 for every flavor.
  /// When the log has more, the charts need a second reading of the logs
  /// (standard input is first copied to a temporary file for it).
  std::size_t max_sections = 20;
  /// By flavor: rows of the flavors table, the busiest; the rest are summed
  /// in one "other" row. 0 for every flavor.
  std::size_t max_label_values = 1000;
};

/// Everything the page shows, from one reading of the logs.
struct FleetReport {
  Summary summary;
  Timeline timeline;
  /// The logs read, as given ("-" is standard input), for the page's header.
  std::vector<std::string> sources;
  /// As in the ReportOptions the report was made with.
  std::size_t max_sections = 20;
  std::size_t max_label_values = 1000;
};

/// The `n` busiest groups (most events; ties by flavor), busiest first; all
/// of them when n is 0.
std::vector<const GroupSummary*> busiest_groups(const Summary& summary, std::size_t n);

/// read_logs of a Summary and a Timeline with the same window and grouping
/// (twice when the busiest flavors are known only at the end). Throws ReadLogError.
FleetReport report_logs(const std::vector<std::string>& paths, const ReportOptions& options = {});

/// The page: a header with the time span (and, by flavor, a table of the
/// flavors), then for each group drawn (all flavors, or each of the busiest
/// max_sections flavors, sorted by flavor) the summary's tables, tiles (the
/// reconciliation interval, the share of queue times under 60 s, the runners
/// gap), the lifecycle counts and p50 / p95 / p99 / max of each duration over
/// time, jobs per day, the runners after the reconciliations with the gap,
/// and each breakdown as sorted bars, as SVG. Inline CSS for light and dark themes and for print;
/// no script, nothing fetched. Text from the log is escaped. Deterministic: the same report gives
/// the same bytes.
std::string render_html(const FleetReport& report);

/// The same page handed to `write` a piece at a time (about 64 KiB each), so
/// memory does not grow with the page.
void render_html(const FleetReport& report, const std::function<void(std::string_view)>& write);

}  // namespace runner_metrics
