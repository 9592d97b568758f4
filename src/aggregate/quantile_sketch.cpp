// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/quantile_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace runner_metrics {

namespace {

// The rank format.md §7 asks for, ceil(q · count), at least 1. q · count is
// rounded once; when that lands a hair above an integer (0.07 · 100 →
// 7.000000000000001) the integer is the rank meant.
std::uint64_t rank_of(double q, std::uint64_t count) {
  const double exact = q * static_cast<double>(count);
  double rank = std::ceil(exact);
  if (rank > exact && exact - (rank - 1) <= exact * 1e-12) rank -= 1;
  if (!(rank >= 1)) return 1;
  if (rank >= static_cast<double>(count)) return count;
  return static_cast<std::uint64_t>(rank);
}

}  // namespace

QuantileSketch::QuantileSketch(double relative_accuracy, std::size_t max_bins)
    : accuracy_(relative_accuracy), max_bins_(max_bins) {
  if (!(relative_accuracy > 0 && relative_accuracy < 1)) {
    throw std::invalid_argument("QuantileSketch: relative accuracy must be in (0, 1)");
  }
  // Past the keys of every finite double, a cap means nothing.
  if (max_bins > (std::size_t{1} << 20)) {
    throw std::invalid_argument("QuantileSketch: max_bins must be at most 2^20");
  }
  const double gamma = (1 + relative_accuracy) / (1 - relative_accuracy);
  log_gamma_ = std::log(gamma);
  inverse_log_gamma_ = 1 / log_gamma_;
  midpoint_factor_ = 2 / (1 + gamma);
}

int QuantileSketch::key_of(double value) const {
  return static_cast<int>(std::ceil(std::log(value) * inverse_log_gamma_));
}

double QuantileSketch::value_of(int key) const {
  // In logs, so the bins at the top of the double range do not overflow
  // before the factor brings them back below γ^key.
  return std::exp(key * log_gamma_ + std::log(midpoint_factor_));
}

void QuantileSketch::cover(int low, int high) {
  if (bins_.empty()) {
    first_key_ = low;
    bins_.assign(static_cast<std::size_t>(high - low) + 1, 0);
  }
  // Growing by half the span at a time keeps a stream that creeps outward
  // one bin per value from copying the array every time; the bounds keep
  // the array within the keys a finite double can have.
  const int min_key = key_of(std::numeric_limits<double>::denorm_min());
  const int max_key = key_of(std::numeric_limits<double>::max());
  const int span = static_cast<int>(bins_.size());
  const int last_key = first_key_ + span - 1;
  int new_first = first_key_;
  int new_last = last_key;
  if (low < first_key_) new_first = std::max(min_key, std::min(low, first_key_ - span / 2));
  if (high > last_key) new_last = std::min(max_key, std::max(high, last_key + span / 2));
  if (max_bins_ > 0 && static_cast<std::size_t>(new_last - new_first) + 1 > max_bins_) {
    // The top is the largest value's bin (no bin above it holds anything),
    // so where the collapse starts depends on the values alone, not on the
    // order they came in or were merged.
    new_last = key_of(max_);
    new_first = std::max(new_first, new_last - static_cast<int>(max_bins_) + 1);
  }
  if (new_first == first_key_ && new_last == last_key) return;
  std::vector<std::uint64_t> bins(static_cast<std::size_t>(new_last - new_first) + 1, 0);
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    const int key = std::max(first_key_ + static_cast<int>(i), new_first);
    if (bins_[i] != 0) bins[static_cast<std::size_t>(key - new_first)] += bins_[i];
  }
  bins_ = std::move(bins);
  first_key_ = new_first;
}

void QuantileSketch::bin(int key, std::uint64_t n) {
  if (bins_.empty() || key < first_key_ || key >= first_key_ + static_cast<int>(bins_.size())) {
    cover(key, key);
  }
  // Below the array only when the lowest bins collapsed.
  bins_[static_cast<std::size_t>(std::max(key, first_key_) - first_key_)] += n;
}

void QuantileSketch::bin_value(double value) {
  if (value == 0) {
    ++zeros_;
  } else {
    bin(key_of(value), 1);
  }
}

void QuantileSketch::bin_exact_values() {
  for (const double value : exact_) bin_value(value);
  exact_ = {};
}

void QuantileSketch::add(double value) {
  if (!std::isfinite(value) || value < 0) {
    throw std::domain_error("QuantileSketch: a value must be finite and >= 0");
  }
  if (value == 0) value = 0.0;  // -0.0 is 0 and must not become the minimum
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  if (count_ <= EXACT_VALUES) {
    exact_.push_back(value);
    return;
  }
  if (!exact_.empty()) bin_exact_values();
  bin_value(value);
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (other.accuracy_ != accuracy_ || other.max_bins_ != max_bins_) {
    throw std::invalid_argument("QuantileSketch: cannot merge sketches of different accuracy");
  }
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  if (count_ <= EXACT_VALUES) {
    exact_.insert(exact_.end(), other.exact_.begin(), other.exact_.end());
    return;
  }
  if (!exact_.empty()) bin_exact_values();
  if (!other.exact_.empty()) {
    for (const double value : other.exact_) bin_value(value);
    return;
  }
  zeros_ += other.zeros_;
  if (!other.bins_.empty()) {
    cover(other.first_key_, other.first_key_ + static_cast<int>(other.bins_.size()) - 1);
    for (std::size_t i = 0; i < other.bins_.size(); ++i) {
      if (other.bins_[i] != 0) bin(other.first_key_ + static_cast<int>(i), other.bins_[i]);
    }
  }
}

double QuantileSketch::exact_quantile(std::vector<double> values, double q) {
  if (values.empty()) throw std::logic_error("QuantileSketch: quantile of no values");
  if (!(q >= 0 && q <= 1)) throw std::invalid_argument("QuantileSketch: q must be in [0, 1]");
  const std::uint64_t rank = rank_of(q, values.size());
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) throw std::logic_error("QuantileSketch: quantile of an empty sketch");
  if (!(q >= 0 && q <= 1)) throw std::invalid_argument("QuantileSketch: q must be in [0, 1]");
  if (count_ <= EXACT_VALUES) return exact_quantile(exact_, q);
  const std::uint64_t rank = rank_of(q, count_);
  // The ends are known exactly.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  if (rank <= zeros_) return 0.0;
  std::uint64_t seen = zeros_;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (seen >= rank) {
      return std::clamp(value_of(first_key_ + static_cast<int>(i)), min_, max_);
    }
  }
  return max_;
}

}  // namespace runner_metrics
