// SPDX-License-Identifier: Apache-2.0
#include "render/html/scales.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <utility>

#include "render/html/time_labels.hpp"

namespace runner_metrics::html {

YScale nice_scale(double max, bool whole) {
  YScale scale;
  if (!(max > 0)) return scale;
  const double rough = max / 5;
  int exponent = static_cast<int>(std::floor(std::log10(rough)));
  double mantissa = 1;
  const double base = std::pow(10.0, exponent);
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    mantissa = m;
    if (m * base >= rough) break;
  }
  if (mantissa == 10) {
    mantissa = 1;
    ++exponent;
  }
  scale.step = mantissa * std::pow(10.0, exponent);
  if (whole && scale.step < 1) {
    scale.step = 1;
    exponent = 0;
  }
  scale.decimals = std::min(std::max(0, -exponent), 6);
  scale.top = std::ceil(max / scale.step - 1e-9) * scale.step;
  return scale;
}

YScale count_scale(double max, std::string title) {
  YScale scale = nice_scale(max, true);
  scale.title = std::move(title);
  return scale;
}

YScale duration_scale(double max_seconds) {
  max_seconds = std::max(max_seconds, 0.001);  // a millisecond at least: readable ticks
  double unit = 1;
  std::string title = "seconds";
  if (max_seconds >= 7200) {
    unit = 3600;
    title = "hours";
  } else if (max_seconds >= 120) {
    unit = 60;
    title = "minutes";
  }
  YScale scale = nice_scale(max_seconds / unit, false);
  scale.unit = unit;
  scale.title = std::move(title);
  return scale;
}

std::vector<TimeTick> time_ticks(const XScale& x) {
  const std::int64_t start = x.first * x.width;
  const std::int64_t end = (x.last + 1) * x.width;
  const double max_ticks = kPlotWidth / 130;
  static constexpr std::array<std::int64_t, 15> kSteps = {60,    120,   300,    600,    900,
                                                          1800,  3600,  7200,   10800,  21600,
                                                          43200, 86400, 172800, 604800, 1209600};
  std::vector<TimeTick> ticks;
  for (const std::int64_t step : kSteps) {
    if (static_cast<double>(end - start) / static_cast<double>(step) > max_ticks) continue;
    // Weeks start on Mondays (1970-01-01 was a Thursday).
    const std::int64_t offset = step >= 604800 ? 4 * 86400 : 0;
    std::int64_t at = (start - offset + step - 1) / step * step + offset;
    if (at < start) at += step;
    std::string previous_date;
    for (; at <= end; at += step) {
      const Civil c = civil(at);
      TimeTick tick{at, {}, {}};
      if (step < 86400) {
        tick.label = fmt::format("{:02}:{:02}", c.hour, c.minute);
        const std::string date = date_label(c);
        if (date != previous_date) tick.second_line = date;
        previous_date = date;
      } else {
        tick.label = date_label(c);
      }
      ticks.push_back(std::move(tick));
    }
    return ticks;
  }
  // Months, then years.
  const Civil from = civil(start);
  const double span_months = static_cast<double>(end - start) / (30.44 * 86400);
  int months = 1;
  for (const int candidate : {1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000}) {
    months = candidate;
    if (span_months / candidate <= max_ticks) break;
  }
  int index = from.year * 12 + static_cast<int>(from.month) - 1;
  index = (index + months - 1) / months * months;
  for (;; index += months) {
    using namespace std::chrono;
    const year_month_day date{year{index / 12}, month{static_cast<unsigned>(index % 12 + 1)},
                              day{1}};
    const std::int64_t at = std::int64_t{sys_days{date}.time_since_epoch().count()} * 86400;
    if (at > end) break;
    if (at < start) continue;
    ticks.push_back({at,
                     months >= 12 ? fmt::format("{:04}", index / 12)
                                  : fmt::format("{:04}-{:02}", index / 12, index % 12 + 1),
                     {}});
  }
  return ticks;
}

}  // namespace runner_metrics::html
