// SPDX-License-Identifier: Apache-2.0
#include "render/html/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "aggregate/fleet_tally.hpp"
#include "render/html/escape.hpp"
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
  out += "</tr>";
}

}  // namespace

void counts_table(std::string& out, const GroupSummary& group) {
  const EventCounts& counts = group.counts;
  out += R"(<table class="counts"><caption>Events</caption><tbody>)";
  count_row(out, "runners installed", "runner_installed",
            fmt::format("{}", counts.runner_installed));
  count_row(out, "jobs started", "runner_start", fmt::format("{}", counts.runner_start));
  count_row(out, "runners stopped", "runner_stop", fmt::format("{}", counts.runner_stop));
  for (const auto& [status, n] : group.runner_stop_status) {
    count_row(out, status, "status:" + status, fmt::format("{}", n), true);
  }
  count_row(out, "reconciliations", "reconciliation", fmt::format("{}", counts.reconciliation));
  count_row(out, "crashed runners", "crashed_runners", fmt::format("{}", counts.crashed_runners));
  const auto idle = group.idle_runners_last();
  count_row(out, "idle runners at last reconciliation", "idle_runners_last",
            idle ? fmt::format("{}", *idle) : "-");
  out += "</tbody></table>";
}

void durations_table(std::string& out, const GroupSummary& group) {
  out += R"(<table class="durations"><caption>Durations</caption><thead><tr><th>duration</th>)"
         "<th>count</th><th>min</th><th>avg</th><th>max</th><th>p50</th><th>p95</th><th>p99</th>"
         "</tr></thead><tbody>";
  stats_row(out, "queue", "queue", group.durations.queue);
  stats_row(out, "idle", "idle", group.durations.idle);
  stats_row(out, "job (normal)", "job", group.durations.job);
  stats_row(out, "installation", "installation", group.durations.installation);
  stats_row(out, "reconciliation", "reconciliation", group.durations.reconciliation);
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
  out +=
      "</caption><thead><tr><th>flavor</th><th>events</th><th>installed</th>"
      "<th>started</th><th>stopped</th><th>reconciliations</th><th>crashed runners</th>"
      "<th>idle runners at last reconciliation</th></tr></thead><tbody>";
  const auto cells = [&](std::uint64_t events, const EventCounts& c,
                         std::optional<std::uint64_t> idle) {
    fmt::format_to(it, "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>", events,
                   c.runner_installed, c.runner_start, c.runner_stop, c.reconciliation,
                   c.crashed_runners);
    if (idle) {
      fmt::format_to(it, "<td>{}</td></tr>", *idle);
    } else {
      out += "<td>-</td></tr>";
    }
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
    const EventCounts& c = group.counts;
    cells(c.runner_installed + c.runner_start + c.runner_stop + c.reconciliation, c,
          group.idle_runners_last());
    if (out.size() >= detail::TEXT_CHUNK_BYTES) {
      write(out);
      out.clear();
    }
  }
  if (shown < rows.size()) {
    EventCounts sum;
    std::optional<std::uint64_t> idle;
    for (std::size_t r = shown; r < rows.size(); ++r) {
      const EventCounts& c = rows[r]->counts;
      sum.runner_installed += c.runner_installed;
      sum.runner_start += c.runner_start;
      sum.runner_stop += c.runner_stop;
      sum.reconciliation += c.reconciliation;
      sum.crashed_runners = detail::saturating_add(sum.crashed_runners, c.crashed_runners);
      if (const auto last = rows[r]->idle_runners_last()) {
        idle = detail::saturating_add(idle.value_or(0), *last);
      }
    }
    fmt::format_to(it, R"(<tr class="other" data-flavors="{}"><th><i>other ({} flavors)</i></th>)",
                   rows.size() - shown, rows.size() - shown);
    cells(sum.runner_installed + sum.runner_start + sum.runner_stop + sum.reconciliation, sum,
          idle);
  }
  out += "</tbody></table>\n";
}

}  // namespace runner_metrics::html
