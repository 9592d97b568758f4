// SPDX-License-Identifier: Apache-2.0
// Metrics logs for the reading tests: single lines with exact values, and
// large random logs with junk among the events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace runner_metrics::testing {

std::string installed_line(double timestamp, const std::string& flavor, double duration);
std::string start_line(double timestamp, const std::string& flavor, double idle,
                       std::optional<double> queue_duration);
std::string stop_line(double timestamp, const std::string& flavor, const std::string& status,
                      double job_duration);
std::string reconciliation_line(double timestamp, const std::string& flavor,
                                std::int64_t crashed_runners, std::int64_t idle_runners,
                                double duration);

struct RandomLogOptions {
  std::size_t lines = 1000;
  std::uint64_t seed = 1;
  /// Also invalid lines (truncated, garbage, Infinity, bad types, CRLF ...)
  /// and events of other types, as format.md §7 counts them.
  bool junk = true;
};

/// A log of `lines` lines over several flavors and statuses, with durations
/// of many magnitudes (zeros included), reconciliations that tie on their
/// timestamp, and timestamps from RANDOM_LOG_START for about 100,000 s.
std::string random_log(const RandomLogOptions& options);
inline constexpr double RANDOM_LOG_START = 1764000000.0;

}  // namespace runner_metrics::testing

namespace runner_metrics::testing {

/// A log of the junk format.md §7 says to count and never crash on: CRLF, a
/// truncated line, binary garbage, Infinity, deep nesting, 1 MiB lines (one
/// valid), a 5 MiB line, an empty line, NaN, an other event, and a last line
/// without "\n".
struct JunkLog {
  std::string text;
  std::uint64_t valid = 0;
  std::uint64_t other = 0;
  std::uint64_t invalid = 0;
  std::uint64_t total() const { return valid + other + invalid; }
};
JunkLog junk_log();

}  // namespace runner_metrics::testing
