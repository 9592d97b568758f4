// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "render/summary_format.hpp"
#include "runner_metrics/measures.hpp"
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

// How many values a breakdown shows; the rest are one line.
constexpr std::size_t kBusiest = 10;

std::string label_text(const BreakdownMeasure& row, const Label& label) {
  if (row.code.read == nullptr) return printable(label.text);
  return fmt::format("{} {}", printable(label.text), label.code);
}

// The busiest values, then a count of the rest (the other values kept and
// those folded into "other").
void append_busiest(std::string& out, const BreakdownMeasure& row, const LabelCounts& counts,
                    std::string_view indent) {
  auto it = std::back_inserter(out);
  std::uint64_t shown = 0;
  for (const auto& [label, n] : counts.busiest(kBusiest)) {
    fmt::format_to(it, "{}{:<{}}{:>10}\n", indent, label_text(row, *label), 42 - indent.size(), n);
    shown += n;
  }
  const std::uint64_t rest = counts.total() - shown;
  if (rest > 0) {
    const std::size_t values = counts.counts().size() - std::min(counts.counts().size(), kBusiest);
    const std::string what = counts.other() == 0 ? fmt::format("({} more)", values)
                             : values == 0       ? std::string("(other)")
                                                 : fmt::format("({} more, and other)", values);
    fmt::format_to(it, "{}{:<{}}{:>10}\n", indent, what, 42 - indent.size(), rest);
  }
}

void append_group(std::string& out, const GroupSummary& group) {
  auto it = std::back_inserter(out);
  if (group.flavor) {
    fmt::format_to(it, "\nflavor {}\n", printable(*group.flavor));
  } else {
    out += "\nall flavors\n";
  }
  for (const CountMeasure& count : COUNTS) {
    fmt::format_to(it, "  {:<40}{:>10}\n", count.key, group.counts.*count.member);
    if (!count.by_status) continue;
    append_busiest(out, row(Breakdown::StopStatus), group.breakdowns[Breakdown::StopStatus],
                   "    ");
  }
  for (const GaugeMeasure& gauge : GAUGES) {
    const auto value = group.last(gauge.gauge);
    fmt::format_to(it, "  {:<40}{:>10}\n", gauge.label, value ? fmt::format("{}", *value) : "-");
  }
  const auto interval = group.reconciliation_interval();
  fmt::format_to(it, "  {:<40}{:>10}\n", "reconciliation interval",
                 interval ? human_duration(*interval) : "-");
  fmt::format_to(it, "  {:<40}{:>10}\n", "queue under 60 s", group.queue_under_60s);
  for (const BreakdownMeasure& breakdown : BREAKDOWNS) {
    if (breakdown.breakdown == Breakdown::StopStatus) continue;  // under runner_stop above
    const LabelCounts& counts = group.breakdowns[breakdown.breakdown];
    fmt::format_to(it, "  {:<40}{:>10}\n", breakdown.label, counts.total());
    append_busiest(out, breakdown, counts, "    ");
  }
  fmt::format_to(it, "\n    {:<16}{:>9}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n", "duration", "count",
                 "min", "avg", "max", "p50", "p95", "p99");
  for (const DurationMeasure& duration : DURATIONS) {
    append_stats_row(out, duration.label, group.durations[duration.measure]);
  }
  for (const DurationMeasure& duration : DURATIONS) {
    const std::uint64_t unknown = group.durations[duration.measure].unknown();
    if (unknown == 0) continue;
    fmt::format_to(it, "    {:<16}{:>9} unknown (Infinity), in no statistic\n", duration.label,
                   unknown);
  }
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
  return detail::whole_text([&](const TextSink& write) { render_text(summary, write); });
}

}  // namespace runner_metrics
