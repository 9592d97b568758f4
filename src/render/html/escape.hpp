// SPDX-License-Identifier: Apache-2.0
// Text in the report page: everything that came from the log or the command
// line goes through escape(), so no flavor can open a tag or an attribute.
#pragma once

#include <string>
#include <string_view>

namespace runner_metrics::html {

/// Text as HTML character data or an attribute value: markup characters as
/// references, and control characters (which HTML forbids) as a visible \uXXXX.
/// `keep_newlines` keeps "\n" as it is (a tooltip shows each value on a line).
void escape_to(std::string& out, std::string_view text, bool keep_newlines = false);
std::string escape(std::string_view text);

}  // namespace runner_metrics::html
