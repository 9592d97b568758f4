// SPDX-License-Identifier: Apache-2.0
// render_html and report_logs: on logs with known content, the page holds
// the expected panels, series, values and tables (read back by parsing its
// HTML and SVG), text from the log stays text, empty inputs say so, and the
// page's size follows the buckets, not the events.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runner_metrics/report.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/log_builder.hpp"
#include "support/markup.hpp"
#include "support/process.hpp"
#include "support/report_page.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z

const std::vector<std::string> kPanels = {"lifecycle",
                                          "jobs-per-day",
                                          "runners",
                                          "duration-queue",
                                          "duration-idle",
                                          "duration-job",
                                          "duration-installation",
                                          "duration-reconciliation",
                                          "breakdown-runner_stop_status",
                                          "breakdown-runner_stop_conclusion",
                                          "breakdown-runner_stop_codes",
                                          "breakdown-github_events",
                                          "breakdown-repos"};

// Ten minutes, so ten buckets of 1 min; nothing in minutes 2 and 4 to 8.
std::string known_log() {
  return installed_line(kT0, "small", 10) + installed_line(kT0 + 1, "large", 30) +
         start_line(kT0 + 2, "small", 5, 2.5) +                 // minute 0
         stop_line(kT0 + 60, "small", "normal", 90) +           // minute 1
         reconciliation_line(kT0 + 61, "small", 1, 3, 4) +      //
         installed_line(kT0 + 180, "small", 20) +               // minute 3
         stop_line(kT0 + 181, "large", "abnormal", 5) +         //
         reconciliation_line(kT0 + 182, "large", 2, 4, 7200) +  //
         start_line(kT0 + 540, "large", 7, std::nullopt) +      // minute 9
         R"({"timestamp": 1, "event": "runner_resized"})"
         "\n" +
         "junk\n";
}

FleetReport report_of(const std::string& log, ReportOptions options = {}) {
  TempDir dir;
  write_file(dir / "metrics.log", log);
  FleetReport report = report_logs({dir / "metrics.log"}, options);
  report.sources = {"metrics.log"};
  return report;
}

struct Page {
  std::string html;
  std::unique_ptr<Element> root;

  std::vector<const Element*> panels() const { return root->with_class("figure", "panel"); }
  const Element& panel(const std::string& id) const {
    const auto found = root->find_all("figure", "id", id);
    if (found.size() != 1) throw std::runtime_error("no single panel " + id);
    return *found[0];
  }
};

Page page_of(const FleetReport& report) {
  Page page{render_html(report), nullptr};
  page.root = parse_markup(page.html);
  return page;
}

// The series' points are at their expected values, and every bucket where
// the line turns (a value that differs from a neighbour) has a point.
void expect_series(const ChartReader& chart, const std::string& name,
                   const std::vector<std::optional<double>>& expected, double tolerance) {
  const auto points = chart.series(name);
  EXPECT_FALSE(points.empty()) << name;
  for (const auto& [bucket, value] : points) {
    ASSERT_TRUE(bucket >= 0 && bucket < static_cast<long>(expected.size())) << name << bucket;
    ASSERT_TRUE(expected[static_cast<std::size_t>(bucket)].has_value())
        << name << ": a point in bucket " << bucket << " that has no value";
    EXPECT_NEAR(value, *expected[static_cast<std::size_t>(bucket)], tolerance)
        << name << ", bucket " << bucket;
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!expected[i]) continue;
    const bool turns = i == 0 || i + 1 == expected.size() || expected[i - 1] != expected[i] ||
                       expected[i + 1] != expected[i];
    if (turns) {
      EXPECT_TRUE(points.count(static_cast<long>(i))) << name << ": no point in " << i;
    }
  }
}

std::string cell(const Element& table, const std::string& key) {
  const auto found = table.find_all("td", "data-key", key);
  return found.size() == 1 ? found[0]->text() : "(missing)";
}

TEST(ReportHtml, IsOneWellFormedPageThatNeedsNothingFromTheNetwork) {
  const Page page = page_of(report_of(known_log()));
  EXPECT_TRUE(page.html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_EQ(page.root->find_all("script").size(), 0u);
  for (const char* tag : {"link", "img", "iframe", "object", "embed", "image", "use"}) {
    EXPECT_EQ(page.root->find_all(tag).size(), 0u) << tag;
  }
  EXPECT_EQ(page.root->find_all("", "src").size(), 0u);
  for (const Element* link : page.root->find_all("", "href")) {
    EXPECT_TRUE(link->attribute("href")->starts_with("#")) << *link->attribute("href");
  }
  EXPECT_EQ(page.html.find("://"), std::string::npos);
  EXPECT_EQ(page.html.find("url("), std::string::npos);
  EXPECT_EQ(page.html.find("@import"), std::string::npos);
  const auto policy = page.root->find_all("meta", "http-equiv", "Content-Security-Policy");
  ASSERT_EQ(policy.size(), 1u);
  EXPECT_TRUE(policy[0]->attribute("content")->starts_with("default-src 'none'"));
  const std::string style = page.root->find_all("style").at(0)->text();
  EXPECT_NE(style.find("@media (prefers-color-scheme:dark)"), std::string::npos);
  EXPECT_NE(style.find("@media print"), std::string::npos);
}

TEST(ReportHtml, HasEveryPanelWithItsSeriesInOrder) {
  const Page page = page_of(report_of(known_log()));
  const auto sections = page.root->with_class("section", "group");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0]->find_all("h2").at(0)->text(), "All flavors");
  std::vector<std::string> kinds;
  // The known log is of the seed era: no job conclusions.
  const std::set<std::string> empty = {"breakdown-runner_stop_conclusion"};
  for (const Element* panel : page.panels()) {
    kinds.push_back(panel->attribute("data-panel").value());
    EXPECT_EQ(panel->attribute("data-empty"), empty.contains(kinds.back()) ? "true" : "false")
        << kinds.back();
    EXPECT_EQ(panel->find_all("svg").size(), 1u);
  }
  EXPECT_EQ(kinds, kPanels);
  EXPECT_EQ(ChartReader(page.panel("g0-lifecycle"), 10).series_names(),
            (std::vector<std::string>{"installed", "started", "stopped", "crashed"}));
  EXPECT_EQ(ChartReader(page.panel("g0-runners"), 10).series_names(),
            (std::vector<std::string>{"idle runners"}));
  for (const char* kind : {"queue", "idle", "job", "installation", "reconciliation"}) {
    const ChartReader chart(page.panel(fmt::format("g0-duration-{}", kind)), 10);
    EXPECT_EQ(chart.series_names(), (std::vector<std::string>{"p50", "p95", "p99", "max"})) << kind;
  }
}

TEST(ReportHtml, LifecycleAndIdleRunnersAreDrawnAtTheirValues) {
  const Page page = page_of(report_of(known_log()));
  const ChartReader lifecycle(page.panel("g0-lifecycle"), 10);
  using V = std::vector<std::optional<double>>;
  expect_series(lifecycle, "installed", V{2, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0.02);
  expect_series(lifecycle, "started", V{1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0.02);
  expect_series(lifecycle, "stopped", V{0, 1, 0, 1, 0, 0, 0, 0, 0, 0}, 0.02);
  expect_series(lifecycle, "crashed", V{0, 1, 0, 2, 0, 0, 0, 0, 0, 0}, 0.02);
  // Idle runners carry each flavor's latest reconciliation forward.
  const ChartReader idle(page.panel("g0-runners"), 10);
  expect_series(idle, "idle runners", V{std::nullopt, 3, 3, 7, 7, 7, 7, 7, 7, 7}, 0.05);
}

TEST(ReportHtml, DurationsAreDrawnAsPercentilesAndMaxPerBucketWithGapsWhereNone) {
  const Page page = page_of(report_of(known_log()));
  using V = std::vector<std::optional<double>>;
  const auto none = std::nullopt;
  // Installation: minute 0 has 10 and 30 s, minute 3 has 20 s; nearest rank.
  const ChartReader installation(page.panel("g0-duration-installation"), 10);
  expect_series(installation, "p50", V{10, none, none, 20, none, none, none, none, none, none},
                0.05);
  expect_series(installation, "p95", V{30, none, none, 20, none, none, none, none, none, none},
                0.05);
  expect_series(installation, "max", V{30, none, none, 20, none, none, none, none, none, none},
                0.05);
  EXPECT_EQ(
      page.panel("g0-duration-installation").with_class("g", "axis").at(0)->attribute("data-scale"),
      "linear");
  // Reconciliation: 4 s and 2 h, three decades apart: a log axis in seconds.
  const ChartReader reconciliation(page.panel("g0-duration-reconciliation"), 10);
  // Read back from the drawing, to within 1% on a log axis.
  const auto max = reconciliation.series("max");
  ASSERT_EQ(max.size(), 2u);
  EXPECT_NEAR(max.at(1), 4, 0.04);
  EXPECT_NEAR(max.at(3), 7200, 72);
  const Element& log_panel = page.panel("g0-duration-reconciliation");
  EXPECT_EQ(log_panel.with_class("g", "axis").at(0)->attribute("data-scale"), "log");
  const auto titles = log_panel.with_class("text", "ytitle");
  ASSERT_EQ(titles.size(), 1u);
  EXPECT_EQ(titles[0]->text(), "log scale");
  std::vector<std::string> ticks;
  for (const Element* tick : log_panel.with_class("text", "ytick")) ticks.push_back(tick->text());
  EXPECT_EQ(ticks, (std::vector<std::string>{"1 s", "10 s", "1 min", "10 min", "1 h", "6 h"}));
  // Job: only the stop with status normal.
  const ChartReader job(page.panel("g0-duration-job"), 10);
  expect_series(job, "p50", V{none, 90, none, none, none, none, none, none, none, none}, 0.1);
}

TEST(ReportHtml, JobsPerDayAreColumnsOfRunnerStartsPerUtcDay) {
  // 3 starts on 2026-11-25, none on the 26th, 2 on the 27th (one a second before midnight).
  const double day = 86400;
  const double midnight = kT0 + 10 * 3600;  // 2026-11-26T00:00:00Z
  const std::string log = start_line(kT0, "small", 1, 1.0) + start_line(kT0 + 60, "large", 1, 1.0) +
                          start_line(midnight - 0.5, "small", 1, std::nullopt) +
                          installed_line(midnight + 3600, "small", 5) +
                          start_line(midnight + day, "small", 1, 1.0) +
                          start_line(midnight + 2 * day - 1, "small", 1, 1.0);
  const Page page = page_of(report_of(log));
  const Element& panel = page.panel("g0-jobs-per-day");
  EXPECT_EQ(panel.find_all("figcaption").at(0)->text().substr(0, 33),
            "Jobs per day (runner_start, UTC)s");
  std::vector<std::string> values;
  for (const Element* column : panel.find_all("rect", "data-value")) {
    values.push_back(*column->attribute("data-value"));
  }
  EXPECT_EQ(values, (std::vector<std::string>{"3", "2"}));  // a day with none has no column
  std::vector<std::string> dates;
  for (const Element* tick : panel.with_class("text", "xtick")) dates.push_back(tick->text());
  EXPECT_EQ(dates, (std::vector<std::string>{"2026-11-25", "2026-11-26", "2026-11-27"}));
  const auto titles = ChartReader(panel, 3).titles();
  ASSERT_EQ(titles.size(), 3u);
  EXPECT_TRUE(titles.at(1).starts_with("jobs started: 0\nrunners installed: 1\n")) << titles.at(1);
}

std::string reconciliation_with(double timestamp, const std::string& flavor, std::int64_t idle,
                                std::optional<std::int64_t> active,
                                std::optional<std::int64_t> expected) {
  return to_line(Reconciliation{.timestamp = timestamp,
                                .flavor = flavor,
                                .idle_runners = idle,
                                .active_runners = active,
                                .expected_runners = expected,
                                .duration = 1});
}

TEST(ReportHtml, RunnersPanelDrawsIdleActiveExpectedAndTheGap) {
  // Minute 0: "small" of the seed era (idle only). Minute 1: "large" says all
  // three, 10 short. Minute 2: "large" has 4 more than expected. Minute 3:
  // "small" says all three too, 5 short.
  const std::string log = reconciliation_with(kT0, "small", 3, std::nullopt, std::nullopt) +
                          reconciliation_with(kT0 + 60, "large", 5, 20, 35) +
                          reconciliation_with(kT0 + 120, "large", 9, 20, 25) +
                          reconciliation_with(kT0 + 180, "small", 2, 3, 10);
  const Page page = page_of(report_of(log));
  const ChartReader chart(page.panel("g0-runners"), 4);
  const std::string gap = "gap: expected \u2212 (idle + active)";
  EXPECT_EQ(chart.series_names(),
            (std::vector<std::string>{"idle runners", "active runners", "expected runners", gap}));
  using V = std::vector<std::optional<double>>;
  expect_series(chart, "idle runners", V{3, 8, 12, 11}, 0.1);
  expect_series(chart, "active runners", V{std::nullopt, 20, 20, 23}, 0.1);
  expect_series(chart, "expected runners", V{std::nullopt, 35, 25, 35}, 0.1);
  // Only the flavors that say all three: "large" alone, then both.
  expect_series(chart, gap, V{std::nullopt, 10, -4, 1}, 0.1);
  EXPECT_EQ(chart.titles().at(2), "idle runners: 12\nactive runners: 20\nexpected runners: 25\n" +
                                      gap + ": -4\nreconciliations in this bucket: 1");
  // The axis goes below 0 for the negative gap.
  EXPECT_LT(
      chart.value_at(
          std::stod(*page.panel("g0-runners").with_class("text", "ytick").at(0)->attribute("y")) -
          4),
      0);
  // The tile: the gap at the last reconciliation.
  const auto tiles = page.root->find_all("div", "data-tile", "runners_gap");
  ASSERT_EQ(tiles.size(), 1u);
  EXPECT_EQ(tiles[0]->with_class("span", "value").at(0)->text(), "1");
}

TEST(ReportHtml, TilesGiveTheReconciliationIntervalAndTheShareOfQueuesUnderAMinute) {
  const std::string log = reconciliation_line(kT0, "small", 0, 1, 1) +
                          reconciliation_line(kT0 + 300, "small", 0, 1, 1) +
                          reconciliation_line(kT0 + 600, "small", 0, 1, 1) +
                          reconciliation_line(kT0, "large", 0, 1, 1) +
                          reconciliation_line(kT0 + 100, "large", 0, 1, 1) +
                          start_line(kT0, "small", 1, 59.999) + start_line(kT0, "small", 1, 60) +
                          start_line(kT0, "small", 1, 3) + start_line(kT0, "small", 1, 4000) +
                          start_line(kT0, "small", 1, std::nullopt);
  const Page page = page_of(report_of(log));
  const auto value_of = [&](const std::string& key) {
    return page.root->find_all("div", "data-tile", key)
        .at(0)
        ->with_class("span", "value")
        .at(0)
        ->text();
  };
  // small: 600 / 2 = 300 s; large: 100 s; their mean, 200 s.
  EXPECT_EQ(value_of("reconciliation_interval"), "3.33 min");
  // 59.999 and 3 of the four queue times.
  EXPECT_EQ(value_of("queue_under_60s"), "50.0%");
  EXPECT_EQ(value_of("runners_gap"), "-");
}

TEST(ReportHtml, BreakdownsAreBarsLargestFirstWithTheRestSummed) {
  std::string log;
  // Status "s00" once, "s01" twice, ... "s13" 14 times: the ten largest, then 4 summed.
  for (int s = 0; s < 14; ++s) {
    for (int i = 0; i <= s; ++i) log += stop_line(kT0 + i, "small", fmt::format("s{:02}", s), 1);
  }
  log += stop_line(kT0, "small", "<b>bold</b>", 1);
  const Page page = page_of(report_of(log));
  const Element& panel = page.panel("g0-breakdown-runner_stop_status");
  std::vector<std::string> bars;
  std::vector<std::string> values;
  for (const Element* row : panel.with_class("g", "row")) {
    bars.push_back(*row->attribute("data-bar"));
    values.push_back(*row->attribute("data-value"));
  }
  EXPECT_EQ(bars, (std::vector<std::string>{"s13", "s12", "s11", "s10", "s09", "s08", "s07", "s06",
                                            "s05", "other (6 more)"}));
  // 5 + 4 + 3 + 2 + 1 + 1 ("<b>bold</b>") in the rest; 106 stops in all.
  EXPECT_EQ(values,
            (std::vector<std::string>{"14", "13", "12", "11", "10", "9", "8", "7", "6", "16"}));
  EXPECT_EQ(panel.with_class("text", "value").at(0)->text(), "14 (13.2%)");
  EXPECT_EQ(panel.with_class("g", "other").size(), 1u);
  // Longer than any bar: the widths follow the counts.
  const auto rects = panel.with_class("rect", "bar");
  ASSERT_EQ(rects.size(), 10u);
  EXPECT_NEAR(std::stod(*rects[1]->attribute("width")) / std::stod(*rects[0]->attribute("width")),
              13.0 / 14, 0.01);
  EXPECT_EQ(page.html.find("<b>bold"), std::string::npos);
}

TEST(ReportHtml, HoverTitlesHoldEachBucketsTimeAndExactValues) {
  const Page page = page_of(report_of(known_log()));
  const std::map<long, std::string> lifecycle = {
      {0, "installed: 2\nstarted: 1\nstopped: 0\ncrashed: 0"},
      {1, "installed: 0\nstarted: 0\nstopped: 1\ncrashed: 1"},
      {3, "installed: 1\nstarted: 0\nstopped: 1\ncrashed: 2"},
      {9, "installed: 0\nstarted: 1\nstopped: 0\ncrashed: 0"}};
  EXPECT_EQ(ChartReader(page.panel("g0-lifecycle"), 10).titles(), lifecycle);
  const auto idle = ChartReader(page.panel("g0-runners"), 10).titles();
  EXPECT_EQ(idle.size(), 9u);
  EXPECT_EQ(idle.at(1), "idle runners: 3\nreconciliations in this bucket: 1");
  EXPECT_EQ(idle.at(5), "idle runners: 7\nreconciliations in this bucket: 0");
  const std::map<long, std::string> installation = {
      {0, "count: 2\np50: 10.0 s\np95: 30.0 s\np99: 30.0 s\nmax: 30.0 s\nmin: 10.0 s\navg: 20.0 s"},
      {3,
       "count: 1\np50: 20.0 s\np95: 20.0 s\np99: 20.0 s\nmax: 20.0 s\nmin: 20.0 s\navg: 20.0 s"}};
  EXPECT_EQ(ChartReader(page.panel("g0-duration-installation"), 10).titles(), installation);
  EXPECT_EQ(ChartReader(page.panel("g0-duration-reconciliation"), 10).titles().at(3),
            "count: 1\np50: 2.00 h\np95: 2.00 h\np99: 2.00 h\nmax: 7200.0 s (2.00 h)\n"
            "min: 7200.0 s (2.00 h)\navg: 7200.0 s (2.00 h)");
  // The first line is the bucket's time.
  const auto rects = page.panel("g0-lifecycle").find_all("title");
  ASSERT_FALSE(rects.empty());
  EXPECT_TRUE(rects[0]->text().starts_with("2026-11-25 14:00 \u2013 14:01 UTC\n"))
      << rects[0]->text();
}

TEST(ReportHtml, AxesHaveUnitsAndTimeLabels) {
  const Page page = page_of(report_of(known_log()));
  const auto title_of = [&](const std::string& id) {
    return page.panel(id).with_class("text", "ytitle").at(0)->text();
  };
  EXPECT_EQ(title_of("g0-lifecycle"), "events / 1 min");
  EXPECT_EQ(title_of("g0-runners"), "runners");
  EXPECT_EQ(title_of("g0-duration-installation"), "seconds");
  EXPECT_EQ(title_of("g0-duration-reconciliation"), "log scale");
  const auto ticks = page.panel("g0-lifecycle").with_class("text", "xtick");
  ASSERT_GE(ticks.size(), 3u);
  // Times of day, the date under the first.
  EXPECT_EQ(ticks[0]->text(), "14:002026-11-25");
  EXPECT_EQ(ticks[1]->text(), "14:02");
  EXPECT_EQ(page.panel("g0-lifecycle").with_class("text", "xtitle").at(0)->text(), "UTC");
}

TEST(ReportHtml, HeaderHoldsTheSummaryTablesAndTheTimeSpan) {
  const Page page = page_of(report_of(known_log()));
  const Element& counts = *page.root->with_class("table", "counts").at(0);
  EXPECT_EQ(cell(counts, "runner_installed"), "3");
  EXPECT_EQ(cell(counts, "runner_start"), "2");
  EXPECT_EQ(cell(counts, "runner_stop"), "2");
  EXPECT_EQ(cell(counts, "status:normal"), "1");
  EXPECT_EQ(cell(counts, "status:abnormal"), "1");
  EXPECT_EQ(cell(counts, "reconciliation"), "2");
  EXPECT_EQ(cell(counts, "crashed_runners"), "3");
  EXPECT_EQ(cell(counts, "idle_runners_last"), "7");

  const Element& durations = *page.root->with_class("table", "durations").at(0);
  const auto row = durations.find_all("tr", "data-duration", "installation");
  ASSERT_EQ(row.size(), 1u);
  const auto cells = row[0]->find_all("td");
  ASSERT_EQ(cells.size(), 8u);  // count, min, avg, max, p50, p95, p99, unknown
  EXPECT_EQ(cells[0]->text(), "3");
  EXPECT_EQ(cells[7]->text(), "0");
  EXPECT_EQ(cells[1]->text(), "10.0 s");
  EXPECT_EQ(cells[1]->attribute("title"), "10.0 s");
  EXPECT_EQ(cells[3]->text(), "30.0 s");
  EXPECT_EQ(cells[4]->text(), "20.0 s");  // p50
  const auto reconciliation = durations.find_all("tr", "data-duration", "reconciliation");
  EXPECT_EQ(reconciliation.at(0)->find_all("td").at(3)->text(), "2.00 h");
  EXPECT_EQ(reconciliation.at(0)->find_all("td").at(3)->attribute("title"), "7200.0 s");
  const auto queue = durations.find_all("tr", "data-duration", "queue");
  EXPECT_EQ(queue.at(0)->find_all("td").at(0)->text(), "1");

  EXPECT_EQ(page.root->find_all("p", "id", "lines").at(0)->text(),
            "Lines read: 11 (9 valid events, 1 other events, 1 invalid lines).");
  EXPECT_EQ(page.root->find_all("p", "id", "span").at(0)->text(),
            "Events from 2026-11-25T14:00:00Z to 2026-11-25T14:09:00Z (9.00 min), in buckets "
            "of 1 min (10 buckets).");
  EXPECT_EQ(page.root->find_all("title").at(0)->text(), "Runner fleet report: metrics.log");
}

TEST(ReportHtml, WindowIsShownAndApplied) {
  ReportOptions options;
  options.window.since = kT0 + 60;
  options.window.until = kT0 + 181;
  const Page page = page_of(report_of(known_log(), options));
  EXPECT_EQ(page.root->find_all("p", "id", "window").at(0)->text(),
            "Window: 2026-11-25T14:01:00Z \u2264 timestamp < 2026-11-25T14:03:01Z");
  const Element& counts = *page.root->with_class("table", "counts").at(0);
  EXPECT_EQ(cell(counts, "runner_installed"), "1");
  EXPECT_EQ(cell(counts, "runner_stop"), "1");  // not the one at 14:03:01
  const ChartReader lifecycle(page.panel("g0-lifecycle"), 3);
  using V = std::vector<std::optional<double>>;
  expect_series(lifecycle, "stopped", V{1, 0, 0}, 0.02);
  expect_series(lifecycle, "installed", V{0, 0, 1}, 0.02);
}

TEST(ReportHtml, FlavorsAndStatusesFromTheLogAreTextNeverMarkup) {
  const std::vector<std::string> hostile = {"<script>alert(1)</script>",
                                            R"("><img src=x onerror=alert(1)>)",
                                            "a&amp;b",
                                            "bell\x07",
                                            "</section></main><style>body{display:none}</style>",
                                            "'quote'"};
  std::string log;
  double t = kT0;
  for (const std::string& flavor : hostile) {
    t += 2;
    log += installed_line(t, flavor, 1) + stop_line(t + 1, "s", flavor, 2);
  }
  ReportOptions options;
  options.window.by_flavor = true;
  const Page page = page_of(report_of(log, options));
  EXPECT_EQ(page.root->find_all("script").size(), 0u);
  EXPECT_EQ(page.root->find_all("img").size(), 0u);
  EXPECT_EQ(page.root->find_all("style").size(), 1u);
  std::set<std::string> shown;
  for (const Element* section : page.root->with_class("section", "group")) {
    const std::string flavor = section->attribute("data-flavor").value();
    EXPECT_EQ(section->find_all("q").at(0)->text(), flavor);
    shown.insert(flavor);
  }
  std::set<std::string> expected(hostile.begin(), hostile.end());
  expected.erase("bell\x07");
  expected.insert("bell\\u0007");  // a control character is shown, not sent
  expected.insert("s");
  EXPECT_EQ(shown, expected);
  const auto statuses = page.root->find_all("td", "data-key", "status:<script>alert(1)</script>");
  EXPECT_EQ(statuses.size(), 1u);
  EXPECT_EQ(page.html.find("<script>"), std::string::npos);
}

TEST(ReportHtml, DurationsGivenAsInfinityAreCountedAsUnknownAndNotDeniedByTheChart) {
  const std::string log =
      R"({"timestamp": 1795615200, "event": "runner_installed", "flavor": "small", "duration": Infinity})"
      "\n"
      R"({"timestamp": 1795615260, "event": "runner_installed", "flavor": "small", "duration": Infinity})"
      "\n" +
      installed_line(kT0, "large", 10) + start_line(kT0 + 2, "small", 5, 2.5);
  const Page page = page_of(report_of(log));
  const Element& durations = *page.root->with_class("table", "durations").at(0);
  const auto cells =
      durations.find_all("tr", "data-duration", "installation").at(0)->find_all("td");
  ASSERT_EQ(cells.size(), 8u);
  EXPECT_EQ(cells[0]->text(), "1");  // the known one
  EXPECT_EQ(cells[1]->text(), "10.0 s");
  EXPECT_EQ(cells[7]->text(), "2");

  ReportOptions options;
  options.window.by_flavor = true;
  const Page by_flavor = page_of(report_of(log, options));
  int sections = 0;
  for (const Element* section : by_flavor.root->with_class("section", "group")) {
    const std::string id = section->attribute("id").value_or("");
    const auto panel = section->find_all("figure", "id", id + "-duration-installation");
    ASSERT_EQ(panel.size(), 1u);
    const auto empty = panel[0]->with_class("text", "empty");
    if (section->attribute("data-flavor") == "small") {
      ++sections;  // only unknown installations: the chart says so, and no line
      ASSERT_EQ(empty.size(), 1u);
      EXPECT_EQ(empty[0]->text(),
                "No known values in this time range (2 unknown, given as Infinity)");
      EXPECT_TRUE(panel[0]->with_class("path", "series").empty());
    } else if (section->attribute("data-flavor") == "large") {
      ++sections;
      EXPECT_TRUE(empty.empty());
    }
  }
  EXPECT_EQ(sections, 2);
  const Page empty = page_of(report_of(start_line(kT0 + 2, "small", 5, 2.5)));
  EXPECT_EQ(empty.panel("g0-duration-installation").with_class("text", "empty").at(0)->text(),
            "No installations in this time range");
}

TEST(ReportHtml, AnEmptyLogSaysThereWereNoEventsInEveryPanel) {
  const Page page = page_of(report_of(""));
  EXPECT_EQ(page.root->find_all("p", "id", "no-events").at(0)->text(), "No events in the logs.");
  const auto panels = page.panels();
  ASSERT_EQ(panels.size(), kPanels.size());
  for (const Element* panel : panels) {
    EXPECT_EQ(panel->attribute("data-empty"), "true");
    const auto message = panel->with_class("text", "empty");
    ASSERT_EQ(message.size(), 1u);
    EXPECT_TRUE(message[0]->text().starts_with("No ")) << message[0]->text();
    EXPECT_TRUE(panel->with_class("path", "series").empty());
  }
  EXPECT_TRUE(page.root->find_all("p", "id", "span").empty());
}

TEST(ReportHtml, NoEventInTheWindowByFlavorSaysSo) {
  ReportOptions options;
  options.window.by_flavor = true;
  options.window.since = kT0 + 86400;
  const Page page = page_of(report_of(known_log(), options));
  EXPECT_EQ(page.root->find_all("p", "id", "no-events").at(0)->text(), "No events in the window.");
  EXPECT_TRUE(page.panels().empty());
}

TEST(ReportHtml, OneEventIsDrawnAsDots) {
  const Page page = page_of(report_of(installed_line(kT0 + 30, "small", 42)));
  const Element& lifecycle = page.panel("g0-lifecycle");
  EXPECT_EQ(lifecycle.find_all("circle").size(), 4u);
  using V = std::vector<std::optional<double>>;
  expect_series(ChartReader(lifecycle, 1), "installed", V{1}, 0.01);
  const Element& installation = page.panel("g0-duration-installation");
  EXPECT_EQ(installation.attribute("data-empty"), "false");
  EXPECT_EQ(installation.find_all("circle").size(), 4u);
  expect_series(ChartReader(installation, 1), "p50", V{42}, 0.1);
  for (const char* id :
       {"g0-runners", "g0-duration-queue", "g0-duration-job", "g0-breakdown-runner_stop_status"}) {
    EXPECT_EQ(page.panel(id).attribute("data-empty"), "true") << id;
  }
  EXPECT_NE(page.root->find_all("p", "id", "span").at(0)->text().find("(1 buckets)"),
            std::string::npos);
}

TEST(ReportHtml, OneFlavorByFlavorIsOneSectionNamedForIt) {
  ReportOptions options;
  options.window.by_flavor = true;
  const Page page = page_of(report_of(
      installed_line(kT0, "small", 1) + reconciliation_line(kT0 + 600, "small", 0, 4, 2), options));
  const auto sections = page.root->with_class("section", "group");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0]->attribute("data-flavor"), "small");
  EXPECT_EQ(sections[0]->find_all("h2").at(0)->text(), "Flavor small");
  EXPECT_EQ(page.panels().size(), kPanels.size());
  EXPECT_TRUE(page.root->find_all("nav").empty());
}

TEST(ReportHtml, ManyFlavorsGetASectionEachOnOneTimeAxis) {
  std::string log;
  for (int i = 0; i < 30; ++i) {
    const std::string flavor = fmt::format("flavor-{:02}", i);
    log += installed_line(kT0 + i * 600, flavor, i + 1) +
           reconciliation_line(kT0 + i * 600 + 1, flavor, 0, i, 1);
  }
  ReportOptions options;
  options.window.by_flavor = true;
  options.max_sections = 30;  // the default, 20, would chart only the busiest
  const Page page = page_of(report_of(log, options));
  const auto sections = page.root->with_class("section", "group");
  ASSERT_EQ(sections.size(), 30u);
  EXPECT_EQ(page.root->find_all("nav").at(0)->find_all("a").size(), 30u);
  EXPECT_EQ(page.panels().size(), 30 * kPanels.size());
  // 4 h 50 min in 1 min buckets, for every flavor alike.
  for (int i : {0, 17, 29}) {
    const ChartReader chart(page.panel(fmt::format("g{}-lifecycle", i)), 291);
    const auto installed = chart.series("installed");
    EXPECT_NEAR(installed.at(i * 10), 1, 0.01) << i;
    EXPECT_EQ(installed.begin()->first, 0);
    EXPECT_EQ(installed.rbegin()->first, 290);
  }
}

TEST(ReportHtml, AYearOfEventsHasHalfDayBucketsAndMonthLabels) {
  std::string log;
  const double start = 1767225600;  // 2026-01-01T00:00:00Z
  for (int day = 0; day < 366; ++day) {
    log += installed_line(start + day * 86400.0 + 3600, "small", 60 + day) +
           reconciliation_line(start + day * 86400.0 + 7200, "small", day % 3, day % 10, 5);
  }
  const Page page = page_of(report_of(log));
  EXPECT_NE(page.root->find_all("p", "id", "span").at(0)->text().find("buckets of 12 h (731 "),
            std::string::npos)
      << page.root->find_all("p", "id", "span").at(0)->text();
  const auto ticks = page.panel("g0-lifecycle").with_class("text", "xtick");
  ASSERT_GE(ticks.size(), 4u);
  EXPECT_EQ(ticks[0]->text(), "2026-01");
  EXPECT_EQ(ticks[1]->text(), "2026-03");
  const ChartReader installation(page.panel("g0-duration-installation"), 731);
  EXPECT_NEAR(installation.series("max").rbegin()->second, 425.0 / 60, 0.01);  // minutes
}

TEST(ReportHtml, PageSizeDependsOnBucketsNotEvents) {
  const auto log = [](int events) {
    std::mt19937_64 rng(1);
    std::string text;
    for (int i = 0; i < events; ++i) {
      const double t = kT0 + std::uniform_real_distribution<double>(0, 86400)(rng);
      text += installed_line(t, "small", std::round(t) - kT0 + 1);  // a new max per bucket
    }
    return text;
  };
  const std::string few = render_html(report_of(log(5000)));
  const std::string many = render_html(report_of(log(100000)));
  EXPECT_LT(static_cast<double>(many.size()), 1.1 * static_cast<double>(few.size()))
      << few.size() << " then " << many.size();
  EXPECT_LT(many.size(), 1000000u);
}

TEST(ReportHtml, IsTheSameBytesHoweverManyThreadsReadTheLog) {
  const std::string log = testing::random_log({.lines = 30000, .seed = 4});
  ReportOptions one;
  one.read.workers = 1;
  ReportOptions many;
  many.read.workers = 4;
  many.read.range_bytes = 64 * 1024;
  for (const bool by_flavor : {false, true}) {
    one.window.by_flavor = many.window.by_flavor = by_flavor;
    EXPECT_EQ(render_html(report_of(log, one)), render_html(report_of(log, many)));
  }
}

TEST(ReportHtml, EventsAfterTheYear9999AreNotedAndLeftOutOfTheCharts) {
  const Page page = page_of(report_of(installed_line(kT0, "s", 1) + installed_line(3e11, "s", 1)));
  const auto notes = page.root->with_class("p", "note");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0]->text().find("1 event is dated after the year 9999"), std::string::npos);
  EXPECT_EQ(cell(*page.root->with_class("table", "counts").at(0), "runner_installed"), "2");
}

TEST(ReportHtml, ExtremeValuesStayFiniteAndReadable) {
  const Page page = page_of(report_of(
      installed_line(0, "s", 0) + installed_line(1, "s", 1e300) + installed_line(2, "s", 5e-324) +
      reconciliation_line(3, "s", 9223372036854775807, 9223372036854775807,
                          1.7976931348623157e308) +
      start_line(4, "s", 0, 0.0)));
  for (const char* bad : {"nan", "inf"}) {
    for (const Element* text : page.root->find_all("text")) {
      EXPECT_EQ(text->text().find(bad), std::string::npos) << text->text();
    }
  }
  for (const Element* path : page.root->find_all("path")) {
    const std::string d = path->attribute("d").value_or("");
    EXPECT_EQ(d.find("nan"), std::string::npos) << d;
    EXPECT_EQ(d.find("inf"), std::string::npos) << d;
  }
  for (const Element* tick : page.root->with_class("text", "ytick")) {
    EXPECT_LE(tick->text().size(), 8u) << tick->text();
  }
  for (const Element* td : page.root->find_all("td")) {
    EXPECT_LE(td->text().size(), 20u) << td->text();
  }
  EXPECT_NE(page.root->find_all("p", "id", "span").at(0)->text().find("1970-01-01T00:00:00Z"),
            std::string::npos);
}

TEST(ReportHtml, AWidenedIntervalIsExplained) {
  ReportOptions options;
  options.interval = 1;
  const Page page = page_of(
      report_of(installed_line(kT0, "s", 1) + installed_line(kT0 + 86400, "s", 1), options));
  const auto notes = page.root->with_class("p", "note");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]->text(),
            "The interval asked for, 1 s, would need more than 10000 buckets over this span; "
            "the charts use 16 s.");
}

}  // namespace
}  // namespace runner_metrics
