// SPDX-License-Identifier: Apache-2.0
// The command sees this function, not the decoder behind it: simdjson stays
// inside the library.
#include "runner_metrics/flag_value.hpp"

#include <utility>

#include "parse/value_decoder.hpp"

namespace runner_metrics {

namespace {

template <class Member>
std::optional<FlagValueProblem> read_flag(std::string_view text, Member& value,
                                          std::string_view name, Range range) {
  detail::Failure failure;
  if (detail::decode_json_text(text, value, name, range, failure)) return std::nullopt;
  return FlagValueProblem{std::move(failure.field), std::move(failure.problem)};
}

}  // namespace

std::optional<FlagValueProblem> parse_flag_value(std::string_view text, double& value,
                                                 std::string_view name, Range range) {
  return read_flag(text, value, name, range);
}

std::optional<FlagValueProblem> parse_flag_value(std::string_view text, std::int64_t& value,
                                                 std::string_view name, Range range) {
  return read_flag(text, value, name, range);
}

std::optional<FlagValueProblem> parse_flag_value(std::string_view text,
                                                 std::optional<double>& value,
                                                 std::string_view name, Range range) {
  return read_flag(text, value, name, range);
}

std::optional<FlagValueProblem> parse_flag_value(std::string_view text,
                                                 std::optional<std::int64_t>& value,
                                                 std::string_view name, Range range) {
  return read_flag(text, value, name, range);
}

}  // namespace runner_metrics
