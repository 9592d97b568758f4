// SPDX-License-Identifier: Apache-2.0
// `runner-metrics serve` against the real Prometheus tools from Debian's
// `prometheus` package: promtool's checker on the scraped text, and a
// Prometheus server on loopback that scrapes serve every second and
// answers PromQL over its HTTP API.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace std::chrono_literals;
using namespace testing;

constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

// format.md §8 names these gauges as the successor does; promtool's linter
// would rather no gauge ended in _count. The one problem it may report.
std::set<std::string> spec_name_lints() {
  std::set<std::string> lints;
  const auto lint = [&](std::string_view name) {
    if (name.ends_with("_count")) {
      lints.insert(fmt::format(
          "{} non-histogram and non-summary metrics should not have \"_count\" suffix", name));
    }
  };
  for (const GaugeMeasure& row : GAUGES) lint(row.prometheus_name);
  for (const BreakdownMeasure& row : BREAKDOWNS) lint(row.prometheus_name);
  return lints;
}

RunnerStop stop(double timestamp, std::string flavor, std::string status, double job_duration) {
  return RunnerStop{.timestamp = timestamp,
                    .flavor = std::move(flavor),
                    .workflow = "Tests",
                    .repo = "o/r",
                    .github_event = "push",
                    .status = std::move(status),
                    .job_duration = job_duration};
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// An instant query: each result's labels (as `k=v,...`, sorted) → value.
std::map<std::string, double> query(int port, const std::string& promql,
                                    const std::string& time = {}) {
  const auto response =
      http_request(port, "GET",
                   "/api/v1/query?query=" + url_encode(promql) +
                       (time.empty() ? std::string() : "&time=" + url_encode(time)));
  std::map<std::string, double> out;
  if (response.status != 200) return out;
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.parse(response.body);
  for (const simdjson::dom::element result : doc["data"]["result"].get_array()) {
    std::string labels;
    for (const auto field : result["metric"].get_object()) {
      if (field.key == "__name__" || field.key == "instance" || field.key == "job") continue;
      labels += fmt::format("{}{}={}", labels.empty() ? "" : ",", field.key,
                            std::string_view(field.value.get_string()));
    }
    out[labels] = std::stod(std::string(std::string_view(result["value"].at(1).get_string())));
  }
  return out;
}

TEST(ServePrometheus, PromtoolFindsNoErrorInTheScrapedText) {
  if (!std::filesystem::exists(kPromtool)) GTEST_SKIP() << kPromtool << " is not installed";
  TempDir dir;
  const std::string log = dir / "metrics.log";
  MetricsLog writer(log);
  writer.append(RunnerInstalled{.timestamp = 1, .flavor = "small", .duration = 42.5});
  writer.append(RunnerStart{.timestamp = 2,
                            .flavor = "we\"ird\\fl\navor",
                            .workflow = "w",
                            .repo = "o/r",
                            .github_event = "push",
                            .idle = 3,
                            .queue_duration = 4});
  writer.append(stop(3, "small", "abnormal", 61.25));
  RunnerStop concluded = stop(3, "small", "normal", 1);
  concluded.job_conclusion = "success";
  writer.append(concluded);
  writer.append(Reconciliation{.timestamp = 4,
                               .flavor = "small",
                               .crashed_runners = 1,
                               .idle_runners = 5,
                               .active_runners = 2,
                               .expected_runners = 8,
                               .duration = 4.2});
  ServeProcess serve(log);
  ASSERT_TRUE(wait_until([&] {
    return http_request(serve.port(), "GET", "/metrics").body.find("reconciliation") !=
           std::string::npos;
  }));
  const std::string text = http_request(serve.port(), "GET", "/metrics").body;

  const auto result =
      run_process({kPromtool, "check", "metrics"}, ProcessOptions{.stdin_data = text});
  // 0: clean; 3: lint problems only (1 would be a parse error).
  EXPECT_TRUE(result.exit_status == 0 || result.exit_status == 3)
      << result.exit_status << ": " << result.out << result.err;
  std::istringstream problems(result.out + result.err);
  for (std::string line; std::getline(problems, line);) {
    if (!line.empty()) {
      EXPECT_TRUE(spec_name_lints().contains(line)) << line;
    }
  }
}

TEST(ServePrometheus, ARealPrometheusScrapesServeAndAnswersQueries) {
  if (!std::filesystem::exists(kPrometheus)) GTEST_SKIP() << kPrometheus << " is not installed";
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ServeProcess serve(log);

  const int prometheus_port = testing::free_port();
  write_file(dir / "prometheus.yml", fmt::format(R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: runner-metrics
    static_configs:
      - targets: ['127.0.0.1:{}']
)",
                                                 serve.port()));
  BackgroundProcess prometheus({kPrometheus, "--config.file=" + (dir / "prometheus.yml"),
                                "--storage.tsdb.path=" + (dir / "data"),
                                fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port),
                                "--log.level=warn"});
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return http_request(prometheus_port, "GET", "/-/ready").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      60s))
      << prometheus.err();

  MetricsLog writer(log);
  for (const double seconds : {100.0, 200.0, 400.0, 700.0}) {
    writer.append(stop(1, "small", "normal", seconds));
  }
  for (int i = 0; i < 3; ++i) {
    writer.append(RunnerInstalled{.timestamp = 1, .flavor = "large", .duration = 30});
  }
  writer.append(Reconciliation{
      .timestamp = 5, .flavor = "large", .crashed_runners = 0, .idle_runners = 6, .duration = 2});
  // The later generations: runner counts (the latest that says, per
  // flavor), conclusions, and jobs by repository and event.
  for (const auto& [t, active, expected] :
       std::vector<std::tuple<double, std::optional<std::int64_t>, std::optional<std::int64_t>>>{
           {6, 4, 10}, {8, 7, std::nullopt}, {7, 1, std::nullopt}}) {
    writer.append(Reconciliation{.timestamp = t,
                                 .flavor = "small",
                                 .crashed_runners = 0,
                                 .idle_runners = 1,
                                 .active_runners = active,
                                 .expected_runners = expected,
                                 .duration = 2});
  }
  for (const auto& [conclusion, repo, event] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"success", "o/a", "push"},
           {"success", "o/b", "push"},
           {"failure", "o/a", "schedule"}}) {
    RunnerStop concluded = stop(9, "large", "abnormal", 1);
    concluded.job_conclusion = conclusion;
    writer.append(concluded);
    writer.append(RunnerStart{.timestamp = 9,
                              .flavor = "large",
                              .workflow = "w",
                              .repo = repo,
                              .github_event = event,
                              .idle = 1});
  }

  const std::map<std::string, double> expected_events{
      {"event=reconciliation,flavor=large", 1}, {"event=reconciliation,flavor=small", 3},
      {"event=runner_start,flavor=large", 3},   {"event=runner_installed,flavor=large", 3},
      {"event=runner_stop,flavor=large", 3},    {"event=runner_stop,flavor=small", 4},
  };
  std::map<std::string, double> events;
  EXPECT_TRUE(wait_until(
      [&] {
        events = query(prometheus_port, "runner_metric_events_total");
        return events == expected_events;
      },
      60s))
      << prometheus.err();
  EXPECT_EQ(events, expected_events);
  // Every later query asks for the moment of that scrape: one that failed
  // since (slowed past its timeout on a loaded machine) would have marked
  // every series stale at "now".
  std::map<std::string, double> scraped;
  ASSERT_TRUE(wait_until([&] {
    scraped = query(prometheus_port, "max(timestamp(runner_metric_events_total))");
    return scraped.size() == 1;
  }));
  const std::string at = fmt::format("{:.3f}", scraped.begin()->second);
  const auto query_at = [&](const std::string& promql) {
    return query(prometheus_port, promql, at);
  };

  // Buckets 60: 0, 300: 2, 600: 3, 1200: 4. Rank 0.625 · 4 = 2.5 falls in
  // (300, 600], half-way between 2 and 3 observations: 450 s.
  const auto quantile = query_at(
      "histogram_quantile(0.625, sum by (le) (job_duration_seconds_bucket{flavor=\"small\"}))");
  ASSERT_EQ(quantile.size(), 1u);
  EXPECT_NEAR(quantile.begin()->second, 450, 1e-9);
  EXPECT_EQ(query_at("idle_runners_count"),
            (std::map<std::string, double>{{"flavor=large", 6}, {"flavor=small", 1}}));
  EXPECT_EQ(query_at("sum(job_duration_seconds_sum)"), (std::map<std::string, double>{{"", 1403}}));

  // Each later gauge, by its successor's name.
  using Series = std::map<std::string, double>;
  EXPECT_EQ(query_at("busy_runners_count"), (Series{{"flavor=small", 7}}));
  EXPECT_EQ(query_at("expected_runners_count"), (Series{{"flavor=small", 10}}));
  EXPECT_EQ(query_at("sum by (flavor) (expected_runners_count - busy_runners_count - "
                     "idle_runners_count)"),
            (Series{{"flavor=small", 2}}));  // the dashboard's gap
  EXPECT_EQ(query_at("job_conclusion_count"),
            (Series{{"conclusion=failure", 1}, {"conclusion=success", 2}}));
  EXPECT_EQ(query_at("job_repository_count"),
            (Series{{"repository=o/a", 2}, {"repository=o/b", 1}}));
  EXPECT_EQ(query_at("job_event_count"), (Series{{"event=push", 2}, {"event=schedule", 1}}));
  EXPECT_EQ(query_at("job_status_count"), (Series{{"status=abnormal", 3}, {"status=normal", 4}}));
  EXPECT_EQ(query_at("topk(1, job_repository_count)"), (Series{{"repository=o/a", 2}}));

  EXPECT_EQ(prometheus.stop(SIGTERM, 30s), 0) << prometheus.err();
}

}  // namespace
}  // namespace runner_metrics
