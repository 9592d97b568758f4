// SPDX-License-Identifier: Apache-2.0
// The byte-exact pieces of the ancestor's line format: Python's float repr
// and json.dumps' ASCII-only string escaping.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "json/utf8.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::detail {

void append_python_float(std::string& out, double value) {
  // Whole numbers below 2^53 (durations in whole seconds, counts written as
  // floats) are exact, and their shortest form is their digits.
  if (value >= 0 && value < 9007199254740992.0 && value == std::floor(value) &&
      !std::signbit(value)) {
    append_integer(out, static_cast<std::int64_t>(value));
    out += ".0";
    return;
  }
  if (std::signbit(value)) out += '-';
  if (value == 0) {
    out += "0.0";
    return;
  }
  // The shortest digits that read back to the same double, the closest of
  // them to it (as Python's repr finds them), from {fmt}'s Dragonbox: a
  // third of the cost of std::to_chars here. It sits in fmt::detail; the
  // vectors and the Python round-trip tests pin its output.
  const auto decimal = fmt::detail::dragonbox::to_decimal(std::fabs(value));
  std::array<char, 24> digit_buffer{};
  const auto digits_end = std::to_chars(digit_buffer.data(),
                                        digit_buffer.data() + digit_buffer.size(),
                                        decimal.significand)
                              .ptr;
  std::string_view all(digit_buffer.data(),
                       static_cast<std::size_t>(digits_end - digit_buffer.data()));
  int exponent = decimal.exponent;
  while (all.size() > 1 && all.back() == '0') {
    all.remove_suffix(1);
    ++exponent;
  }
  const std::size_t digit_count = all.size();
  // Python places the point by the exponent of the first digit.
  exponent += static_cast<int>(digit_count) - 1;

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

// Whether any of the eight bytes of `word` must be escaped: below 0x20,
// above 0x7E, '"' or '\\'. Bit tricks that test all bytes at once; exact as
// a yes/no answer.
bool any_byte_needs_escape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const auto any_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
  const std::uint64_t non_ascii = word & kHighs;
  return (below_space | non_ascii | any_zero(word ^ (kOnes * 0x7F)) |
          any_zero(word ^ (kOnes * '"')) | any_zero(word ^ (kOnes * '\\'))) != 0;
}

// The end of the run of characters from `i` that stand as themselves.
std::size_t plain_run_end(std::string_view text, std::size_t i) {
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if (any_byte_needs_escape(word)) break;
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<std::uint8_t>(text[i]);
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') break;
  }
  return i;
}

}  // namespace

bool append_ascii_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the run of characters that stand as themselves in one append.
    const std::size_t run = plain_run_end(text, i);
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
