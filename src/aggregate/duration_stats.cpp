// SPDX-License-Identifier: Apache-2.0
// Exact sums make a summary independent of how a log was split among
// threads: the same input gives the same avg, to the last bit, on one core
// or many.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
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

struct DurationStats::Sketched {
  QuantileSketch sketch;
  detail::ExactSum sum;
};

DurationStats::DurationStats(const DurationStats& other)
    : min_(other.min_),
      max_(other.max_),
      unknown_(other.unknown_),
      values_(other.values_),
      sketched_(other.sketched_ ? std::make_unique<Sketched>(*other.sketched_) : nullptr) {}

DurationStats& DurationStats::operator=(const DurationStats& other) {
  if (this != &other) *this = DurationStats(other);
  return *this;
}

DurationStats::DurationStats() = default;
DurationStats::DurationStats(DurationStats&&) noexcept = default;
DurationStats& DurationStats::operator=(DurationStats&&) noexcept = default;
DurationStats::~DurationStats() = default;

std::uint64_t DurationStats::count() const noexcept {
  return sketched_ ? sketched_->sketch.count() : values_.size();
}

void DurationStats::sketch_values() {
  auto sketched = std::make_unique<Sketched>();
  for (const double value : values_) {
    sketched->sketch.add(value);
    sketched->sum.add(value);
  }
  sketched_ = std::move(sketched);
  values_ = {};
}

void DurationStats::add(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    throw std::domain_error("DurationStats: a value must be finite and >= 0");
  }
  if (seconds == 0) seconds = 0.0;  // -0.0 is 0 and must not become the minimum
  if (count() == 0) {
    min_ = max_ = seconds;
  } else {
    min_ = std::min(min_, seconds);
    max_ = std::max(max_, seconds);
  }
  if (!sketched_ && values_.size() < QuantileSketch::EXACT_VALUES) {
    values_.push_back(seconds);
    return;
  }
  if (!sketched_) sketch_values();
  sketched_->sketch.add(seconds);
  sketched_->sum.add(seconds);
}

void DurationStats::merge(const DurationStats& other) {
  const std::uint64_t unknown = unknown_ + other.unknown_;
  if (other.count() == 0) {
    unknown_ = unknown;
    return;
  }
  if (count() == 0) {
    *this = other;
    unknown_ = unknown;
    return;
  }
  unknown_ = unknown;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  if (!sketched_ && !other.sketched_ &&
      values_.size() + other.values_.size() <= QuantileSketch::EXACT_VALUES) {
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    return;
  }
  if (!sketched_) sketch_values();
  if (other.sketched_) {
    sketched_->sketch.merge(other.sketched_->sketch);
    sketched_->sum.merge(other.sketched_->sum);
  } else {
    for (const double value : other.values_) {
      sketched_->sketch.add(value);
      sketched_->sum.add(value);
    }
  }
}

double DurationStats::avg() const {
  // The mean lies within [min, max]; the clamp keeps the last rounding of a
  // sum of huge values from stepping outside (or to infinity).
  if (sketched_) return std::clamp(sketched_->sum.mean(count()), min(), max());
  detail::ExactSum sum;
  for (const double value : values_) sum.add(value);
  return std::clamp(sum.mean(count()), min(), max());
}

double DurationStats::quantile(double q) const {
  if (sketched_) return sketched_->sketch.quantile(q);
  if (values_.empty()) throw std::logic_error("DurationStats: quantile of no values");
  return QuantileSketch::exact_quantile(values_, q);
}

}  // namespace runner_metrics
