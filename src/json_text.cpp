// The byte-exact pieces of the ancestor's line format: Python's float repr
// and json.dumps' ASCII-only string escaping.
#include <array>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "runner_metrics/serialize.hpp"

namespace runner_metrics::detail {

void append_python_float(std::string& out, double value) {
  // Shortest round-trip digits in scientific form ("1.2345e+03", "5e-324"),
  // then laid out as Python's float_repr_style 'short' does.
  std::array<char, 32> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value,
                                    std::chars_format::scientific);
  assert(result.ec == std::errc{});
  const std::string_view text(buf.data(), static_cast<std::size_t>(result.ptr - buf.data()));

  std::size_t pos = 0;
  if (text[0] == '-') {
    out += '-';
    pos = 1;
  }
  const std::size_t e_pos = text.find('e');
  std::array<char, 20> digits{};
  std::size_t digit_count = 0;
  for (std::size_t i = pos; i < e_pos; ++i) {
    if (text[i] != '.') digits[digit_count++] = text[i];
  }
  int exponent = 0;
  {
    const char* first = text.data() + e_pos + 1;
    if (*first == '+') ++first;
    std::from_chars(first, text.data() + text.size(), exponent);
  }
  const std::string_view all(digits.data(), digit_count);

  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += all;
    } else {
      const auto int_digits = static_cast<std::size_t>(exponent) + 1;
      if (digit_count <= int_digits) {
        out += all;
        out.append(int_digits - digit_count, '0');
        out += ".0";
      } else {
        out += all.substr(0, int_digits);
        out += '.';
        out += all.substr(int_digits);
      }
    }
    return;
  }
  out += all[0];
  if (digit_count > 1) {
    out += '.';
    out += all.substr(1);
  }
  fmt::format_to(std::back_inserter(out), "e{}{:02d}", exponent < 0 ? '-' : '+',
                 exponent < 0 ? -exponent : exponent);
}

void append_integer(std::string& out, std::int64_t value) {
  std::array<char, 24> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), result.ptr);
}

namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void append_u_escape(std::string& out, std::uint32_t unit) {
  const std::array<char, 6> escape = {'\\',
                                      'u',
                                      kHex[(unit >> 12) & 0xF],
                                      kHex[(unit >> 8) & 0xF],
                                      kHex[(unit >> 4) & 0xF],
                                      kHex[unit & 0xF]};
  out.append(escape.data(), escape.size());
}

// Decodes one UTF-8 sequence starting at text[i] (a byte >= 0x80). Returns
// its length, or 0 if it is not well-formed (overlong forms, surrogates and
// code points past U+10FFFF are not).
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code_point) {
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
    code_point = (lead & 0x07u) << 18 | (byte(1) & 0x3Fu) << 12 | (byte(2) & 0x3Fu) << 6 |
                 (byte(3) & 0x3Fu);
    if (code_point < 0x10000 || code_point > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

bool append_ascii_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the run of characters that stand as themselves in one append.
    std::size_t run = i;
    while (run < text.size()) {
      const auto c = static_cast<std::uint8_t>(text[run]);
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;

    const auto c = static_cast<std::uint8_t>(text[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x80) {
          append_u_escape(out, c);  // other controls and DEL
        } else {
          std::uint32_t code_point = 0;
          const std::size_t length = decode_utf8(text, i, code_point);
          if (length == 0) return false;
          if (code_point > 0xFFFF) {
            const std::uint32_t offset = code_point - 0x10000;
            append_u_escape(out, 0xD800 + (offset >> 10));
            append_u_escape(out, 0xDC00 + (offset & 0x3FF));
          } else {
            append_u_escape(out, code_point);
          }
          i += length;
          continue;
        }
    }
    ++i;
  }
  out += '"';
  return true;
}

void throw_invalid(std::string_view parent, std::string_view field, std::string_view problem) {
  throw ValidationError(parent.empty() ? std::string(field) : fmt::format("{}.{}", parent, field),
                        problem);
}

void throw_line_too_long(std::string_view field, std::size_t size) {
  throw ValidationError(std::string(field),
                        fmt::format("makes the line {} bytes, over the {}-byte limit", size,
                                    MAX_LINE_BYTES));
}

}  // namespace runner_metrics::detail
