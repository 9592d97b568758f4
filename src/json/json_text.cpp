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

char* write_integer(char* out, std::int64_t value) {
  return std::to_chars(out, out + kMaxIntegerBytes, value).ptr;
}

namespace {

constexpr std::array<double, 7> kPowersOfTen = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};

// Python's repr of `value` (positive) if it has at most six decimals and 15
// significant digits, like most timestamps and durations (123.25, 0.5), or
// nullptr. If N / 10^d (a correctly rounded division of exact doubles) is
// `value`, then "N·10^-d" reads back as `value`; with 15 significant digits
// or fewer no other decimal of as few digits does (DBL_DIG), so the one with
// the fewest decimals is the shortest repr, and Dragonbox is not needed.
char* write_few_decimals(char* out, double value) {
  if (value < 1e-4 || value >= 1e15) return nullptr;  // repr's exponent form, or too many digits
  for (std::size_t decimals = 1; decimals < kPowersOfTen.size(); ++decimals) {
    const double scaled = value * kPowersOfTen[decimals];
    if (scaled >= 1e15) return nullptr;
    if (scaled != std::floor(scaled)) continue;
    if (scaled / kPowersOfTen[decimals] != value) return nullptr;  // not this decimal's double
    std::array<char, 24> digit_buffer{};
    const char* const digits_end =
        std::to_chars(digit_buffer.data(), digit_buffer.data() + digit_buffer.size(),
                      static_cast<std::uint64_t>(scaled))
            .ptr;
    // A last decimal 0 means the product was rounded onto the integer: leave
    // that to Dragonbox rather than prove it harmless.
    if (digits_end[-1] == '0') return nullptr;
    const auto digit_count = static_cast<std::size_t>(digits_end - digit_buffer.data());
    if (digit_count <= decimals) {  // 0.05: "0." and zeros before the digits
      *out++ = '0';
      *out++ = '.';
      std::memset(out, '0', decimals - digit_count);
      out += decimals - digit_count;
      std::memcpy(out, digit_buffer.data(), digit_count);
      return out + digit_count;
    }
    const std::size_t whole = digit_count - decimals;
    std::memcpy(out, digit_buffer.data(), whole);
    out += whole;
    *out++ = '.';
    std::memcpy(out, digit_buffer.data() + whole, decimals);
    return out + decimals;
  }
  return nullptr;
}

}  // namespace

char* write_python_float(char* out, double value) {
  // Whole numbers below 2^53 (durations in whole seconds, counts written as
  // floats) are exact, and their shortest form is their digits.
  if (value >= 0 && value < 9007199254740992.0 && value == std::floor(value) &&
      !std::signbit(value)) {
    out = write_integer(out, static_cast<std::int64_t>(value));
    *out++ = '.';
    *out++ = '0';
    return out;
  }
  if (std::signbit(value)) *out++ = '-';
  if (value == 0) {
    std::memcpy(out, "0.0", 3);
    return out + 3;
  }
  if (char* const end = write_few_decimals(out, std::fabs(value))) return end;
  // The shortest digits that read back to the same double, the closest of
  // them to it (as Python's repr finds them), from {fmt}'s Dragonbox: a
  // third of the cost of std::to_chars here. It sits in fmt::detail; the
  // vectors and the Python round-trip tests pin its output.
  const auto decimal = fmt::detail::dragonbox::to_decimal(std::fabs(value));
  std::array<char, 24> digit_buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const char* digits = digit_buffer.data();
  const char* digits_end =
      std::to_chars(digit_buffer.data(), digit_buffer.data() + digit_buffer.size(),
                    decimal.significand)
          .ptr;
  int exponent = decimal.exponent;
  while (digits_end - digits > 1 && digits_end[-1] == '0') {
    --digits_end;
    ++exponent;
  }
  const auto digit_count = static_cast<std::size_t>(digits_end - digits);
  // Python places the point by the exponent of the first digit.
  exponent += static_cast<int>(digit_count) - 1;

  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      const auto zeros = static_cast<std::size_t>(-exponent - 1);
      *out++ = '0';
      *out++ = '.';
      std::memset(out, '0', zeros);
      out += zeros;
      std::memcpy(out, digits, digit_count);
      return out + digit_count;
    }
    const auto int_digits = static_cast<std::size_t>(exponent) + 1;
    if (digit_count <= int_digits) {
      std::memcpy(out, digits, digit_count);
      out += digit_count;
      std::memset(out, '0', int_digits - digit_count);
      out += int_digits - digit_count;
      *out++ = '.';
      *out++ = '0';
      return out;
    }
    std::memcpy(out, digits, int_digits);
    out += int_digits;
    *out++ = '.';
    std::memcpy(out, digits + int_digits, digit_count - int_digits);
    return out + (digit_count - int_digits);
  }
  *out++ = digits[0];
  if (digit_count > 1) {
    *out++ = '.';
    std::memcpy(out, digits + 1, digit_count - 1);
    out += digit_count - 1;
  }
  *out++ = 'e';
  *out++ = exponent < 0 ? '-' : '+';
  const int magnitude = exponent < 0 ? -exponent : exponent;
  if (magnitude < 10) *out++ = '0';
  return std::to_chars(out, out + 3, magnitude).ptr;
}

void append_python_float(std::string& out, double value) {
  std::array<char, kMaxFloatBytes> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  out.append(buffer.data(), write_python_float(buffer.data(), value));
}

void append_integer(std::string& out, std::int64_t value) {
  std::array<char, kMaxIntegerBytes> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  out.append(buffer.data(), write_integer(buffer.data(), value));
}

namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

char* write_u_escape(char* out, std::uint32_t unit) {
  out[0] = '\\';
  out[1] = 'u';
  out[2] = kHex[(unit >> 12) & 0xF];
  out[3] = kHex[(unit >> 8) & 0xF];
  out[4] = kHex[(unit >> 4) & 0xF];
  out[5] = kHex[unit & 0xF];
  return out + 6;
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

char* write_ascii_json_string(char* out, std::string_view text) {
  *out++ = '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the run of characters that stand as themselves in one go.
    const std::size_t run = plain_run_end(text, i);
    std::memcpy(out, text.data() + i, run - i);
    out += run - i;
    i = run;
    if (i == text.size()) break;

    const auto c = static_cast<std::uint8_t>(text[i]);
    const char* short_escape = nullptr;
    switch (c) {
      case '"':
        short_escape = "\\\"";
        break;
      case '\\':
        short_escape = "\\\\";
        break;
      case '\n':
        short_escape = "\\n";
        break;
      case '\r':
        short_escape = "\\r";
        break;
      case '\t':
        short_escape = "\\t";
        break;
      case '\b':
        short_escape = "\\b";
        break;
      case '\f':
        short_escape = "\\f";
        break;
      default:
        break;
    }
    if (short_escape != nullptr) {
      out[0] = short_escape[0];
      out[1] = short_escape[1];
      out += 2;
      ++i;
    } else if (c < 0x80) {
      out = write_u_escape(out, c);  // other controls and DEL
      ++i;
    } else {
      std::uint32_t code_point = 0;
      const std::size_t length = decode_utf8(text, i, code_point);
      if (length == 0) return nullptr;
      if (code_point > 0xFFFF) {
        const std::uint32_t offset = code_point - 0x10000;
        out = write_u_escape(out, 0xD800 + (offset >> 10));
        out = write_u_escape(out, 0xDC00 + (offset & 0x3FF));
      } else {
        out = write_u_escape(out, code_point);
      }
      i += length;
    }
  }
  *out++ = '"';
  return out;
}

bool append_ascii_json_string(std::string& out, std::string_view text) {
  const std::size_t start = out.size();
  out.resize(start + max_json_string_bytes(text.size()));
  char* const end = write_ascii_json_string(out.data() + start, text);
  if (end == nullptr) return false;
  out.resize(static_cast<std::size_t>(end - out.data()));
  return true;
}

void throw_invalid(std::string_view parent, std::string_view field, std::string_view problem) {
  throw ValidationError(parent.empty() ? std::string(field) : fmt::format("{}.{}", parent, field),
                        problem);
}

void throw_line_too_long(std::string_view field, std::size_t size) {
  throw ValidationError(
      std::string(field),
      fmt::format("makes the line {} bytes, over the {}-byte limit", size, MAX_LINE_BYTES));
}

}  // namespace runner_metrics::detail
