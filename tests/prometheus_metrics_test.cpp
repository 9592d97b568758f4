// SPDX-License-Identifier: Apache-2.0
// prometheus_metrics.hpp: format.md §8's metrics from events, and their text
// exposition — names, types, buckets, escaping, and the label caps.
#include "runner_metrics/prometheus_metrics.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/log_builder.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using testing::Exposition;
using testing::parse_exposition;

RunnerStop stop(std::string flavor, std::string status, double job_duration) {
  return RunnerStop{.timestamp = 1,
                    .flavor = std::move(flavor),
                    .workflow = "w",
                    .repo = "o/r",
                    .github_event = "push",
                    .status = std::move(status),
                    .job_duration = job_duration};
}

Reconciliation reconciliation(double timestamp, std::string flavor, std::int64_t crashed,
                              std::int64_t idle) {
  return Reconciliation{.timestamp = timestamp,
                        .flavor = std::move(flavor),
                        .crashed_runners = crashed,
                        .idle_runners = idle,
                        .duration = 30};
}

Exposition rendered(const PrometheusMetrics& metrics) {
  return parse_exposition(render_prometheus(metrics));
}

TEST(PrometheusMetrics, ExposesEveryMetricOfSpecTableInOrderWithTypeAndHelp) {
  const Exposition e = rendered(PrometheusMetrics());
  const std::vector<std::pair<std::string, std::string>> expected{
      {"runner_spawn_duration_seconds", "histogram"},
      {"runner_idle_duration_seconds", "histogram"},
      {"runner_queue_duration_seconds", "histogram"},
      {"job_duration_seconds", "histogram"},
      {"reconcile_duration_seconds", "histogram"},
      {"idle_runners_count", "gauge"},
      {"busy_runners_count", "gauge"},
      {"expected_runners_count", "gauge"},
      {"job_status_count", "gauge"},
      {"job_conclusion_count", "gauge"},
      {"job_event_count", "gauge"},
      {"job_repository_count", "gauge"},
      {"runner_metric_events_total", "counter"},
      {"runner_stops_total", "counter"},
      {"crashed_runners_total", "counter"},
      {"metrics_log_invalid_lines_total", "counter"},
      {"metrics_log_other_events_total", "counter"},
      {"metrics_log_label_values_folded_total", "counter"},
      {"metrics_log_reopens_total", "counter"},
  };
  ASSERT_EQ(e.order.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(e.order[i], expected[i].first);
    EXPECT_EQ(e.types.at(expected[i].first), expected[i].second);
    EXPECT_FALSE(e.helps.at(expected[i].first).empty());
  }
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), 0);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 0);
}

TEST(PrometheusMetrics, WritesAHistogramAsCumulativeBucketsSumAndCount) {
  PrometheusMetrics metrics;
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "small", .duration = 7.5});
  metrics.add(RunnerInstalled{.timestamp = 2, .flavor = "small", .duration = 700});
  const std::string text = render_prometheus(metrics);
  EXPECT_NE(text.find("# TYPE runner_spawn_duration_seconds histogram\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"5.0\"} 0\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"10.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"15.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"30.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"60.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"120.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"180.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"300.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"600.0\"} 1\n"
                      "runner_spawn_duration_seconds_bucket{flavor=\"small\",le=\"+Inf\"} 2\n"
                      "runner_spawn_duration_seconds_sum{flavor=\"small\"} 707.5\n"
                      "runner_spawn_duration_seconds_count{flavor=\"small\"} 2\n"
                      "# HELP runner_idle_duration_seconds "),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("runner_metric_events_total{event=\"runner_installed\",flavor=\"small\"} 2\n"),
      std::string::npos);
}

TEST(PrometheusMetrics, HasExactlySpecBucketsForEachHistogram) {
  PrometheusMetrics metrics;
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  metrics.add(RunnerStart{.timestamp = 1, .flavor = "f", .idle = 1, .queue_duration = 1});
  metrics.add(stop("f", "normal", 1));
  metrics.add(reconciliation(1, "f", 0, 0));
  const Exposition e = rendered(metrics);
  const auto les = [&](const std::string& name) {
    std::vector<std::string> found;
    for (const std::string& series : e.series_of(name + "_bucket")) {
      const auto at = series.find("le=\"") + 4;
      found.push_back(series.substr(at, series.find('"', at) - at));
    }
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
      return (a == "+Inf" ? 1e300 : std::stod(a)) < (b == "+Inf" ? 1e300 : std::stod(b));
    });
    return found;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(les("runner_spawn_duration_seconds"),
            (V{"5.0", "10.0", "15.0", "30.0", "60.0", "120.0", "180.0", "300.0", "600.0", "+Inf"}));
  EXPECT_EQ(les("runner_idle_duration_seconds"),
            (V{"5.0", "10.0", "15.0", "30.0", "60.0", "120.0", "180.0", "300.0", "600.0", "+Inf"}));
  EXPECT_EQ(les("runner_queue_duration_seconds"),
            (V{"5.0", "30.0", "60.0", "300.0", "600.0", "1200.0", "1800.0", "3600.0", "7200.0",
               "18000.0", "+Inf"}));
  EXPECT_EQ(les("job_duration_seconds"),
            (V{"60.0", "300.0", "600.0", "1200.0", "1800.0", "3600.0", "7200.0", "14400.0",
               "21600.0", "259200.0", "432000.0", "+Inf"}));
  EXPECT_EQ(les("reconcile_duration_seconds"),
            (V{"60.0", "120.0", "300.0", "600.0", "900.0", "+Inf"}));
}

TEST(PrometheusMetrics, CountsAValueEqualToABoundInThatBucket) {
  PrometheusMetrics metrics;
  metrics.add(stop("f", "normal", 60));
  metrics.add(stop("f", "normal", 60.000001));
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(job_duration_seconds_bucket{flavor="f",le="60.0"})"), 1);
  EXPECT_EQ(e.value(R"(job_duration_seconds_bucket{flavor="f",le="300.0"})"), 2);
}

TEST(PrometheusMetrics, JobDurationCountsEveryStatusAndStopsCountByStatus) {
  PrometheusMetrics metrics;
  metrics.add(stop("f", "normal", 100));
  metrics.add(stop("f", "abnormal", 200));
  metrics.add(stop("f", "abnormal", 300));
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(job_duration_seconds_count{flavor="f"})"), 3);
  EXPECT_EQ(e.value(R"(job_duration_seconds_sum{flavor="f"})"), 600);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="f",status="normal"})"), 1);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="f",status="abnormal"})"), 2);
}

TEST(PrometheusMetrics, QueueDurationIsObservedOnlyWhereGiven) {
  PrometheusMetrics metrics;
  metrics.add(RunnerStart{.timestamp = 1, .flavor = "f", .idle = 3});
  metrics.add(RunnerStart{.timestamp = 2, .flavor = "f", .idle = 4, .queue_duration = 40});
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(runner_idle_duration_seconds_count{flavor="f"})"), 2);
  EXPECT_EQ(e.value(R"(runner_queue_duration_seconds_count{flavor="f"})"), 1);
  EXPECT_EQ(e.value(R"(runner_queue_duration_seconds_bucket{flavor="f",le="30.0"})"), 0);
  EXPECT_EQ(e.value(R"(runner_queue_duration_seconds_bucket{flavor="f",le="60.0"})"), 1);
}

TEST(PrometheusMetrics, IdleRunnersIsTheLatestReconciliationByTimestampLaterLineWinningATie) {
  PrometheusMetrics metrics;
  metrics.add(reconciliation(100, "f", 1, 7));
  metrics.add(reconciliation(50, "f", 2, 9));   // older: not the gauge, but counted
  metrics.add(reconciliation(100, "f", 0, 4));  // a tie: the later line wins
  metrics.add(reconciliation(10, "g", 0, 2));
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(idle_runners_count{flavor="f"})"), 4);
  EXPECT_EQ(e.value(R"(idle_runners_count{flavor="g"})"), 2);
  EXPECT_EQ(e.value(R"(crashed_runners_total{flavor="f"})"), 3);
  EXPECT_EQ(e.value(R"(crashed_runners_total{flavor="g"})"), 0);
  EXPECT_EQ(e.value(R"(runner_metric_events_total{event="reconciliation",flavor="f"})"), 3);
}

TEST(PrometheusMetrics, ExposesASeriesOnlyOnceAnEventTouchedIt) {
  PrometheusMetrics metrics;
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  const Exposition e = rendered(metrics);
  EXPECT_TRUE(e.series_of("job_duration_seconds_count").empty());
  EXPECT_TRUE(e.series_of("idle_runners_count").empty());
  EXPECT_TRUE(e.series_of("crashed_runners_total").empty());
  EXPECT_EQ(e.series_of("runner_metric_events_total").size(), 1u);
}

TEST(PrometheusMetrics, EscapesBackslashQuoteAndNewlineInLabelValues) {
  PrometheusMetrics metrics;
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "a\\b\"c\nd", .duration = 1});
  const std::string text = render_prometheus(metrics);
  EXPECT_NE(text.find(R"(runner_spawn_duration_seconds_count{flavor="a\\b\"c\nd"} 1)"),
            std::string::npos)
      << text;
}

TEST(PrometheusMetrics, FoldsFlavorsPastTheCapIntoOtherAndCountsThem) {
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = 3});
  for (int i = 0; i < 10; ++i) {
    metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "f" + std::to_string(i), .duration = 1});
  }
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "f1", .duration = 1});  // known
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.series_of("runner_spawn_duration_seconds_count"),
            (std::vector<std::string>{R"(runner_spawn_duration_seconds_count{flavor="f0"})",
                                      R"(runner_spawn_duration_seconds_count{flavor="f1"})",
                                      R"(runner_spawn_duration_seconds_count{flavor="f2"})",
                                      R"(runner_spawn_duration_seconds_count{flavor="other"})"}));
  EXPECT_EQ(e.value(R"(runner_spawn_duration_seconds_count{flavor="other"})"), 7);
  EXPECT_EQ(e.value(R"(runner_spawn_duration_seconds_count{flavor="f1"})"), 2);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 7);
}

TEST(PrometheusMetrics, FoldsALabelValueLongerThanTheLimit) {
  PrometheusMetrics metrics(PrometheusOptions{.max_label_value_bytes = 8});
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "12345678", .duration = 1});
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "123456789", .duration = 1});
  metrics.add(stop("12345678", std::string(100'000, 's'), 1));
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(runner_spawn_duration_seconds_count{flavor="12345678"})"), 1);
  EXPECT_EQ(e.value(R"(runner_spawn_duration_seconds_count{flavor="other"})"), 1);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="12345678",status="other"})"), 1);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 1);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="status"})"), 1);
}

TEST(PrometheusMetrics, FoldsStatusesPastTheCap) {
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = 2});
  metrics.add(stop("a", "normal", 1));
  metrics.add(stop("b", "abnormal", 1));
  metrics.add(stop("a", "weird", 1));
  metrics.add(stop("b", "normal", 1));  // a known status: a series of its own
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="a",status="other"})"), 1);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="b",status="normal"})"), 1);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="status"})"), 1);
  EXPECT_EQ(e.value(R"(job_duration_seconds_count{flavor="a"})"), 2);
}

TEST(PrometheusMetrics, CapsStopSeriesAtTenTimesTheLabelCap) {
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = 10});
  ASSERT_EQ(metrics.max_stop_series(), 100u);
  for (int f = 0; f < 10; ++f) {
    for (int s = 0; s < 10; ++s) {
      metrics.add(stop(fmt::format("f{}", f), fmt::format("s{}", s), 1));
    }
  }
  metrics.add(stop("f0", "s0", 1));   // a pair already there
  metrics.add(stop("f10", "s0", 1));  // flavor folded; the pair (other, s0) would be the 101st
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.series_of("runner_stops_total").size(), 101u);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="f0",status="s0"})"), 2);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="other",status="other"})"), 1);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 1);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="status"})"), 1);
}

TEST(PrometheusMetrics, RunnerGaugesAreEachFlavorsLatestReconciliationThatCarriesThem) {
  PrometheusMetrics metrics;
  Reconciliation first = reconciliation(10, "small", 0, 1);
  first.active_runners = 3;
  first.expected_runners = 9;
  Reconciliation later = reconciliation(20, "small", 0, 2);
  later.active_runners = 5;  // expected_runners not said: 9 stands
  Reconciliation earlier = reconciliation(5, "small", 0, 0);
  earlier.expected_runners = 1;  // older than 9's: ignored
  metrics.add(first);
  metrics.add(later);
  metrics.add(earlier);
  metrics.add(reconciliation(30, "large", 0, 4));  // the 2023 writer
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.series_of("busy_runners_count"),
            (std::vector<std::string>{R"(busy_runners_count{flavor="small"})"}));
  EXPECT_EQ(e.value(R"(busy_runners_count{flavor="small"})"), 5);
  EXPECT_EQ(e.value(R"(expected_runners_count{flavor="small"})"), 9);
  EXPECT_EQ(e.value(R"(idle_runners_count{flavor="large"})"), 4);
}

TEST(PrometheusMetrics, JobCountsByConclusionRepositoryEventAndStatusSinceStart) {
  PrometheusMetrics metrics;
  RunnerStop failed = stop("small", "abnormal", 1);
  failed.job_conclusion = "failure";
  metrics.add(failed);
  metrics.add(stop("large", "normal", 1));  // no conclusion: not counted by conclusion
  RunnerStop succeeded = stop("large", "normal", 1);
  succeeded.job_conclusion = "success";
  metrics.add(succeeded);
  metrics.add(RunnerStart{.timestamp = 1,
                          .flavor = "small",
                          .workflow = "w",
                          .repo = "canonical/a",
                          .github_event = "schedule",
                          .idle = 1});
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.types.at("job_conclusion_count"), "gauge");
  EXPECT_EQ(e.value(R"(job_conclusion_count{conclusion="failure"})"), 1);
  EXPECT_EQ(e.value(R"(job_conclusion_count{conclusion="success"})"), 1);
  EXPECT_EQ(e.series_of("job_conclusion_count").size(), 2u);
  EXPECT_EQ(e.value(R"(job_status_count{status="normal"})"), 2);
  EXPECT_EQ(e.value(R"(job_status_count{status="abnormal"})"), 1);
  // From runner_start only: a stop's repo and event are the same job's.
  EXPECT_EQ(e.series_of("job_repository_count"),
            (std::vector<std::string>{R"(job_repository_count{repository="canonical/a"})"}));
  EXPECT_EQ(e.value(R"(job_event_count{event="schedule"})"), 1);
}

TEST(PrometheusMetrics, FoldsRepositoriesPastTheCapAndCountsThem) {
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = 3, .max_label_value_bytes = 16});
  const auto started = [&](std::string repo) {
    metrics.add(RunnerStart{.timestamp = 1,
                            .flavor = "small",
                            .workflow = "w",
                            .repo = std::move(repo),
                            .github_event = "push",
                            .idle = 1});
  };
  for (int i = 0; i < 1000; ++i) started(fmt::format("o/r{}", i));
  started("o/r1");                // kept: counted as itself
  started("other");               // a repository named other shares the folded series
  started(std::string(17, 'x'));  // too long
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.series_of("job_repository_count"),
            (std::vector<std::string>{R"(job_repository_count{repository="o/r0"})",
                                      R"(job_repository_count{repository="o/r1"})",
                                      R"(job_repository_count{repository="o/r2"})",
                                      R"(job_repository_count{repository="other"})"}));
  EXPECT_EQ(e.value(R"(job_repository_count{repository="o/r1"})"), 2);
  EXPECT_EQ(e.value(R"(job_repository_count{repository="other"})"), 999);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="repository"})"), 998);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="event"})"), 0);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 0);
}

TEST(PrometheusMetrics, JobStatusCountTakesTheStatusesRunnerStopsTotalHas) {
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = 2});
  for (const char* status : {"normal", "abnormal", "weird", "stranger", "normal"}) {
    metrics.add(stop("small", status, 1));
  }
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value(R"(job_status_count{status="normal"})"), 2);
  EXPECT_EQ(e.value(R"(job_status_count{status="abnormal"})"), 1);
  EXPECT_EQ(e.value(R"(job_status_count{status="other"})"), 2);
  EXPECT_EQ(e.value(R"(runner_stops_total{flavor="small",status="other"})"), 2);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="status"})"), 2)
      << "each folded stop counted once";
}

TEST(PrometheusMetrics, CountsOtherEventsAndInvalidLinesFromTheParser) {
  PrometheusMetrics metrics;
  EventParser parser(ParseRules::Log);
  metrics.add(parser.read(R"({"timestamp": 1, "event": "runner_resized", "flavor": "x"})"));
  metrics.add(parser.read("junk"));
  metrics.add(parser.read(R"({"timestamp": 1, "event": "runner_installed", "flavor": "x"})"));
  std::string line = to_line(RunnerInstalled{.timestamp = 1, .flavor = "x", .duration = 2});
  line.pop_back();  // the "\n"
  metrics.add(parser.read(line));
  const Exposition e = rendered(metrics);
  EXPECT_EQ(e.value("metrics_log_other_events_total"), 1);
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), 2);
  EXPECT_EQ(e.value(R"(runner_metric_events_total{event="runner_installed",flavor="x"})"), 1);
}

TEST(PrometheusMetrics, ACopyRendersTheSameAndCountsOnByItself) {
  PrometheusMetrics metrics;
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  PrometheusMetrics copy = metrics;
  EXPECT_EQ(render_prometheus(copy), render_prometheus(metrics));
  copy.add(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  metrics.add(RunnerInstalled{.timestamp = 1, .flavor = "g", .duration = 1});
  EXPECT_EQ(rendered(copy).value(R"(runner_spawn_duration_seconds_count{flavor="f"})"), 2);
  EXPECT_EQ(rendered(metrics).value(R"(runner_spawn_duration_seconds_count{flavor="f"})"), 1);
  EXPECT_FALSE(rendered(copy).value(R"(runner_spawn_duration_seconds_count{flavor="g"})"));
}

TEST(PrometheusMetrics, SaturatesCrashedRunnersInsteadOfWrapping) {
  PrometheusMetrics metrics;
  metrics.add(reconciliation(1, "f", std::numeric_limits<std::int64_t>::max(), 0));
  metrics.add(reconciliation(2, "f", std::numeric_limits<std::int64_t>::max(), 0));
  metrics.add(reconciliation(3, "f", 5, 0));
  EXPECT_NE(
      render_prometheus(metrics).find("crashed_runners_total{flavor=\"f\"} 18446744073709551615\n"),
      std::string::npos);
}

TEST(PrometheusMetrics, ReadLogsOnSeveralWorkersGivesWhatOnePassGives) {
  testing::TempDir dir;
  const std::string log = testing::random_log({.lines = 20000, .seed = 31});
  testing::write_file(dir / "log", log);
  PrometheusMetrics one_pass;
  EventParser parser(ParseRules::Log);
  std::size_t begin = 0;
  while (begin < log.size()) {
    const std::size_t end = log.find('\n', begin);
    one_pass.add(parser.read(std::string_view(log).substr(begin, end - begin)), {0, begin});
    begin = end + 1;
  }
  PrometheusMetrics parallel;
  (void)read_logs({dir / "log"}, {.workers = 3, .range_bytes = 16 * 1024}, parallel);
  // Sums of floats depend on the order of additions; everything else is exact.
  const auto without_sums = [](const std::string& text) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t end = text.find('\n', at) + 1;
      const std::string_view line = std::string_view(text).substr(at, end - at);
      if (line.find("_sum{") == std::string_view::npos) out += line;
      at = end;
    }
    return out;
  };
  const std::string parallel_text = render_prometheus(parallel);
  const std::string one_pass_text = render_prometheus(one_pass);
  EXPECT_NE(one_pass_text.find("_sum{"), std::string::npos);
  EXPECT_EQ(without_sums(parallel_text), without_sums(one_pass_text));
}

}  // namespace
}  // namespace runner_metrics
