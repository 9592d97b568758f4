// SPDX-License-Identifier: Apache-2.0
// Percentiles of a stream of durations in memory that does not grow with the
// stream: a relative-error sketch in the manner of DDSketch.
//
//   QuantileSketch sketch;  // 0.5% relative accuracy
//   for (double x : {10.0, 20.0, 30.0, 40.0}) sketch.add(x);
//   sketch.quantile(0.5) → 20.0   (the value of rank ceil(0.5 · 4) = 2)
//
// Each positive value x falls in the bin k = ceil(log_γ x), γ = (1 + α) / (1 - α),
// which holds (γ^(k-1), γ^k]; a bin answers with the point of that interval
// closest, relatively, to both ends, so any value in it is within α of the
// answer. Zero has a bin of its own. Bins are counts in one contiguous array
// spanning the smallest to the largest key seen: with α = 0.5%, durations from
// a millisecond to a week need about 2,000 bins (16 KiB), and no data can need
// more than the 145,422 keys of all finite doubles (1.1 MiB), however many
// values are added. Up to EXACT_VALUES values are kept as they are instead,
// so small samples get exact nearest-rank answers and no bins.
//
// A sketch made with a cap on its bins (max_bins, DDSketch's "collapsing
// lowest" store) never holds more: when the values span more than γ^max_bins,
// the lowest bin also takes everything below it. The top stays exact to α, so
// p95, p99 and max are unaffected; a rank that falls in that lowest bin is
// answered with its value, above the true one (at most max() / γ^(max_bins-1)).
//
//   QuantileSketch chart(0.02, 512);  // 2%, at most 4 KiB of bins: 8 decades
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace runner_metrics {

class QuantileSketch {
 public:
  /// Percentiles of a sketch are within this relative error of the exact
  /// nearest-rank value (format.md §7 asks for 1%).
  static constexpr double DEFAULT_RELATIVE_ACCURACY = 0.005;
  /// While the sketch holds at most this many values, answers are exact.
  static constexpr std::size_t EXACT_VALUES = 64;

  /// max_bins: at most this many bins (>= 1), the lowest collapsing; 0 for no limit.
  explicit QuantileSketch(double relative_accuracy = DEFAULT_RELATIVE_ACCURACY,
                          std::size_t max_bins = 0);

  /// Adds a finite value >= 0; throws std::domain_error for anything else
  /// (durations are validated before they get here).
  void add(double value);
  /// Adds everything `other` holds; throws std::invalid_argument if the two
  /// were made with different accuracies or caps. Order of merges does not matter.
  void merge(const QuantileSketch& other);

  std::uint64_t count() const noexcept { return count_; }
  /// Exact; only meaningful when count() > 0.
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }

  /// The value of rank ceil(q · count) in ascending order (rank 1 for q = 0),
  /// exactly while count() <= EXACT_VALUES, else within relative_accuracy()
  /// of it, and always within [min(), max()]. Requires count() > 0 and q in [0, 1].
  double quantile(double q) const;
  /// The same rank of a few values kept as they are, exactly (what quantile
  /// answers while count() <= EXACT_VALUES). Requires values and q in [0, 1].
  static double exact_quantile(std::vector<double> values, double q);

  double relative_accuracy() const noexcept { return accuracy_; }
  std::size_t max_bins() const noexcept { return max_bins_; }
  /// Bins in the array, zero bin excluded (none while count() <= EXACT_VALUES):
  /// the sketch's memory is about 8 bytes per bin.
  std::size_t bin_count() const noexcept { return bins_.size(); }

 private:
  int key_of(double value) const;
  double value_of(int key) const;
  // Makes the array hold keys low..high, collapsing the lowest past max_bins_.
  void cover(int low, int high);
  // Counts `n` values of bin `key` (a value's, or another sketch's bin).
  void bin(int key, std::uint64_t n);
  // Counts one value in the bins.
  void bin_value(double value);
  // Moves the exact values into the bins, once there are more than EXACT_VALUES.
  void bin_exact_values();

  double accuracy_;
  std::size_t max_bins_;
  double log_gamma_;  // ln γ
  double inverse_log_gamma_;
  double midpoint_factor_;  // 2 / (1 + γ): where in (γ^(k-1), γ^k] a bin answers
  std::uint64_t count_ = 0;
  std::uint64_t zeros_ = 0;
  double min_ = 0;
  double max_ = 0;
  int first_key_ = 0;  // key of bins_[0]
  std::vector<std::uint64_t> bins_;
  std::vector<double> exact_;  // every value while count_ <= EXACT_VALUES, and no bins
};

}  // namespace runner_metrics
