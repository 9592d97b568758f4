// SPDX-License-Identifier: Apache-2.0
// QuantileSketch: percentiles within its accuracy of the exact nearest-rank
// value, in bounded memory, merged exactly.
#include "runner_metrics/quantile_sketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace runner_metrics {
namespace {

// format.md §7: the value of rank ceil(q · n), by integer arithmetic on percent.
double nearest_rank(std::vector<double> values, int percent) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const std::size_t rank =
      std::max<std::size_t>(1, (static_cast<std::size_t>(percent) * n + 99) / 100);
  return values[rank - 1];
}

void expect_within(double estimate, double exact, double relative) {
  EXPECT_LE(std::abs(estimate - exact), relative * exact) << estimate << " vs exact " << exact;
}

TEST(QuantileSketch, SmallSamplesGetTheExactNearestRankValue) {
  QuantileSketch sketch;
  for (double x : {30.0, 10.0, 40.0, 20.0}) sketch.add(x);
  EXPECT_EQ(sketch.quantile(0.5), 20.0);
  EXPECT_EQ(sketch.quantile(0.75), 30.0);
  EXPECT_EQ(sketch.quantile(0.76), 40.0);
  EXPECT_EQ(sketch.quantile(0), 10.0);
  EXPECT_EQ(sketch.quantile(1), 40.0);
  EXPECT_EQ(sketch.min(), 10.0);
  EXPECT_EQ(sketch.max(), 40.0);
  EXPECT_EQ(sketch.count(), 4u);
}

TEST(QuantileSketch, RankOfAPercentIsNotOffByOneFromFloatingPoint) {
  // 0.07 · 100 is 7.000000000000001 in doubles; the rank is 7, not 8.
  QuantileSketch sketch;
  for (int i = 1; i <= 100; ++i) sketch.add(i);
  for (int percent = 1; percent <= 100; ++percent) {
    std::vector<double> values;
    for (int i = 1; i <= 100; ++i) values.push_back(i);
    expect_within(sketch.quantile(percent / 100.0), nearest_rank(values, percent), 0.005);
  }
  EXPECT_NEAR(sketch.quantile(0.07), 7.0, 7.0 * 0.005);
}

struct Distribution {
  const char* name;
  std::function<double(std::mt19937_64&)> draw;
};

TEST(QuantileSketch, EveryPercentileIsWithinHalfAPercentOfNearestRankOnManyDistributions) {
  const std::vector<Distribution> distributions = {
      {"uniform seconds", [](auto& rng) { return std::uniform_real_distribution<>(1, 600)(rng); }},
      {"lognormal job times",
       [](auto& rng) { return std::lognormal_distribution<>(std::log(600), 1.5)(rng); }},
      {"exponential queues", [](auto& rng) { return std::exponential_distribution<>(0.05)(rng); }},
      {"integers with many ties",
       [](auto& rng) { return static_cast<double>(std::uniform_int_distribution<>(0, 20)(rng)); }},
      {"microseconds to years",
       [](auto& rng) { return std::pow(10.0, std::uniform_real_distribution<>(-6, 9)(rng)); }},
      {"mostly zeros",
       [](auto& rng) {
         return std::uniform_int_distribution<>(0, 9)(rng) < 7
                    ? 0.0
                    : std::uniform_real_distribution<>(0, 5)(rng);
       }},
  };
  std::mt19937_64 rng(7);
  for (const Distribution& distribution : distributions) {
    SCOPED_TRACE(distribution.name);
    for (std::size_t n : {65u, 1000u, 100000u}) {
      QuantileSketch sketch;
      std::vector<double> values;
      for (std::size_t i = 0; i < n; ++i) {
        values.push_back(distribution.draw(rng));
        sketch.add(values.back());
      }
      for (int percent : {1, 5, 25, 50, 75, 90, 95, 99, 100}) {
        SCOPED_TRACE(percent);
        expect_within(sketch.quantile(percent / 100.0), nearest_rank(values, percent), 0.005);
      }
    }
  }
}

TEST(QuantileSketch, ZerosAreCountedExactly) {
  QuantileSketch sketch;
  for (int i = 0; i < 700; ++i) sketch.add(i < 500 ? 0.0 : -0.0);
  for (int i = 0; i < 300; ++i) sketch.add(2.0);
  EXPECT_EQ(sketch.quantile(0.7), 0.0);
  EXPECT_FALSE(std::signbit(sketch.quantile(0.7)));
  EXPECT_FALSE(std::signbit(sketch.min()));
  EXPECT_NEAR(sketch.quantile(0.71), 2.0, 0.01);
}

TEST(QuantileSketch, EstimatesStayWithinTheExactMinAndMax) {
  QuantileSketch sketch;
  for (int i = 0; i < 1000; ++i) sketch.add(100.0 + i * 1e-9);
  EXPECT_GE(sketch.quantile(0), sketch.min());
  EXPECT_LE(sketch.quantile(1), sketch.max());
  EXPECT_EQ(sketch.quantile(1), sketch.max());
}

TEST(QuantileSketch, MergingGivesWhatAddingEverythingToOneGives) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<> draw(3, 2);
  QuantileSketch whole;
  std::vector<QuantileSketch> parts(5);
  for (int i = 0; i < 50000; ++i) {
    const double x = draw(rng);
    whole.add(x);
    parts[static_cast<std::size_t>(i) % parts.size()].add(x);
  }
  QuantileSketch forward;
  QuantileSketch backward;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    forward.merge(parts[i]);
    backward.merge(parts[parts.size() - 1 - i]);
  }
  for (const QuantileSketch* merged : {&forward, &backward}) {
    EXPECT_EQ(merged->count(), whole.count());
    EXPECT_EQ(merged->min(), whole.min());
    EXPECT_EQ(merged->max(), whole.max());
    for (double q : {0.0, 0.5, 0.95, 0.99, 1.0}) EXPECT_EQ(merged->quantile(q), whole.quantile(q));
  }
}

TEST(QuantileSketch, MergingSmallSamplesStaysExact) {
  QuantileSketch a;
  QuantileSketch b;
  for (double x : {1.0, 3.0, 5.0}) a.add(x);
  for (double x : {2.0, 4.0}) b.add(x);
  a.merge(b);
  EXPECT_EQ(a.quantile(0.4), 2.0);
  EXPECT_EQ(a.quantile(0.6), 3.0);
  QuantileSketch empty;
  a.merge(empty);
  empty.merge(a);
  EXPECT_EQ(empty.quantile(0.6), 3.0);
  EXPECT_EQ(empty.min(), 1.0);
}

TEST(QuantileSketch, BinsAreBoundedByTheRangeOfValuesNotTheirNumber) {
  QuantileSketch sketch;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<> seconds(0.001, 604800);  // a millisecond to a week
  for (int i = 0; i < 1000000; ++i) sketch.add(seconds(rng));
  EXPECT_LE(sketch.bin_count(), 3100u);  // ~2,000 needed, plus growth slack

  // Every finite double at once: still bounded, and still accurate.
  QuantileSketch extremes;
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double huge = std::numeric_limits<double>::max();
  for (int i = 0; i < 100; ++i) {
    extremes.add(tiny);
    extremes.add(1.0);
    extremes.add(huge);
  }
  EXPECT_LE(extremes.bin_count(), 145422u);
  EXPECT_EQ(extremes.quantile(1), huge);
  EXPECT_EQ(extremes.quantile(0), tiny);
  expect_within(extremes.quantile(0.5), 1.0, 0.005);
}

TEST(QuantileSketch, RejectsValuesThatAreNotDurations) {
  QuantileSketch sketch;
  EXPECT_THROW(sketch.add(-1), std::domain_error);
  EXPECT_THROW(sketch.add(std::numeric_limits<double>::infinity()), std::domain_error);
  EXPECT_THROW(sketch.add(std::nan("")), std::domain_error);
  EXPECT_EQ(sketch.count(), 0u);
  EXPECT_THROW((void)sketch.quantile(0.5), std::logic_error);
}

TEST(QuantileSketch, MergeRejectsASketchOfAnotherAccuracy) {
  QuantileSketch a(0.005);
  QuantileSketch b(0.01);
  b.add(1);
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(QuantileSketch, ACapOnBinsCollapsesTheLowestAndKeepsTheTopAccurate) {
  QuantileSketch capped(0.02, 100);
  QuantileSketch free(0.02);
  std::mt19937_64 rng(8);
  std::vector<double> values;
  for (int i = 0; i < 5000; ++i) {
    values.push_back(std::pow(10.0, std::uniform_real_distribution<>(-20, 20)(rng)));
    capped.add(values.back());
    free.add(values.back());
  }
  EXPECT_LE(capped.bin_count(), 100u);
  EXPECT_GT(free.bin_count(), 1000u);
  std::sort(values.begin(), values.end());
  // 100 bins of 4% hold the top 1.7 decades: ranks there are exact to 2%.
  const double p999 = values[4994];
  expect_within(capped.quantile(0.999), p999, 0.02);
  EXPECT_EQ(capped.quantile(1), values.back());
  EXPECT_EQ(capped.quantile(0), values.front());
  // Lower ranks are answered at the lowest bin kept: high, never low.
  EXPECT_GT(capped.quantile(0.5), values[2499]);
  // The same values in another order, or merged from parts, give the same answers.
  QuantileSketch reversed(0.02, 100);
  QuantileSketch a(0.02, 100);
  QuantileSketch b(0.02, 100);
  for (std::size_t i = values.size(); i-- > 0;) reversed.add(values[i]);
  for (std::size_t i = 0; i < values.size(); ++i) (i % 3 == 0 ? a : b).add(values[i]);
  a.merge(b);
  for (const double q : {0.1, 0.5, 0.9, 0.99, 0.999}) {
    EXPECT_EQ(reversed.quantile(q), capped.quantile(q)) << q;
    EXPECT_EQ(a.quantile(q), capped.quantile(q)) << q;
  }
  EXPECT_THROW(capped.merge(free), std::invalid_argument);
}

TEST(QuantileSketch, NoBinsUntilMoreThanTheExactValues) {
  QuantileSketch sketch;
  for (std::size_t i = 0; i < QuantileSketch::EXACT_VALUES; ++i)
    sketch.add(1e-300 * static_cast<double>(i + 1));
  EXPECT_EQ(sketch.bin_count(), 0u);
  sketch.add(1e300);
  EXPECT_GT(sketch.bin_count(), 0u);
  EXPECT_EQ(sketch.quantile(1), 1e300);
}

}  // namespace
}  // namespace runner_metrics
