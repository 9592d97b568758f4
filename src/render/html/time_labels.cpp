// SPDX-License-Identifier: Apache-2.0
#include "render/html/time_labels.hpp"

#include <fmt/format.h>

#include <chrono>

#include "render/summary_format.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::html {

using detail::human_duration;

std::string python_float(double value) {
  std::string out;
  detail::append_python_float(out, value);
  return out;
}

// Seconds exactly as the log would write them, and for people: "5400.0 s (1.50 h)".
std::string exact_duration(double seconds) {
  std::string text = python_float(seconds) + " s";
  if (seconds >= 60) text += " (" + human_duration(seconds) + ")";
  return text;
}

Civil civil(std::int64_t seconds) {
  using namespace std::chrono;
  const sys_seconds time{std::chrono::seconds{seconds}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  return {int{date.year()}, unsigned{date.month()}, unsigned{date.day()}, clock.hours().count(),
          clock.minutes().count()};
}

std::string date_label(const Civil& c) {
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

// "2026-11-25 14:00 – 14:05 UTC", a bucket's time for a hover title.
std::string bucket_label(std::int64_t start, std::int64_t width) {
  const Civil a = civil(start);
  const Civil b = civil(start + width);
  const std::string from = fmt::format("{} {:02}:{:02}", date_label(a), a.hour, a.minute);
  if (width % 60 != 0) {
    return fmt::format("{}:{:02} + {} s UTC", from, start % 60, width);
  }
  if (a.year == b.year && a.month == b.month && a.day == b.day) {
    return fmt::format("{} \u2013 {:02}:{:02} UTC", from, b.hour, b.minute);
  }
  return fmt::format("{} \u2013 {} {:02}:{:02} UTC", from, date_label(b), b.hour, b.minute);
}

// A span of time for people: "45 s", "12.5 min", "6.00 h", "2.4 days".
std::string span_label(double seconds) {
  if (seconds < 2 * 86400) return human_duration(seconds);
  return fmt::format("{:.1f} days", seconds / 86400);
}

}  // namespace runner_metrics::html
