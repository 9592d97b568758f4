// SPDX-License-Identifier: Apache-2.0
// What the report's charts draw, against an independent computation:
// tests/support/timeline_oracle.py reads the same log with Python's json
// module, keeps every value of every bucket and takes exact nearest-rank
// percentiles. Each bucket's count, min and max must be equal, its p50, p95
// and p99 equal while it holds at most 64 values and within the bucket
// sketch's 2% after; the jobs per UTC day equal, in the Timeline and in the
// page's columns.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "runner_metrics/report.hpp"
#include "support/log_builder.hpp"
#include "support/markup.hpp"
#include "support/process.hpp"
#include "support/report_page.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr const char* kOracle = RUNNER_METRICS_SOURCE_DIR "/tests/support/timeline_oracle.py";

// A random log of every kind of line (junk too), then three weeks of a small
// fleet's starts and stops, so the buckets hold from one value to thousands
// and the jobs per day vary.
std::string oracle_log() {
  std::string log = random_log({.lines = 100000, .seed = 11});
  std::mt19937_64 rng(12);
  const double start = RANDOM_LOG_START + 200000;
  for (int day = 0; day < 21; ++day) {
    const int jobs = std::uniform_int_distribution<int>(0, 400)(rng) * (day % 7 == 5 ? 0 : 1);
    for (int j = 0; j < jobs; ++j) {
      const double t = start + day * 86400.0 + std::uniform_real_distribution<>(0, 86400)(rng);
      const double wait = std::exp(std::normal_distribution<>(3, 2)(rng));
      log += start_line(t, j % 3 == 0 ? "large" : "small", wait / 2, wait);
      log += stop_line(t + 1, "small", "normal", wait * 40);
    }
  }
  return log;
}

// est is the bucket sketch's answer for the exact value `want` of a bucket of
// `count` values whose max is `max`.
void expect_percentile(double est, double want, std::uint64_t count, double max,
                       const std::string& where) {
  if (count <= QuantileSketch::EXACT_VALUES) {
    EXPECT_EQ(est, want) << where;
    return;
  }
  // Below the bins kept (8.9 decades under the max), a rank is answered high.
  if (want < max * std::pow((1 - BucketStats::ACCURACY) / (1 + BucketStats::ACCURACY),
                            static_cast<double>(BucketStats::MAX_BINS) - 1)) {
    EXPECT_GE(est, want) << where;
    return;
  }
  EXPECT_LE(std::abs(est - want), BucketStats::ACCURACY * want + 1e-300)
      << where << ": " << est << " for " << want;
}

// The report of `log` with and without --by flavor and in a window, against the oracle.
void expect_the_oracles_timeline(const std::string& log, std::size_t flavors, double since,
                                 double until) {
  struct Variant {
    bool by_flavor;
    std::optional<double> since;
    std::optional<double> until;
  };
  for (const Variant& variant :
       {Variant{false, {}, {}}, Variant{true, {}, {}}, Variant{true, since, until}}) {
    const bool by_flavor = variant.by_flavor;
    SCOPED_TRACE(fmt::format("{}{}", by_flavor ? "by flavor" : "all flavors",
                             variant.since ? " in a window" : ""));
    ReportOptions options;
    options.window.by_flavor = by_flavor;
    options.window.since = variant.since;
    options.window.until = variant.until;
    options.max_sections = 0;
    FleetReport report = report_logs({log}, options);
    const Timeline& timeline = report.timeline;
    std::vector<std::string> oracle = {"/usr/bin/python3",
                                       kOracle,
                                       "--interval",
                                       fmt::format("{}", timeline.interval()),
                                       "--day",
                                       fmt::format("{}", timeline.day_interval())};
    if (by_flavor) oracle.push_back("--by-flavor");
    if (variant.since) {
      oracle.insert(oracle.end(), {"--since", fmt::format("{}", *variant.since), "--until",
                                   fmt::format("{}", *variant.until)});
    }
    oracle.push_back(log);
    const auto expected = run_process(oracle);
    ASSERT_EQ(expected.exit_status, 0) << expected.err;
    simdjson::dom::parser parser;
    const simdjson::dom::element json = parser.parse(expected.out);
    const auto groups = timeline.groups();
    const simdjson::dom::array want_groups = json["groups"];
    ASSERT_EQ(groups.size(), want_groups.size());
    ASSERT_EQ(groups.size(), by_flavor ? flavors : 1u);
    std::size_t compared = 0;
    std::size_t sketched = 0;
    std::size_t g = 0;
    for (const simdjson::dom::element want : want_groups) {
      const TimelineGroup& group = *groups[g++];
      // Durations, bucket by bucket.
      std::size_t buckets_with_durations = 0;
      for (const auto [bucket_key, kinds] : simdjson::dom::object(want["buckets"])) {
        const std::int64_t key = std::stoll(std::string(bucket_key));
        ASSERT_TRUE(group.buckets.contains(key)) << key;
        const TimelineBucket& bucket = group.buckets.at(key);
        ++buckets_with_durations;
        for (const DurationMeasure& row : DURATIONS) {
          const std::string where = fmt::format("bucket {} {}", key, row.key);
          const BucketStats& stats = bucket.durations[row.measure];
          simdjson::dom::element want_stats;
          if (simdjson::dom::object(kinds)[row.key].get(want_stats) != simdjson::SUCCESS) {
            EXPECT_EQ(stats.count(), 0u) << where;
            continue;
          }
          const std::uint64_t count = want_stats["count"].get_uint64();
          ASSERT_EQ(stats.count(), count) << where;
          if (count == 0) continue;  // only unknown values
          const double max = want_stats["max"].get_double();
          EXPECT_EQ(stats.min(), double(want_stats["min"].get_double())) << where;
          EXPECT_EQ(stats.max(), max) << where;
          for (const auto& [name, q] : {std::pair{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}}) {
            expect_percentile(stats.quantile(q), want_stats[name].get_double(), count, max,
                              where + " " + name);
          }
          ++compared;
          if (count > QuantileSketch::EXACT_VALUES) ++sketched;
        }
      }
      EXPECT_GT(buckets_with_durations, 10u);
      // Jobs per day.
      std::vector<std::uint64_t> want_days;
      for (const auto [day, n] : simdjson::dom::object(want["days"])) {
        const std::int64_t key = std::stoll(std::string(day));
        ASSERT_TRUE(group.days.contains(key)) << day;
        EXPECT_EQ(group.days.at(key).runner_start, std::uint64_t(n.get_uint64())) << day;
        want_days.push_back(n.get_uint64());
      }
      std::size_t days_with_starts = 0;
      for (const auto& [day, counts] : group.days) days_with_starts += counts.runner_start > 0;
      EXPECT_EQ(days_with_starts, want_days.size());
      if (g == 1) {
        // The page's columns are those days, in order.
        const std::string page = render_html(report);
        const auto root = parse_markup(page);
        const auto panel = root->find_all("figure", "id", "g0-jobs-per-day");
        ASSERT_EQ(panel.size(), 1u);
        std::vector<std::uint64_t> columns;
        for (const Element* column : panel[0]->find_all("rect", "data-value")) {
          columns.push_back(std::stoull(*column->attribute("data-value")));
        }
        EXPECT_EQ(columns, want_days);
      }
    }
    EXPECT_GT(compared, 1000u);

    // Both ways of answering are checked (by flavor, buckets hold fewer values).
    if (!by_flavor) {
      EXPECT_GT(sketched, 50u);
    }
  }
}

TEST(ReportOracle, PerBucketPercentilesAndJobsPerDayAgreeWithAnIndependentComputation) {
  TempDir dir;
  write_file(dir / "metrics.log", oracle_log());
  // "", arm64, large, medium, small, été; a window of the random part.
  expect_the_oracles_timeline(dir / "metrics.log", 6, RANDOM_LOG_START + 20000,
                              RANDOM_LOG_START + 80000);
}

TEST(ReportOracle, AMixedGenerationLogOfThreeYearsAgreesWithAnIndependentComputation) {
  // 2023 to 2026 as each generation of the ancestor wrote it: job
  // conclusions, active and expected runners, Infinity, the 2026 statuses.
  TempDir dir;
  const auto made = run_process({"/usr/bin/python3",
                                 RUNNER_METRICS_SOURCE_DIR "/tests/support/generations_log.py",
                                 "120000", "5", dir / "generations.log"});
  ASSERT_EQ(made.exit_status, 0) << made.err;
  // 2024-06-01 to 2025-06-01 UTC.
  expect_the_oracles_timeline(dir / "generations.log", 6, 1717200000, 1748736000);
}

}  // namespace
}  // namespace runner_metrics
