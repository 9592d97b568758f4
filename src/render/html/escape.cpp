// SPDX-License-Identifier: Apache-2.0
#include "render/html/escape.hpp"

#include <fmt/format.h>

#include <iterator>

namespace runner_metrics::html {

void escape_to(std::string& out, std::string_view text, bool keep_newlines) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_newlines) {
      out += '\n';
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else if (c == 0xc2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) < 0xa0) {
          // U+0080 to U+009F, the C1 controls (the text is valid UTF-8).
          fmt::format_to(std::back_inserter(out), "\\u{:04x}",
                         static_cast<unsigned char>(text[++i]));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

std::string escape(std::string_view text) {
  std::string out;
  escape_to(out, text);
  return out;
}

}  // namespace runner_metrics::html
