// SPDX-License-Identifier: Apache-2.0
// Times and widths as a person writes them on the command line.
//
//   parse_time("2026-11-25T14:00:00Z") → 1795615200.0
//   parse_interval("15min") → 900
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace runner_metrics {

/// A time given on the command line: UNIX seconds in JSON number syntax
/// ("1764079200", "1.7e9") or ISO 8601 ("2026-11-25", midnight UTC;
/// "2026-11-25T14:00:00Z", "2026-11-25T16:00:00.5+02:00"; no offset is UTC).
///
///   parse_time("yesterday") → nullopt
std::optional<double> parse_time(std::string_view text);

/// A bucket width: a positive whole number of seconds, alone or with a unit
/// s, m or min, h, d ("90", "30s", "5m", "1h", "1d").
///
///   parse_interval("1.5h") → nullopt (whole numbers only)
std::optional<std::int64_t> parse_interval(std::string_view text);

}  // namespace runner_metrics
