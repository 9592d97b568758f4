// SPDX-License-Identifier: Apache-2.0
// The measures table (measures.hpp) against what is rendered from it: the
// summary's JSON and text, the Prometheus text and the report page name
// exactly the table's measures, in its order, and nothing else.
#include "runner_metrics/measures.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runner_metrics/prometheus_metrics.hpp"
#include "runner_metrics/report.hpp"
#include "runner_metrics/summary_render.hpp"

namespace runner_metrics {
namespace {

// One event of each type, every optional field given, a normal stop.
std::vector<AnyEvent> every_measure() {
  return {
      RunnerInstalled{.timestamp = 1795615200, .flavor = "small", .duration = 10},
      RunnerStart{.timestamp = 1795615260,
                  .flavor = "small",
                  .repo = "o/r",
                  .github_event = "push",
                  .idle = 5,
                  .queue_duration = 2.5},
      RunnerStop{.timestamp = 1795615320,
                 .flavor = "small",
                 .status = "normal",
                 .status_info = CodeInformation{.code = 0},
                 .job_duration = 90,
                 .job_conclusion = "success"},
      Reconciliation{.timestamp = 1795615380,
                     .flavor = "small",
                     .crashed_runners = 1,
                     .idle_runners = 3,
                     .active_runners = 2,
                     .expected_runners = 6,
                     .duration = 4},
  };
}

// Every `"…"` key of the JSON object that starts at `open` (its own level only).
std::vector<std::string> object_keys(std::string_view json, std::size_t open) {
  std::vector<std::string> keys;
  int depth = 0;
  for (std::size_t i = open; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) break;
    }
    if (c == '"') {
      const std::size_t end = json.find('"', i + 1);
      if (depth == 1 && json.substr(end + 1, 2) == ": ") {
        keys.emplace_back(json.substr(i + 1, end - i - 1));
      }
      i = end;
    }
  }
  return keys;
}

// Every value of attribute `name` in the page, in order.
std::vector<std::string> attribute_values(std::string_view page, std::string_view name) {
  std::vector<std::string> values;
  const std::string needle = std::string(" ") + std::string(name) + "=\"";
  for (std::size_t at = page.find(needle); at != std::string_view::npos;
       at = page.find(needle, at + 1)) {
    const std::size_t begin = at + needle.size();
    values.emplace_back(page.substr(begin, page.find('"', begin) - begin));
  }
  return values;
}

template <class Rows, class Key>
std::vector<std::string> keys_of(const Rows& rows, Key key) {
  std::vector<std::string> keys;
  for (const auto& row : rows) {
    if (!key(row).empty()) keys.emplace_back(key(row));
  }
  return keys;
}

std::vector<std::string> duration_keys() {
  return keys_of(DURATIONS, [](const DurationMeasure& d) { return d.key; });
}
std::vector<std::string> count_keys() {
  return keys_of(COUNTS, [](const CountMeasure& c) { return c.key; });
}
std::vector<std::string> gauge_keys() {
  return keys_of(GAUGES, [](const GaugeMeasure& g) { return g.key; });
}
std::vector<std::string> breakdown_keys() {
  return keys_of(BREAKDOWNS, [](const BreakdownMeasure& b) { return b.key; });
}

TEST(Measures, TheRowsReadTheFieldsTheySayTheyRead) {
  std::vector<std::string> event_names;
  for_each_event_type([&](auto type) {
    event_names.emplace_back(event_type_name<typename decltype(type)::type>());
  });
  // Keys are unique in each table; "reconciliation" is both a count and a
  // duration, as in format.md §7.
  std::set<std::string_view> keys;
  for (const DurationMeasure& row : DURATIONS) {
    EXPECT_TRUE(keys.insert(row.key).second) << row.key;
    EXPECT_EQ(row.source.substr(0, row.source.find('.')), event_names.at(row.field.event))
        << row.key;
    EXPECT_FALSE(row.buckets.empty()) << row.key;
    EXPECT_TRUE(std::is_sorted(row.buckets.begin(), row.buckets.end())) << row.key;
    EXPECT_LT(row.report_position, DURATIONS.size()) << row.key;
    std::size_t shown_at_same_place = 0;
    for (const DurationMeasure& other : DURATIONS) {
      shown_at_same_place += other.report_position == row.report_position ? 1 : 0;
    }
    EXPECT_EQ(shown_at_same_place, 1u) << row.key;
  }
  keys.clear();
  for (const CountMeasure& row : COUNTS) EXPECT_TRUE(keys.insert(row.key).second) << row.key;
  for (const GaugeMeasure& row : GAUGES) EXPECT_TRUE(keys.insert(row.key).second) << row.key;
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    EXPECT_TRUE(keys.insert(row.key).second) << row.key;
    EXPECT_EQ(row.source.substr(0, row.source.find('.')), event_names.at(row.field.event))
        << row.key;
    EXPECT_EQ(row.prometheus_name.empty(), row.prometheus_label.empty()) << row.key;
  }
  const AnyEvent stop = RunnerStop{.status = "abnormal",
                                   .status_info = CodeInformation{.code = 137},
                                   .job_conclusion = "failure"};
  EXPECT_EQ(row(Breakdown::StopStatus).field.read(stop), "abnormal");
  EXPECT_EQ(row(Breakdown::StopConclusion).field.read(stop), "failure");
  EXPECT_EQ(row(Breakdown::StopConclusion).field.read(AnyEvent{RunnerStop{}}), std::nullopt);
  EXPECT_EQ(row(Breakdown::StopCodes).code.read(stop), 137);
  EXPECT_EQ(row(Breakdown::StopCodes).code.read(AnyEvent{RunnerStop{}}), std::nullopt);
  EXPECT_EQ(row(Breakdown::Repos).field.read(AnyEvent{RunnerStart{.repo = "o/r"}}), "o/r");
  EXPECT_EQ(row(Breakdown::Repos).field.read(stop), std::nullopt) << "runner_start's repo";
  EXPECT_EQ(row(Gauge::ActiveRunners).field.read(AnyEvent{Reconciliation{.active_runners = 4}}), 4);
  EXPECT_EQ(row(Gauge::ExpectedRunners).field.read(AnyEvent{Reconciliation{}}), std::nullopt);

  // The one filter that differs: a job that did not stop normally is in
  // Prometheus' histogram, not in the summary's statistics.
  const AnyEvent abnormal = RunnerStop{.status = "abnormal", .job_duration = 5};
  EXPECT_FALSE(row(Measure::Job).summary_keeps(abnormal));
  EXPECT_TRUE(row(Measure::Job).prometheus_keeps(abnormal));
  EXPECT_EQ(row(Measure::Job).field.read(abnormal), 5.0);
  EXPECT_EQ(row(Measure::Queue).field.read(AnyEvent{RunnerStart{}}), std::nullopt);
  EXPECT_EQ(row(Measure::Queue).field.read(abnormal), std::nullopt);
}

TEST(Measures, TheSummaryJsonHasExactlyTheTablesMeasuresInItsOrder) {
  Summary summary;
  std::uint64_t offset = 0;
  for (const AnyEvent& event : every_measure()) summary.add(event, {0, offset += 100});
  const std::string json = render_json(summary);
  const std::size_t group = json.find("{\"flavor\"");
  ASSERT_NE(group, std::string::npos) << json;
  EXPECT_EQ(object_keys(json, json.find('{', json.find("\"counts\": "))), count_keys());
  EXPECT_EQ(object_keys(json, json.find('{', json.find("\"durations\": "))), duration_keys());
  std::vector<std::string> expected = {"flavor", "counts"};
  for (const std::string& key : breakdown_keys()) expected.push_back(key);
  for (const std::string& key : gauge_keys()) expected.push_back(key);
  for (const char* key : {"reconciliation_interval", "queue_under_60s", "durations"}) {
    expected.emplace_back(key);
  }
  EXPECT_EQ(object_keys(json, group), expected);
  for (const DurationMeasure& row : DURATIONS) {
    EXPECT_NE(json.find("\"" + std::string(row.key) + "\": {\"count\": 1, \"unknown\": 0,"),
              std::string::npos)
        << row.key << " measured once from one event of each type";
  }
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    EXPECT_NE(json.find("\"" + std::string(row.key) + "\": {\""), std::string::npos)
        << row.key << " counted the one event that has it";
  }
  for (const GaugeMeasure& row : GAUGES) {
    EXPECT_EQ(json.find("\"" + std::string(row.key) + "\": null"), std::string::npos) << row.key;
  }
}

TEST(Measures, TheSummaryTextHasARowForEachMeasure) {
  Summary summary;
  for (const AnyEvent& event : every_measure()) summary.add(event, {});
  const std::string text = render_text(summary);
  std::vector<std::string> rows;  // the first word(s) of each indented line
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = text.find('\n', begin);
    const std::string_view line = std::string_view(text).substr(begin, end - begin);
    begin = end + 1;
    if (!line.starts_with("  ")) continue;
    const std::string_view rest = line.substr(line.find_first_not_of(' '));
    // A row's name ends where the column of numbers starts: two spaces.
    rows.emplace_back(rest.substr(0, rest.find("  ")));
  }
  std::vector<std::string> expected;
  for (const CountMeasure& row : COUNTS) {
    expected.emplace_back(row.key);
    if (row.by_status) expected.emplace_back("normal");
  }
  for (const GaugeMeasure& row : GAUGES) expected.emplace_back(row.label);
  expected.emplace_back("reconciliation interval");
  expected.emplace_back("queue under 60 s");
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    if (row.breakdown == Breakdown::StopStatus) continue;  // under runner_stop
    expected.emplace_back(row.label);
    expected.emplace_back(std::string(row.field.read(every_measure()[row.field.event]).value()) +
                          (row.code.read == nullptr ? "" : " 0"));
  }
  expected.emplace_back("duration");  // the statistics' heading
  for (const DurationMeasure& row : DURATIONS) expected.emplace_back(row.label);
  EXPECT_EQ(rows, expected) << text;
}

// The metrics `serve` exposes, in order: the table's, then the exporter's own.
std::vector<std::string> prometheus_names() {
  std::vector<std::string> expected =
      keys_of(DURATIONS, [](const DurationMeasure& d) { return d.prometheus_name; });
  for (const auto& name : keys_of(GAUGES, [](const GaugeMeasure& g) { return g.prometheus_name; }))
    expected.push_back(name);
  for (const auto& name :
       keys_of(BREAKDOWNS, [](const BreakdownMeasure& b) { return b.prometheus_name; }))
    expected.push_back(name);
  expected.emplace_back("runner_metric_events_total");
  expected.emplace_back("runner_stops_total");
  for (const auto& name : keys_of(COUNTS, [](const CountMeasure& c) { return c.prometheus_name; }))
    expected.push_back(name);
  for (const char* own : {"metrics_log_invalid_lines_total", "metrics_log_other_events_total",
                          "metrics_log_label_values_folded_total", "metrics_log_reopens_total"}) {
    expected.emplace_back(own);
  }
  return expected;
}

TEST(Measures, PrometheusExposesTheTablesMetricsAndTheExportersOwn) {
  PrometheusMetrics metrics;
  for (const AnyEvent& event : every_measure()) metrics.add(event);
  const std::string text = render_prometheus(metrics);
  std::vector<std::string> names;
  const std::string_view type = "# TYPE ";
  for (std::size_t at = text.find(type); at != std::string::npos; at = text.find(type, at + 1)) {
    const std::size_t begin = at + type.size();
    names.push_back(text.substr(begin, text.find(' ', begin) - begin));
  }
  const std::vector<std::string> expected = prometheus_names();
  EXPECT_EQ(names, expected) << text;
  // Each table metric has a series for the flavor; the counts without a
  // name of their own are the events of runner_metric_events_total.
  for (const DurationMeasure& row : DURATIONS) {
    EXPECT_NE(text.find(std::string(row.prometheus_name) + "_count{flavor=\"small\"} 1\n"),
              std::string::npos)
        << row.key;
  }
  for (const GaugeMeasure& row : GAUGES) {
    EXPECT_NE(text.find(std::string(row.prometheus_name) + "{flavor=\"small\"} "),
              std::string::npos)
        << row.key;
  }
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    if (row.prometheus_name.empty()) continue;
    const std::string series =
        fmt::format("{}{{{}=\"{}\"}} 1\n", row.prometheus_name, row.prometheus_label,
                    row.field.read(every_measure()[row.field.event]).value());
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
  for (const CountMeasure& row : COUNTS) {
    const std::string series =
        row.prometheus_name.empty()
            ? "runner_metric_events_total{event=\"" + std::string(row.key) + "\",flavor=\"small\"} "
            : std::string(row.prometheus_name) + "{flavor=\"small\"} ";
    EXPECT_NE(text.find(series), std::string::npos) << row.key;
  }
}

TEST(Measures, TheReportPageShowsEachMeasureOnceAGroup) {
  FleetReport report{
      Summary({.by_flavor = true}), Timeline({.window = {.by_flavor = true}}), {"metrics.log"}};
  std::uint64_t offset = 0;
  for (const AnyEvent& event : every_measure()) {
    report.summary.add(event, {0, offset});
    report.timeline.add(event, {0, offset});
    offset += 100;
  }
  const std::string page = render_html(report);

  // In the report's order: queue, idle, job, installation, reconciliation.
  std::vector<std::string> in_report_order(DURATIONS.size());
  for (const DurationMeasure& row : DURATIONS) in_report_order.at(row.report_position) = row.key;
  EXPECT_EQ(attribute_values(page, "data-duration"), in_report_order);

  std::vector<std::string> panels = {"lifecycle", "jobs-per-day", "runners"};
  for (const std::string& key : in_report_order) panels.push_back("duration-" + key);
  for (const BreakdownMeasure& row : BREAKDOWNS)
    panels.push_back(fmt::format("breakdown-{}", row.key));
  EXPECT_EQ(attribute_values(page, "data-panel"), panels);

  std::vector<std::string> counted;
  for (const CountMeasure& row : COUNTS) {
    counted.emplace_back(row.key);
    if (row.by_status) counted.emplace_back("status:normal");
  }
  for (const std::string& key : gauge_keys()) counted.push_back(key);
  EXPECT_EQ(attribute_values(page, "data-key"), counted);

  // The flavors table: flavor, events, then a column for each count and gauge.
  const std::size_t table = page.find("<table class=\"flavors\"");
  ASSERT_NE(table, std::string::npos);
  const std::string_view head =
      std::string_view(page).substr(table, page.find("</thead>", table) - table);
  std::size_t columns = 0;
  for (std::size_t at = head.find("<th>"); at != std::string_view::npos;
       at = head.find("<th>", at + 1)) {
    ++columns;
  }
  EXPECT_EQ(columns, 2 + COUNTS.size() + GAUGES.size());

  // The lifecycle chart draws the counts that name a line.
  std::vector<std::string> lines;
  for (const CountMeasure& row : COUNTS) {
    if (!row.chart.empty()) lines.emplace_back(row.chart);
  }
  std::vector<std::string> series = attribute_values(page, "data-series");
  series.resize(std::min(series.size(), lines.size()));
  EXPECT_EQ(series, lines);
}

TEST(Measures, ServeMdListsTheMetricsInTheirOrderWithTheirSources) {
  std::ifstream file(std::string(RUNNER_METRICS_SOURCE_DIR) + "/docs/serve.md");
  ASSERT_TRUE(file) << "docs/serve.md";
  std::vector<std::string> names;
  std::vector<std::string> rows;
  bool in_metrics = false;
  for (std::string line; std::getline(file, line);) {
    if (line.starts_with("### ")) in_metrics = line == "### Metrics";
    if (!in_metrics || !line.starts_with("| `")) continue;
    names.push_back(line.substr(3, line.find('`', 3) - 3));
    rows.push_back(line);
  }
  EXPECT_EQ(names, prometheus_names());
  for (const DurationMeasure& row : DURATIONS) {
    const auto it = std::find(names.begin(), names.end(), row.prometheus_name);
    ASSERT_NE(it, names.end()) << row.prometheus_name;
    EXPECT_NE(rows[static_cast<std::size_t>(it - names.begin())].find(row.source),
              std::string::npos)
        << row.prometheus_name << " is documented as measuring " << row.source;
  }
}

}  // namespace
}  // namespace runner_metrics
