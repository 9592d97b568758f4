// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string_view>

#include "render/summary_format.hpp"
#include "runner_metrics/serialize.hpp"
#include "runner_metrics/summary_render.hpp"

namespace runner_metrics {

namespace {

using detail::human_duration;
using detail::iso8601;

// Text from the log as itself when it is printable ASCII, else as a JSON
// string, so a flavor cannot move the cursor or colour the terminal.
std::string printable(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) {
      std::string quoted;
      return detail::append_ascii_json_string(quoted, text) ? quoted : "(not UTF-8)";
    }
  }
  return text.empty() ? "\"\"" : std::string(text);
}

void append_stats_row(std::string& out, std::string_view name, const DurationStats& stats) {
  auto it = std::back_inserter(out);
  if (stats.count() == 0) {
    fmt::format_to(it, "    {:<16}{:>9}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n", name, 0, "-", "-",
                   "-", "-", "-", "-");
    return;
  }
  fmt::format_to(it, "    {:<16}{:>9}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n", name, stats.count(),
                 human_duration(stats.min()), human_duration(stats.avg()),
                 human_duration(stats.max()), human_duration(stats.quantile(0.50)),
                 human_duration(stats.quantile(0.95)), human_duration(stats.quantile(0.99)));
}

void append_group(std::string& out, const GroupSummary& group) {
  auto it = std::back_inserter(out);
  if (group.flavor) {
    fmt::format_to(it, "\nflavor {}\n", printable(*group.flavor));
  } else {
    out += "\nall flavors\n";
  }
  const EventCounts& counts = group.counts;
  fmt::format_to(it, "  {:<36}{:>10}\n", "runner_installed", counts.runner_installed);
  fmt::format_to(it, "  {:<36}{:>10}\n", "runner_start", counts.runner_start);
  fmt::format_to(it, "  {:<36}{:>10}\n", "runner_stop", counts.runner_stop);
  for (const auto& [status, count] : group.runner_stop_status) {
    fmt::format_to(it, "    {:<34}{:>10}\n", printable(status), count);
  }
  fmt::format_to(it, "  {:<36}{:>10}\n", "reconciliation", counts.reconciliation);
  fmt::format_to(it, "  {:<36}{:>10}\n", "crashed_runners", counts.crashed_runners);
  const auto idle = group.idle_runners_last();
  fmt::format_to(it, "  {:<36}{:>10}\n", "idle runners at last reconciliation",
                 idle ? fmt::format("{}", *idle) : "-");
  fmt::format_to(it, "\n    {:<16}{:>9}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n", "duration", "count",
                 "min", "avg", "max", "p50", "p95", "p99");
  append_stats_row(out, "installation", group.durations.installation);
  append_stats_row(out, "idle", group.durations.idle);
  append_stats_row(out, "queue", group.durations.queue);
  append_stats_row(out, "job (normal)", group.durations.job);
  append_stats_row(out, "reconciliation", group.durations.reconciliation);
}

}  // namespace

void render_text(const Summary& summary, const TextSink& write) {
  std::string out;
  auto it = std::back_inserter(out);
  const LineCounts& lines = summary.lines();
  fmt::format_to(it, "lines  {} total  {} valid  {} other  {} invalid\n", lines.total, lines.valid,
                 lines.other, lines.invalid);
  const SummaryOptions& options = summary.options();
  if (options.since || options.until) {
    fmt::format_to(it, "window {} <= timestamp < {}\n",
                   options.since ? iso8601(*options.since) : "-inf",
                   options.until ? iso8601(*options.until) : "+inf");
  }
  const auto groups = summary.groups();
  if (groups.empty()) out += "\nno events in the window\n";
  for (const GroupSummary* group : groups) {
    append_group(out, *group);
    if (out.size() >= detail::TEXT_CHUNK_BYTES) {
      write(out);
      out.clear();
    }
  }
  write(out);
}

std::string render_text(const Summary& summary) {
  std::string out;
  render_text(summary, [&out](std::string_view part) { out += part; });
  return out;
}

}  // namespace runner_metrics
