// SPDX-License-Identifier: Apache-2.0
#include "render/summary_format.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace runner_metrics::detail {

std::string short_number(double value) {
  if (value == 0) return "0";
  if (value >= 1e6) return fmt::format("{:.3g}", value);  // not 300 digits for 1e300
  if (value >= 100) return fmt::format("{:.0f}", value);
  if (value >= 10) return fmt::format("{:.1f}", value);
  if (value >= 0.01) return fmt::format("{:.2f}", value);
  return fmt::format("{:.2g}", value);
}

std::string human_duration(double seconds) {
  if (seconds < 60) return short_number(seconds) + " s";
  if (seconds < 3600) return short_number(seconds / 60) + " min";
  return short_number(seconds / 3600) + " h";
}

std::string iso8601(double seconds) {
  if (!std::isfinite(seconds) || std::abs(seconds) > 2.5e11) return fmt::format("{}", seconds);
  using namespace std::chrono;
  const double whole = std::floor(seconds);
  const sys_seconds time{duration_cast<sys_seconds::duration>(duration<double>(whole))};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  std::string text =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", int{date.year()}, unsigned{date.month()},
                  unsigned{date.day()}, clock.hours().count(), clock.minutes().count(),
                  clock.seconds().count());
  if (seconds != whole) {
    std::string fraction = fmt::format("{:.6f}", seconds - whole);  // "0.250000"
    while (fraction.back() == '0') fraction.pop_back();
    text += fraction.substr(1);
  }
  return text + "Z";
}

}  // namespace runner_metrics::detail
