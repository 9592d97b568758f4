// SPDX-License-Identifier: Apache-2.0
// The report page: a renderer of the report's Summary and Timeline, drawing
// its own SVG. Nothing in the page is fetched or run: inline CSS (light, dark
// and print), inline SVG, no script, and a Content-Security-Policy that says
// so. Every piece of text that came from the log or the command line goes
// through escape().
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render/html/bar_chart.hpp"
#include "render/html/escape.hpp"
#include "render/html/panels.hpp"
#include "render/html/scales.hpp"
#include "render/html/stylesheet.hpp"
#include "render/html/tables.hpp"
#include "render/html/tiles.hpp"
#include "render/html/time_labels.hpp"
#include "render/summary_format.hpp"
#include "runner_metrics/report.hpp"

namespace runner_metrics {

namespace {

using detail::iso8601;
using html::counts_table;
using html::duration_panel;
using html::durations_table;
using html::escape_to;
using html::flavors_table;
using html::jobs_per_day_panel;
using html::lifecycle_panel;
using html::runners_panel;
using html::span_label;
using html::XScale;

// The page is handed on in pieces of about this size.
constexpr std::size_t kChunkBytes = detail::TEXT_CHUNK_BYTES;

void header(std::string& out, const FleetReport& report) {
  auto it = std::back_inserter(out);
  const Timeline& timeline = report.timeline;
  const LineCounts& lines = report.summary.lines();
  out += "<header><h1>Runner fleet report</h1>";
  out += R"(<p class="muted">From )";
  for (std::size_t i = 0; i < report.sources.size(); ++i) {
    if (i > 0) out += ", ";
    out += "<code>";
    escape_to(out, report.sources[i] == "-" ? "standard input" : report.sources[i]);
    out += "</code>";
  }
  fmt::format_to(it,
                 R"(</p><p id="lines">Lines read: <b>{}</b> ({} valid events, {} other events, )"
                 R"({} invalid lines).</p>)",
                 lines.total, lines.valid, lines.other, lines.invalid);
  const SummaryOptions& window = report.summary.options();
  if (window.since || window.until) {
    fmt::format_to(it, R"(<p id="window">Window: {} &le; timestamp &lt; {}</p>)",
                   window.since ? iso8601(*window.since) : "-&infin;",
                   window.until ? iso8601(*window.until) : "+&infin;");
  }
  if (const auto first = timeline.first_timestamp()) {
    const double last = *timeline.last_timestamp();
    fmt::format_to(it,
                   R"(<p id="span">Events from <time>{}</time> to <time>{}</time> ({}), )"
                   R"(in buckets of <b>{}</b> ({} buckets).</p>)",
                   iso8601(*first), iso8601(last), span_label(last - *first),
                   interval_label(timeline.interval()),
                   *timeline.last_bucket() - *timeline.first_bucket() + 1);
  }
  if (timeline.widened()) {
    fmt::format_to(it,
                   R"(<p class="note">The interval asked for, {}, would need more than {} )"
                   R"(buckets over this span; the charts use {}.</p>)",
                   interval_label(timeline.options().interval), Timeline::MAX_BUCKETS,
                   interval_label(timeline.interval()));
  }
  if (timeline.unplaced() > 0) {
    fmt::format_to(it,
                   R"(<p class="note">{} {} dated after the year 9999: counted in )"
                   R"(the tables, left out of the charts.</p>)",
                   timeline.unplaced(), timeline.unplaced() == 1 ? "event is" : "events are");
  }
  if (lines.valid == 0 || report.summary.groups().empty() ||
      (!timeline.first_timestamp() && timeline.unplaced() == 0)) {
    out += R"(<p class="empty-page" id="no-events">No events )";
    out += lines.valid == 0 ? "in the logs." : "in the window.";
    out += "</p>";
  }
  out += "</header>\n";
}

// Each breakdown of a group (BREAKDOWNS), as sorted bars.
void breakdown_panels(std::string& out, const std::string& id, const GroupSummary& group) {
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    const LabelCounts& counts = group.breakdowns[row.breakdown];
    std::vector<html::Bar> bars;
    bars.reserve(counts.counts().size());
    for (const auto& [label, n] : counts.counts()) {
      // By code (runner_stop_codes): "repo-policy-check-failure 403".
      bars.push_back(
          {row.code.read == nullptr ? label.text : fmt::format("{} {}", label.text, label.code),
           n});
    }
    std::string caption = fmt::format("{} ({})", row.label, row.source);
    caption[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(caption[0])));
    html::breakdown_panel(
        out,
        {fmt::format("{}-breakdown-{}", id, row.key), fmt::format("breakdown-{}", row.key),
         std::move(caption), fmt::format("No {} in this time range", row.label)},
        std::move(bars), counts.other());
  }
}

void group_section(std::string& out, std::size_t index, const GroupSummary& group,
                   const Timeline& timeline, const TimelineGroup* timeline_group,
                   const std::optional<XScale>& x) {
  const std::string id = fmt::format("g{}", index);
  fmt::format_to(std::back_inserter(out), R"(<section class="group" id="{}")", id);
  if (group.flavor) {
    out += R"( data-flavor=")";
    escape_to(out, *group.flavor);
    out += R"("><h2>Flavor <q>)";
    escape_to(out, *group.flavor);
    out += "</q></h2>";
  } else {
    out += "><h2>All flavors</h2>";
  }
  out += R"(<div class="tables">)";
  counts_table(out, group);
  durations_table(out, group);
  out += "</div>\n";
  html::tiles(out, group);
  lifecycle_panel(out, id, timeline_group, x);
  jobs_per_day_panel(out, id, timeline_group, timeline);
  runners_panel(out, id, timeline_group, x);
  for (const DurationMeasure* duration : html::durations_in_report_order()) {
    duration_panel(out, id, timeline_group, x, *duration,
                   group.durations[duration->measure].unknown());
  }
  breakdown_panels(out, id, group);
  out += "</section>\n";
}

}  // namespace

void render_html(const FleetReport& report, const std::function<void(std::string_view)>& write) {
  std::string out;
  out.reserve(kChunkBytes + 64 * 1024);
  // A piece at a time: the page of a log with many flavors is larger than
  // anything else the report holds.
  const auto flush = [&](bool always) {
    if (always || out.size() >= kChunkBytes) {
      write(out);
      out.clear();
    }
  };
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\"/>"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
      "<meta name=\"color-scheme\" content=\"light dark\"/>"
      "<meta name=\"generator\" content=\"runner-metrics report\"/><title>Runner fleet report";
  if (!report.sources.empty()) {
    out += ": ";
    escape_to(out, report.sources.front() == "-" ? "standard input" : report.sources.front());
    if (report.sources.size() > 1)
      fmt::format_to(std::back_inserter(out), " and {} more", report.sources.size() - 1);
  }
  out += "</title><style>";
  out += html::STYLESHEET;
  out += "</style></head>\n<body><main>";
  header(out, report);

  const Timeline& timeline = report.timeline;
  std::optional<XScale> x;
  if (const auto first = timeline.first_bucket()) {
    x = XScale{*first, *timeline.last_bucket(), timeline.interval()};
  }
  const bool by_flavor = report.summary.options().by_flavor;
  // The sections drawn: the busiest flavors, in flavor order.
  std::vector<const GroupSummary*> groups =
      by_flavor ? busiest_groups(report.summary, report.max_sections) : report.summary.groups();
  std::sort(groups.begin(), groups.end(),
            [](const GroupSummary* a, const GroupSummary* b) { return a->flavor < b->flavor; });
  if (by_flavor) flavors_table(out, report, groups, write);
  if (groups.size() > 1) {
    out += "<nav>Flavors: ";
    for (std::size_t i = 0; i < groups.size(); ++i) {
      fmt::format_to(std::back_inserter(out), R"(<a href="#g{}">)", i);
      escape_to(out, groups[i]->flavor.value_or(""));
      out += "</a>";
    }
    out += "</nav>\n";
  }
  flush(false);
  // Both lists are sorted by flavor; a timeline group is missing when none
  // of the flavor's events could be placed on a time axis.
  const auto timeline_groups = timeline.groups();
  auto next = timeline_groups.begin();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    while (next != timeline_groups.end() && (*next)->flavor < groups[i]->flavor) ++next;
    const bool match = next != timeline_groups.end() && (*next)->flavor == groups[i]->flavor;
    group_section(out, i, *groups[i], timeline, match ? *next : nullptr, x);
    flush(false);
  }
  out +=
      "<footer class=\"muted\"><p>Made by <code>runner-metrics report</code>. Percentiles "
      "are within 0.5% of the exact nearest-rank value in the tables and 2% in the charts "
      "(exact for a bucket of at most 64 values); counts, min, avg and max are exact. "
      "Hover over a chart for a bucket's values.</p></footer>";
  out += "</main></body></html>\n";
  flush(true);
}

std::string render_html(const FleetReport& report) {
  return detail::whole_text(
      [&](const std::function<void(std::string_view)>& write) { render_html(report, write); });
}

}  // namespace runner_metrics