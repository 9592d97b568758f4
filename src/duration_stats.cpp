// Exact sums make a summary independent of how a log was split among
// threads: the same input gives the same avg, to the last bit, on one core
// or many.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "runner_metrics/summary.hpp"

namespace runner_metrics {

namespace detail {

namespace {

constexpr int kScaleExponent = 512;

// Adds `x` to `partials`, a sum of non-overlapping doubles in increasing
// magnitude, keeping it so. Each step splits a + b into its rounded sum and
// the exact rounding error (Knuth's two-sum with |a| >= |b|), and zero errors
// are dropped, so the list stays short: one or two entries for durations of
// similar size.
void add_partial(std::vector<double>& partials, double x) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < partials.size(); ++i) {
    double y = partials[i];
    if (std::abs(x) < std::abs(y)) std::swap(x, y);
    const double high = x + y;
    const double low = y - (high - x);
    if (low != 0) partials[kept++] = low;
    x = high;
  }
  partials.resize(kept);
  partials.push_back(x);
}

// The exact sum of `partials` rounded to the nearest double, ties to even:
// add from the largest down until a step is inexact; if that step's error
// is exactly half an ulp, the partials below it decide which way to round.
double round_partials(const std::vector<double>& partials) {
  if (partials.empty()) return 0.0;
  std::size_t n = partials.size() - 1;
  double high = partials[n];
  double low = 0;
  while (n > 0) {
    const double x = high;
    const double y = partials[--n];
    high = x + y;
    low = y - (high - x);
    if (low != 0) break;
  }
  if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
    const double twice = low * 2;
    const double rounded = high + twice;
    if (twice == rounded - high) high = rounded;
  }
  return high;
}

}  // namespace

void ExactSum::add(double value) {
  static const double threshold = std::ldexp(1.0, kScaleExponent);
  if (value >= threshold) {
    add_partial(large_, std::ldexp(value, -kScaleExponent));
  } else {
    add_partial(small_, value);
  }
}

void ExactSum::merge(const ExactSum& other) {
  for (double partial : other.small_) add_partial(small_, partial);
  for (double partial : other.large_) add_partial(large_, partial);
}

double ExactSum::mean(std::uint64_t count) const {
  if (count == 0) return 0.0;
  const auto n = static_cast<double>(count);
  const double small = round_partials(small_) / n;
  if (large_.empty()) return small;
  return std::ldexp(round_partials(large_) / n, kScaleExponent) + small;
}

}  // namespace detail

void DurationStats::add(double seconds) {
  sketch_.add(seconds);
  sum_.add(seconds);
}

void DurationStats::merge(const DurationStats& other) {
  sketch_.merge(other.sketch_);
  sum_.merge(other.sum_);
}

double DurationStats::avg() const {
  // The mean lies within [min, max]; the clamp keeps the last rounding of a
  // sum of huge values from stepping outside (or to infinity).
  return std::clamp(sum_.mean(count()), min(), max());
}

}  // namespace runner_metrics
