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

YScale count_scale(double max, std::string title, double min) {
  YScale scale = nice_scale(std::max(max, -min), true);
  scale.top = std::ceil(std::max(max, 0.0) / scale.step - 1e-9) * scale.step;
  if (scale.top == 0) scale.top = scale.step;
  scale.bottom = min < 0 ? -std::ceil(-min / scale.step - 1e-9) * scale.step : 0;
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

namespace {

// Round durations for a log axis, about a factor of 10 apart, in seconds.
std::vector<YTick> round_durations() {
  std::vector<YTick> out;
  for (int e = -323; e <= -4; ++e) out.push_back({std::pow(10.0, e), fmt::format("1e{} s", e)});
  const std::pair<double, const char*> named[] = {
      {0.001, "1 ms"}, {0.01, "10 ms"},   {0.1, "100 ms"},  {1, "1 s"},     {10, "10 s"},
      {60, "1 min"},   {600, "10 min"},   {3600, "1 h"},    {21600, "6 h"}, {86400, "1 d"},
      {604800, "1 w"}, {2592000, "30 d"}, {31536000, "1 y"}};
  for (const auto& [value, label] : named) out.push_back({value, label});
  for (int e = 1; e <= 300; ++e) {
    out.push_back({31536000 * std::pow(10.0, e),
                   e <= 4 ? fmt::format("{:.0f} y", std::pow(10.0, e)) : fmt::format("1e{} y", e)});
  }
  return out;
}

}  // namespace

YScale duration_scale(double min_positive, double max_seconds) {
  if (!(min_positive > 0) || !(max_seconds / min_positive >= LOG_SCALE_RATIO)) {
    return duration_scale(max_seconds);
  }
  static const std::vector<YTick> rounds = round_durations();
  // The bottom: the largest round duration <= min_positive; the top: the
  // smallest >= max_seconds (or the ends of the list).
  std::size_t bottom = 0;
  while (bottom + 1 < rounds.size() && rounds[bottom + 1].value <= min_positive) ++bottom;
  std::size_t top = bottom;
  while (top + 1 < rounds.size() && rounds[top].value < max_seconds) ++top;
  YScale scale;
  scale.log = true;
  scale.low = std::log10(rounds[bottom].value);
  scale.high = std::log10(rounds[top].value);
  scale.title = "log scale";
  // At most 8 ticks: every k-th from the top, so the top is labelled.
  const std::size_t n = top - bottom + 1;
  const std::size_t every = (n + 7) / 8;
  for (std::size_t i = top + 1; i-- > bottom;) {
    if ((top - i) % every == 0) scale.ticks.insert(scale.ticks.begin(), rounds[i]);
  }
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
