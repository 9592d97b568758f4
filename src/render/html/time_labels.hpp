// SPDX-License-Identifier: Apache-2.0
// Times and durations as the report page labels them.
//
//   bucket_label(1795615200, 300) → "2026-11-25 14:00 – 14:05 UTC"
//   exact_duration(5400) → "5400.0 s (1.50 h)"
#pragma once

#include <cstdint>
#include <string>

namespace runner_metrics::html {

struct Civil {
  int year;
  unsigned month, day;
  long hour, minute;
};

/// UNIX seconds as a UTC calendar date and time of day.
Civil civil(std::int64_t seconds);

/// "2026-11-25".
std::string date_label(const Civil& c);

/// "2026-11-25 14:00 – 14:05 UTC", a bucket's time for a hover title.
std::string bucket_label(std::int64_t start, std::int64_t width);

/// A span of time for people: "45 s", "12.5 min", "6.00 h", "2.4 days".
std::string span_label(double seconds);

/// repr(float), as the log writes numbers.
std::string python_float(double value);

/// Seconds exactly as the log would write them, and for people: "5400.0 s (1.50 h)".
std::string exact_duration(double seconds);

}  // namespace runner_metrics::html
