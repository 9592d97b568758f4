// SPDX-License-Identifier: Apache-2.0
// A progress bar for reading logs, on standard error, only where a person
// is watching: stderr is a terminal and the input is more than 64 MiB.
//
//   ProgressBar bar;
//   options.progress = bar.callback();
//   → \r  81.2/350.0 MiB [#####...............]  23%  410.7 MiB/s  ETA 0:01
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace runner_metrics::cli {

inline constexpr std::uint64_t PROGRESS_MIN_BYTES = std::uint64_t{64} * 1024 * 1024;

class ProgressBar {
 public:
  ProgressBar();
  /// Clears the bar's line, so what follows starts at the left margin.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::uint64_t done, std::uint64_t total);
  std::function<void(std::uint64_t, std::uint64_t)> callback();

 private:
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

/// The bar's text for `done` of `total` bytes after `seconds`.
std::string progress_line(std::uint64_t done, std::uint64_t total, double seconds);

}  // namespace runner_metrics::cli
