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

/// The offset of the first byte of `text` that is not part of a well-formed
/// UTF-8 sequence, or text.size() if there is none.
std::size_t first_invalid_utf8(std::string_view text);

}  // namespace runner_metrics
