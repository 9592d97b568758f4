// SPDX-License-Identifier: Apache-2.0
// Naming the member that holds a line's invalid UTF-8. simdjson checks UTF-8
// for the whole line before anything else, so its error names no field.
#pragma once

#include <string>
#include <string_view>

namespace runner_metrics {

/// The name of the member whose name or string value holds the first byte
/// of `line` that is not valid UTF-8 ("status_info.code" inside a nested
/// object), or empty if that byte is outside any member.
std::string utf8_blame(std::string_view line);

}  // namespace runner_metrics
