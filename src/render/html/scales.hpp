// SPDX-License-Identifier: Apache-2.0
// The geometry of a chart: the plot's box in the SVG's coordinates, the y
// axis (counts or durations) and the x axis (buckets of time), with ticks at
// round values and round times.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace runner_metrics::html {

inline constexpr double kWidth = 1120;
inline constexpr double kHeight = 280;
inline constexpr double kLeft = 64;
inline constexpr double kRight = 20;
inline constexpr double kTop = 14;
inline constexpr double kBottom = 46;
inline constexpr double kPlotWidth = kWidth - kLeft - kRight;
inline constexpr double kPlotHeight = kHeight - kTop - kBottom;

struct YTick {
  double value;  // in the axis' unit
  std::string label;
};

// A y axis from `bottom` (0, or below for a series that goes negative) to
// `top`, ticks every `step`, in `unit` seconds (1 for counts); or, when
// `log`, from 10^low to 10^high seconds, ticks at `ticks`.
struct YScale {
  double top = 1;
  double bottom = 0;
  double step = 1;
  int decimals = 0;
  double unit = 1;
  std::string title;
  bool log = false;
  double low = 0;   // log10 of the bottom, in seconds
  double high = 1;  // log10 of the top
  std::vector<YTick> ticks;

  double y(double value) const {
    if (!log) return kTop + kPlotHeight * (1 - (value / unit - bottom) / (top - bottom));
    // 0 (and anything under the bottom) sits on the axis; nothing goes above the top.
    const double at = value > 0 ? std::clamp(std::log10(value), low, high) : low;
    return kTop + kPlotHeight * (1 - (at - low) / (high - low));
  }
};

/// 1, 2 or 5 times a power of ten, so that about five steps reach `max`.
YScale nice_scale(double max, bool whole);
/// Counts from 0 (or from `min`, when it is negative) to `max`.
YScale count_scale(double max, std::string title, double min = 0);
/// In seconds, minutes or hours, whichever reads best for `max_seconds`.
YScale duration_scale(double max_seconds);
/// Where the values span at least LOG_SCALE_RATIO (a decade and a half: a p50
/// of 20 s under a max of 10 min would be 3% of a linear axis), a log axis
/// from a round duration at or below `min_positive` to one at or above
/// `max_seconds`, ticks at round durations ("1 s", "1 min", "1 h"); else
/// duration_scale(max_seconds).
inline constexpr double LOG_SCALE_RATIO = 30;
YScale duration_scale(double min_positive, double max_seconds);

// The x axis: buckets first..last, each kPlotWidth / n wide.
struct XScale {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t width = 60;  // seconds per bucket

  std::int64_t buckets() const { return last - first + 1; }
  double bucket_width() const { return kPlotWidth / static_cast<double>(buckets()); }
  double left(std::int64_t key) const {
    return kLeft + static_cast<double>(key - first) * bucket_width();
  }
  double center(std::int64_t key) const { return left(key) + bucket_width() / 2; }
  double x_of_time(double seconds) const {
    const double start = static_cast<double>(first * width);
    const double span = static_cast<double>(buckets() * width);
    return kLeft + (seconds - start) / span * kPlotWidth;
  }
};

struct TimeTick {
  std::int64_t at;
  std::string label;
  std::string second_line;  // the date under a time of day, when it changes
};

/// Ticks at round times, no closer than about 130 px.
std::vector<TimeTick> time_ticks(const XScale& x);

}  // namespace runner_metrics::html
