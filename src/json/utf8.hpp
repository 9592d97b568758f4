// SPDX-License-Identifier: Apache-2.0
// What the project takes for UTF-8, in one place: well-formed sequences only
// (no overlong forms, no surrogates, nothing past U+10FFFF), as Python's
// decoder reads them. The writer escapes text by it, and the parser names
// the member holding a line's first bad byte by it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace runner_metrics::detail {

/// Decodes the UTF-8 sequence starting at text[i] (a byte >= 0x80). Returns
/// its length with `code_point` set, or 0 if it is not well-formed.
inline std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const auto continuation = [&](std::size_t k) {
    return i + k < text.size() && (byte(k) & 0xC0) == 0x80;
  };
  const std::uint8_t lead = byte(0);
  if (lead >= 0xC2 && lead <= 0xDF) {
    if (!continuation(1)) return 0;
    code_point = (lead & 0x1Fu) << 6 | (byte(1) & 0x3Fu);
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    code_point = (lead & 0x0Fu) << 12 | (byte(1) & 0x3Fu) << 6 | (byte(2) & 0x3Fu);
    if (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    code_point =
        (lead & 0x07u) << 18 | (byte(1) & 0x3Fu) << 12 | (byte(2) & 0x3Fu) << 6 | (byte(3) & 0x3Fu);
    if (code_point < 0x10000 || code_point > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

/// The offset of the first byte of `text` that is not part of a well-formed
/// UTF-8 sequence, or text.size() if there is none.
inline std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<std::uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::uint32_t code_point = 0;
    const std::size_t length = decode_utf8(text, i, code_point);
    if (length == 0) return i;
    i += length;
  }
  return text.size();
}

}  // namespace runner_metrics::detail
