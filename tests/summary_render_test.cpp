// SPDX-License-Identifier: Apache-2.0
// render_json and render_text: format.md §7's exact object, and a table a person
// can read.
#include "runner_metrics/summary_render.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace runner_metrics {
namespace {

Summary example(SummaryOptions options = {}) {
  Summary summary(options);
  std::uint64_t offset = 0;
  auto add = [&](AnyEvent event) { summary.add(event, {0, offset += 100}); };
  add(RunnerInstalled{.timestamp = 100, .flavor = "small", .duration = 10});
  add(RunnerInstalled{.timestamp = 101, .flavor = "small", .duration = 20});
  add(RunnerInstalled{.timestamp = 102, .flavor = "large", .duration = 30});
  add(RunnerStart{.timestamp = 103, .flavor = "small", .idle = 5, .queue_duration = 2.5});
  add(RunnerStart{.timestamp = 104, .flavor = "large", .idle = 7});
  add(RunnerStop{.timestamp = 105, .flavor = "small", .status = "normal", .job_duration = 90});
  add(RunnerStop{.timestamp = 106,
                 .flavor = "large",
                 .status = "abnormal",
                 .status_info = CodeInformation{137},
                 .job_duration = 5});
  add(Reconciliation{
      .timestamp = 107, .flavor = "small", .crashed_runners = 1, .idle_runners = 3, .duration = 4});
  add(Reconciliation{.timestamp = 108,
                     .flavor = "large",
                     .crashed_runners = 2,
                     .idle_runners = 4,
                     .duration = 7200});
  summary.add_other();
  summary.add_invalid();
  return summary;
}

TEST(SummaryJson, IsExactlyTheSpecShapeOnOneLine) {
  EXPECT_EQ(
      render_json(example()),
      R"({"lines": {"total": 11, "valid": 9, "other": 1, "invalid": 1}, "groups": [{"flavor": null, )"
      R"("counts": {"runner_installed": 3, "runner_start": 2, "runner_stop": 2, "reconciliation": 2, "crashed_runners": 3}, )"
      R"("runner_stop_status": {"abnormal": 1, "normal": 1}, "runner_stop_conclusion": {}, )"
      R"("runner_stop_codes": {"abnormal": {"137": 1}}, "github_events": {"": 2}, "repos": {"": 2}, )"
      R"("idle_runners_last": 7, "active_runners_last": null, "expected_runners_last": null, )"
      R"("reconciliation_interval": null, "queue_under_60s": 1, "durations": {)"
      R"("installation": {"count": 3, "unknown": 0, "min": 10.0, "max": 30.0, "avg": 20.0, "p50": 20.0, "p95": 30.0, "p99": 30.0}, )"
      R"("idle": {"count": 2, "unknown": 0, "min": 5.0, "max": 7.0, "avg": 6.0, "p50": 5.0, "p95": 7.0, "p99": 7.0}, )"
      R"("queue": {"count": 1, "unknown": 0, "min": 2.5, "max": 2.5, "avg": 2.5, "p50": 2.5, "p95": 2.5, "p99": 2.5}, )"
      R"("job": {"count": 1, "unknown": 0, "min": 90.0, "max": 90.0, "avg": 90.0, "p50": 90.0, "p95": 90.0, "p99": 90.0}, )"
      R"("reconciliation": {"count": 2, "unknown": 0, "min": 4.0, "max": 7200.0, "avg": 3602.0, "p50": 4.0, "p95": 7200.0, "p99": 7200.0}}}]})"
      "\n");
}

TEST(SummaryJson, StatisticsAreNullWhenADurationHasNoValues) {
  const std::string json = render_json(Summary{});
  EXPECT_EQ(
      json,
      R"({"lines": {"total": 0, "valid": 0, "other": 0, "invalid": 0}, "groups": [{"flavor": null, )"
      R"("counts": {"runner_installed": 0, "runner_start": 0, "runner_stop": 0, "reconciliation": 0, "crashed_runners": 0}, )"
      R"("runner_stop_status": {}, "runner_stop_conclusion": {}, "runner_stop_codes": {}, )"
      R"("github_events": {}, "repos": {}, "idle_runners_last": null, "active_runners_last": null, )"
      R"("expected_runners_last": null, "reconciliation_interval": null, "queue_under_60s": 0, )"
      R"("durations": {)"
      R"("installation": {"count": 0, "unknown": 0, "min": null, "max": null, "avg": null, "p50": null, "p95": null, "p99": null}, )"
      R"("idle": {"count": 0, "unknown": 0, "min": null, "max": null, "avg": null, "p50": null, "p95": null, "p99": null}, )"
      R"("queue": {"count": 0, "unknown": 0, "min": null, "max": null, "avg": null, "p50": null, "p95": null, "p99": null}, )"
      R"("job": {"count": 0, "unknown": 0, "min": null, "max": null, "avg": null, "p50": null, "p95": null, "p99": null}, )"
      R"("reconciliation": {"count": 0, "unknown": 0, "min": null, "max": null, "avg": null, "p50": null, "p95": null, "p99": null}}}]})"
      "\n");
  EXPECT_EQ(render_json(Summary({.by_flavor = true})),
            R"({"lines": {"total": 0, "valid": 0, "other": 0, "invalid": 0}, "groups": []})"
            "\n");
}

TEST(SummaryJson, ByFlavorGroupsNameTheirFlavorAsAJsonString) {
  Summary summary({.by_flavor = true});
  summary.add(RunnerStop{.flavor = "gr\xc3\xb6\xc3\x9f"
                                   "e \"x\"",
                         .status = "odd\tstatus"},
              {});
  summary.add(RunnerInstalled{.flavor = "arm64", .duration = 1e-5}, {});
  const std::string json = render_json(summary);
  EXPECT_NE(json.find(R"("groups": [{"flavor": "arm64", )"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"flavor": "gr\u00f6\u00dfe \"x\"", )"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("runner_stop_status": {"odd\tstatus": 1})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("min": 1e-05)"), std::string::npos) << json;
}

// Whether `text` has these lines in a row, comparing words only (the table's
// column widths are not the point).
bool has_rows(const std::string& text, const std::vector<std::string>& rows) {
  const auto words = [](std::string_view line) {
    std::string out;
    std::size_t at = 0;
    while ((at = line.find_first_not_of(' ', at)) != std::string_view::npos) {
      const std::size_t end = std::min(line.find(' ', at), line.size());
      if (!out.empty()) out += ' ';
      out += line.substr(at, end - at);
      at = end;
    }
    return out;
  };
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; at < text.size(); at = end + 1) {
    end = std::min(text.find('\n', at), text.size());
    lines.push_back(words(std::string_view(text).substr(at, end - at)));
  }
  for (std::size_t first = 0; first + rows.size() <= lines.size(); ++first) {
    if (std::equal(rows.begin(), rows.end(), lines.begin() + static_cast<std::ptrdiff_t>(first))) {
      return true;
    }
  }
  return false;
}

TEST(SummaryText, ShowsCountsStatusesIdleRunnersAndDurationsInHumanUnits) {
  const std::string text = render_text(example());
  EXPECT_TRUE(text.starts_with("lines  11 total  9 valid  1 other  1 invalid\n")) << text;
  EXPECT_TRUE(has_rows(text, {"",
                              "all flavors",
                              "runner_installed 3",
                              "runner_start 2",
                              "runner_stop 2",
                              "abnormal 1",
                              "normal 1",
                              "reconciliation 2",
                              "crashed_runners 3",
                              "idle runners at last reconciliation 7",
                              "active runners at last reconciliation -",
                              "expected runners at last reconciliation -",
                              "reconciliation interval -",
                              "queue under 60 s 1",
                              "stops by job conclusion 0",
                              "stops by status and code 1",
                              "abnormal 137 1",
                              "jobs by GitHub event 2",
                              "\"\" 2",
                              "jobs by repository 2",
                              "\"\" 2",
                              ""}))
      << text;
  EXPECT_TRUE(
      has_rows(text, {"duration count min avg max p50 p95 p99",
                      "installation 3 10.0 s 20.0 s 30.0 s 20.0 s 30.0 s 30.0 s",
                      "idle 2 5.00 s 6.00 s 7.00 s 5.00 s 7.00 s 7.00 s",
                      "queue 1 2.50 s 2.50 s 2.50 s 2.50 s 2.50 s 2.50 s",
                      "job (normal) 1 1.50 min 1.50 min 1.50 min 1.50 min 1.50 min 1.50 min",
                      "reconciliation 2 4.00 s 1.00 h 2.00 h 4.00 s 2.00 h 2.00 h"}))
      << text;
}

TEST(SummaryText, ShowsTheWindowAndMarksEmptyStatistics) {
  const std::string text = render_text(Summary({.since = 1795615200, .until = 1795615200.5}));
  EXPECT_TRUE(has_rows(text, {"window 2026-11-25T14:00:00Z <= timestamp < 2026-11-25T14:00:00.5Z"}))
      << text;
  EXPECT_TRUE(has_rows(text, {"queue 0 - - - - - -"})) << text;
  EXPECT_TRUE(has_rows(text, {"idle runners at last reconciliation -"})) << text;
}

TEST(SummaryText, ShowsTheTenBusiestValuesOfABreakdownAndCountsTheRest) {
  Summary summary({.max_label_values = 12});
  std::uint64_t offset = 0;
  for (int repo = 0; repo < 15; ++repo) {
    for (int job = 0; job <= repo % 5; ++job) {
      summary.add(RunnerStart{.flavor = "s", .repo = "r" + std::to_string(repo)}, {0, ++offset});
    }
  }
  // Kept: the 12 that sort first, r0 r1 r10 ... r14 r2 ... r6; r7 r8 r9 (12 jobs) folded.
  // Counts 1 + repo % 5, busiest first, ties in order; r10 and r5 (1 each) and the
  // folded 12 are the rest.
  const std::string text = render_text(summary);
  EXPECT_TRUE(
      has_rows(text, {"jobs by repository 45", "r14 5", "r4 5", "r13 4", "r3 4", "r12 3", "r2 3",
                      "r1 2", "r11 2", "r6 2", "r0 1", "(2 more, and other) 14", ""}))
      << text;
}

TEST(SummaryText, KeepsControlCharactersOfFlavorsOffTheTerminal) {
  Summary summary({.by_flavor = true});
  summary.add(RunnerInstalled{.flavor = "evil\x1b[31m"}, {});
  summary.add(RunnerStart{.flavor = "x", .repo = "o/\x1b]0;title\x07", .github_event = "\r"}, {});
  const std::string text = render_text(summary);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_TRUE(has_rows(text, {"jobs by GitHub event 1", R"("\r" 1)", "jobs by repository 1",
                              R"("o/\u001b]0;title\u0007" 1)"}))
      << text;
  EXPECT_NE(text.find(R"(flavor "evil\u001b[31m")"), std::string::npos) << text;
}

}  // namespace
}  // namespace runner_metrics
