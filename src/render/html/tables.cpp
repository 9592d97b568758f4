// SPDX-License-Identifier: Apache-2.0
#include "render/html/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>

#include "aggregate/fleet_tally.hpp"
#include "render/html/escape.hpp"
#include "render/html/panels.hpp"
#include "render/html/time_labels.hpp"
#include "render/summary_format.hpp"

namespace runner_metrics::html {

using detail::human_duration;

namespace {

void count_row(std::string& out, std::string_view label, std::string_view key,
               std::string_view value, bool sub = false) {
  fmt::format_to(std::back_inserter(out), R"(<tr{}><th>{}</th><td data-key="{}">{}</td></tr>)",
                 sub ? R"( class="sub")" : "", escape(label), escape(key), escape(value));
}

void stats_row(std::string& out, std::string_view label, std::string_view key,
               const DurationStats& stats) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, R"(<tr data-duration="{}"><th>{}</th><td>{}</td>)", key, label, stats.count());
  const auto cell = [&](double value) {
    fmt::format_to(it, R"(<td title="{}">{}</td>)", python_float(value) + " s",
                   human_duration(value));
  };
  if (stats.count() == 0) {
    out += "<td>-</td><td>-</td><td>-</td><td>-</td><td>-</td><td>-</td>";
  } else {
    cell(stats.min());
    cell(stats.avg());
    cell(stats.max());
    cell(stats.quantile(0.50));
    cell(stats.quantile(0.95));
    cell(stats.quantile(0.99));
  }
  // Values a writer did not know (Infinity), in no statistic: format.md §7.
  fmt::format_to(it, R"(<td class="unknown">{}</td></tr>)", stats.unknown());
}

}  // namespace

void counts_table(std::string& out, const GroupSummary& group) {
  out += R"(<table class="counts"><caption>Events</caption><tbody>)";
  for (const CountMeasure& count : COUNTS) {
    count_row(out, count.label, count.key, fmt::format("{}", group.counts.*count.member));
    if (!count.by_status) continue;
    for (const auto& [label, n] : group.breakdowns[Breakdown::StopStatus].counts()) {
      count_row(out, label.text, "status:" + label.text, fmt::format("{}", n), true);
    }
  }
  for (const GaugeMeasure& gauge : GAUGES) {
    const auto value = group.last(gauge.gauge);
    count_row(out, gauge.label, gauge.key, value ? fmt::format("{}", *value) : "-");
  }
  out += "</tbody></table>";
}

void durations_table(std::string& out, const GroupSummary& group) {
  out +=
      R"(<table class="durations"><caption>Durations</caption><thead><tr><th>duration</th>)"
      "<th>count</th><th>min</th><th>avg</th><th>max</th><th>p50</th><th>p95</th><th>p99</th>"
      R"(<th title="values given as Infinity, in no statistic">unknown</th></tr></thead><tbody>)";
  for (const DurationMeasure* duration : durations_in_report_order()) {
    stats_row(out, duration->label, duration->key, group.durations[duration->measure]);
  }
  out += "</tbody></table>";
}

void flavors_table(std::string& out, const FleetReport& report,
                   const std::vector<const GroupSummary*>& drawn,
                   const std::function<void(std::string_view)>& write) {
  auto it = std::back_inserter(out);
  const std::vector<const GroupSummary*> rows = busiest_groups(report.summary, 0);
  const std::size_t shown =
      report.max_label_values == 0 ? rows.size() : std::min(rows.size(), report.max_label_values);
  fmt::format_to(it,
                 R"(<table class="flavors" id="flavors"><caption>{} flavors, the busiest first)",
                 rows.size());
  if (drawn.size() < rows.size()) {
    fmt::format_to(it, "; charts for the {} busiest", drawn.size());
  }
  out += "</caption><thead><tr><th>flavor</th><th>events</th>";
  for (const CountMeasure& count : COUNTS) fmt::format_to(it, "<th>{}</th>", count.column);
  for (const GaugeMeasure& gauge : GAUGES) fmt::format_to(it, "<th>{}</th>", gauge.label);
  out += "</tr></thead><tbody>";
  using Gauges = std::array<std::optional<std::uint64_t>, GAUGES.size()>;
  const auto gauges_of = [](const GroupSummary& group) {
    Gauges values;
    for (const GaugeMeasure& gauge : GAUGES) {
      values[static_cast<std::size_t>(gauge.gauge)] = group.last(gauge.gauge);
    }
    return values;
  };
  const auto cells = [&](const EventCounts& c, const Gauges& gauges) {
    fmt::format_to(it, "<td>{}</td>", detail::events_of(c));
    for (const CountMeasure& count : COUNTS) fmt::format_to(it, "<td>{}</td>", c.*count.member);
    for (const auto& value : gauges) {
      if (value) {
        fmt::format_to(it, "<td>{}</td>", *value);
      } else {
        out += "<td>-</td>";
      }
    }
    out += "</tr>";
  };
  for (std::size_t r = 0; r < shown; ++r) {
    const GroupSummary& group = *rows[r];
    const auto section = std::find(drawn.begin(), drawn.end(), &group);
    out += "<tr><th>";
    if (section != drawn.end()) {
      fmt::format_to(it, R"(<a href="#g{}">)", section - drawn.begin());
      escape_to(out, group.flavor.value_or(""));
      out += "</a>";
    } else {
      escape_to(out, group.flavor.value_or(""));
    }
    out += "</th>";
    cells(group.counts, gauges_of(group));
    if (out.size() >= detail::TEXT_CHUNK_BYTES) {
      write(out);
      out.clear();
    }
  }
  if (shown < rows.size()) {
    EventCounts sum;
    Gauges gauges;
    for (std::size_t r = shown; r < rows.size(); ++r) {
      detail::merge_counts(sum, rows[r]->counts);
      const Gauges group = gauges_of(*rows[r]);
      for (std::size_t g = 0; g < gauges.size(); ++g) {
        if (group[g]) gauges[g] = detail::saturating_add(gauges[g].value_or(0), *group[g]);
      }
    }
    fmt::format_to(it, R"(<tr class="other" data-flavors="{}"><th><i>other ({} flavors)</i></th>)",
                   rows.size() - shown, rows.size() - shown);
    cells(sum, gauges);
  }
  out += "</tbody></table>\n";
}

}  // namespace runner_metrics::html
