// SPDX-License-Identifier: Apache-2.0
// A command-line flag's value, read as the same field is read from a JSON
// line (format.md §3): `--duration 1e400` and `"duration": 1e400` fail alike.
//
//   double seconds = 0;
//   parse_flag_value("42.5", seconds, "duration", Range::NonNegative);
//   → nullopt, seconds == 42.5
//   parse_flag_value("01", seconds, "duration", Range::NonNegative);
//   → FlagValueProblem{.field = "duration", .problem = "is not a JSON number"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runner_metrics/description.hpp"

namespace runner_metrics {

/// Why a flag's value was refused.
struct FlagValueProblem {
  std::string field;    ///< The `name` given: "duration", "status_info.code".
  std::string problem;  ///< "is not a JSON number", "must be >= 0", ...
};

/// Reads `text`, exactly one JSON number (no whitespace around it), into
/// `value` by the rules of a field named `name` with `range`. An optional
/// field also takes `null`, which leaves it empty. Returns nullopt when read;
/// otherwise the problem, and `value` is unspecified.
[[nodiscard]] std::optional<FlagValueProblem> parse_flag_value(std::string_view text, double& value,
                                                               std::string_view name, Range range);
[[nodiscard]] std::optional<FlagValueProblem> parse_flag_value(std::string_view text,
                                                               std::int64_t& value,
                                                               std::string_view name, Range range);
[[nodiscard]] std::optional<FlagValueProblem> parse_flag_value(std::string_view text,
                                                               std::optional<double>& value,
                                                               std::string_view name, Range range);
[[nodiscard]] std::optional<FlagValueProblem> parse_flag_value(std::string_view text,
                                                               std::optional<std::int64_t>& value,
                                                               std::string_view name, Range range);

}  // namespace runner_metrics
