// SPDX-License-Identifier: Apache-2.0
#include "json/utf8_blame.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "json/utf8.hpp"

namespace runner_metrics {

std::string utf8_blame(std::string_view line) {
  const std::size_t bad = detail::first_invalid_utf8(line);
  // Walk the JSON tokens up to the bad byte, tracking the member name at
  // each depth of object nesting.
  std::vector<std::string> names(1);
  std::string last_string;
  bool in_string = false;
  bool escaped = false;
  std::size_t string_start = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (i == bad) {
        // The bad byte is inside this string: a member name if a ':' follows.
        const std::size_t after = line.find('"', i);
        std::size_t next = after == std::string_view::npos ? line.size() : after + 1;
        while (next < line.size() && (line[next] == ' ' || line[next] == '\t')) ++next;
        const bool is_name = next < line.size() && line[next] == ':';
        std::string path;
        for (std::size_t depth = 1; depth < names.size() - (is_name ? 1 : 0); ++depth) {
          if (!path.empty()) path += '.';
          path += names[depth];
        }
        if (is_name) {
          std::string partial(line.substr(string_start, i - string_start));
          return path.empty() ? partial + "..." : fmt::format("{}.{}...", path, partial);
        }
        return path;
      }
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        last_string = std::string(line.substr(string_start, i - string_start));
      }
      continue;
    }
    if (i == bad) break;
    switch (c) {
      case '"':
        in_string = true;
        string_start = i + 1;
        break;
      case ':':
        names.back() = last_string;
        break;
      case '{':
        names.emplace_back();
        break;
      case '}':
        if (names.size() > 1) names.pop_back();
        break;
      default:
        break;
    }
  }
  return {};
}

}  // namespace runner_metrics
