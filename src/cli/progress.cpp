// SPDX-License-Identifier: Apache-2.0
#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace runner_metrics::cli {

namespace {
constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kWidth = 20;
}  // namespace

std::string progress_line(std::uint64_t done, std::uint64_t total, double seconds) {
  // A log still being appended to can outgrow the size it had at the start.
  done = std::min(done, total);
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
  const int filled = static_cast<int>(fraction * kWidth);
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string eta = "-:--";
  if (rate > 0) {
    const auto left = static_cast<long>(static_cast<double>(total - done) / rate + 0.5);
    eta = fmt::format("{}:{:02}", left / 60, left % 60);
  }
  return fmt::format("{:6.1f}/{:.1f} MiB [{}{}] {:3.0f}%  {:.1f} MiB/s  ETA {}",
                     static_cast<double>(done) / kMiB, static_cast<double>(total) / kMiB,
                     std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(kWidth - filled), '.'), fraction * 100,
                     rate / kMiB, eta);
}

ProgressBar::ProgressBar()
    : terminal_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (drawn_) fmt::print(stderr, "\r\x1b[K");
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  if (!terminal_ || total <= PROGRESS_MIN_BYTES) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  fmt::print(stderr, "\r{}\x1b[K", progress_line(done, total, seconds));
  std::fflush(stderr);
  drawn_ = true;
}

std::function<void(std::uint64_t, std::uint64_t)> ProgressBar::callback() {
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

}  // namespace runner_metrics::cli
