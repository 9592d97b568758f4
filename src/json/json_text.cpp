// SPDX-License-Identifier: Apache-2.0
// The byte-exact pieces of the ancestor's line format: Python's float repr
// and json.dumps' ASCII-only string escaping.
#include "json/json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "json/utf8.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::detail {

char* write_integer(char* out, std::int64_t value) {
  return std::to_chars(out, out + kMaxIntegerBytes, value).ptr;
}

namespace {

constexpr std::array<double, 7> kPowersOfTen = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};

constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (std::size_t i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// Writes the digits of `n` so that they end just before `end`, two at a
// time; returns where they start.
char* write_digits_backwards(char* end, std::uint64_t n) {
  while (n >= 100) {
    const std::uint64_t pair = n % 100;
    n /= 100;
    end -= 2;
    std::memcpy(end, &kDigitPairs[pair * 2], 2);
  }
  if (n >= 10) {
    end -= 2;
    std::memcpy(end, &kDigitPairs[n * 2], 2);
  } else {
    *--end = static_cast<char>('0' + n);
  }
  return end;
}

constexpr std::array<std::uint64_t, 20> kPowersOfTenInt = [] {
  std::array<std::uint64_t, 20> powers{};
  std::uint64_t power = 1;
  for (std::uint64_t& p : powers) {
    p = power;
    power *= 10;
  }
  return powers;
}();

// How many decimal digits `n` has (1 for 0). The digits are then written
// backwards straight into place: building them elsewhere and copying them
// costs more (the copy's load waits for the digit stores to retire).
std::size_t digit_count(std::uint64_t n) {
  // bit_width · log10(2) is the digit count or one more.
  n |= 1;  // 0 has a digit, as 1 does
  const auto guess = (static_cast<std::size_t>(std::bit_width(n)) * 1233) >> 12;
  return guess + 1 - static_cast<std::size_t>(n < kPowersOfTenInt[guess]);
}

// "N.0" for a whole number N.
char* write_whole_float(char* out, std::uint64_t whole) {
  char* const end = out + digit_count(whole);
  write_digits_backwards(end, whole);
  end[0] = '.';
  end[1] = '0';
  return end + 2;
}

// `scaled` / 10^decimals in fixed point, all `decimals` written: 0.05 for 5
// and 2.
char* write_fixed_point(char* out, std::uint64_t scaled, std::size_t decimals) {
  const std::size_t digits = std::max(digit_count(scaled), decimals + 1);  // 0.05: a leading 0
  char* const end = out + digits + 1;
  char* point = end;
  for (std::size_t k = 0; k < decimals; ++k) {
    *--point = static_cast<char>('0' + scaled % 10);
    scaled /= 10;
  }
  *--point = '.';
  write_digits_backwards(point, scaled);
  return end;
}

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
    // scaled < 10^15 < 2^63: the conversion truncates, and gives scaled
    // back only if scaled is whole.
    const auto digits = static_cast<std::uint64_t>(scaled);
    if (static_cast<double>(digits) != scaled) continue;
    if (scaled / kPowersOfTen[decimals] != value) return nullptr;  // not this decimal's double
    // A last decimal 0 means the product was rounded onto the integer: leave
    // that to Dragonbox rather than prove it harmless.
    if (digits % 10 == 0) return nullptr;
    return write_fixed_point(out, digits, decimals);
  }
  return nullptr;
}

// Python's repr of `value`, which is >= 0 (+0.0 included) and finite.
char* write_non_negative_float(char* out, double value) {
  // Whole numbers below 2^53 (durations in whole seconds, counts written as
  // floats) are exact, and their shortest form is their digits.
  if (value < 9007199254740992.0) {
    const auto whole = static_cast<std::uint64_t>(value);
    if (static_cast<double>(whole) == value) return write_whole_float(out, whole);
    if (char* const end = write_few_decimals(out, value)) return end;
  }
  return write_python_float_shortest(out, value);
}

}  // namespace

char* write_python_float(char* out, double value) {
  if (std::signbit(value)) {
    *out++ = '-';
    return write_non_negative_float(out, -value);
  }
  return write_non_negative_float(out, value);
}

char* write_python_float_shortest(char* out, double value) {
  if (std::signbit(value)) *out++ = '-';
  if (value == 0) {
    out[0] = '0';
    out[1] = '.';
    out[2] = '0';
    return out + 3;
  }
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

bool stands_as_itself(std::uint8_t c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'; }

// Writes the escape of the character starting at text[i] (one that does not
// stand as itself) and moves `i` past it; nullptr if it is not valid UTF-8.
char* write_escape(char* out, std::string_view text, std::size_t& i) {
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
    ++i;
    return out + 2;
  }
  if (c < 0x80) {
    ++i;
    return write_u_escape(out, c);  // other controls and DEL
  }
  std::uint32_t code_point = 0;
  const std::size_t length = decode_utf8(text, i, code_point);
  if (length == 0) return nullptr;
  i += length;
  if (code_point > 0xFFFF) {
    const std::uint32_t offset = code_point - 0x10000;
    out = write_u_escape(out, 0xD800 + (offset >> 10));
    return write_u_escape(out, 0xDC00 + (offset & 0x3FF));
  }
  return write_u_escape(out, code_point);
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
  while (i < text.size() && stands_as_itself(static_cast<std::uint8_t>(text[i]))) ++i;
  return i;
}

// The rest of the string from text[i], closing quote included, when
// text[0, i) already stands at `body` (just after the opening quote).
char* write_escaped_from(char* body, std::string_view text, std::size_t i) {
  char* out = body + i;
  while (i < text.size()) {
    // Copy the run of characters that stand as themselves in one go.
    const std::size_t run = plain_run_end(text, i);
    std::memcpy(out, text.data() + i, run - i);
    out += run - i;
    i = run;
    if (i == text.size()) break;
    out = write_escape(out, text, i);
    if (out == nullptr) return nullptr;
  }
  *out++ = '"';
  return out;
}

std::uint64_t load_word(const char* at) {
  std::uint64_t word = 0;
  std::memcpy(&word, at, sizeof word);
  return word;
}

void store_word(char* at, std::uint64_t word) { std::memcpy(at, &word, sizeof word); }

}  // namespace

// Most text (flavors, repositories, workflow names) needs no escape at all:
// it is checked and copied eight bytes at a time, the last eight bytes
// overlapping the word before them, and the first byte that needs an escape
// hands the rest to write_escaped_from.
char* write_ascii_json_string(char* out, std::string_view text) {
  const char* const in = text.data();
  const std::size_t size = text.size();
  *out = '"';
  char* const body = out + 1;
  if (size >= 8) {
    std::size_t i = 0;
    for (; i + 8 < size; i += 8) {
      const std::uint64_t word = load_word(in + i);
      if (any_byte_needs_escape(word)) return write_escaped_from(body, text, i);
      store_word(body + i, word);
    }
    const std::uint64_t last = load_word(in + size - 8);
    if (any_byte_needs_escape(last)) return write_escaped_from(body, text, i);
    store_word(body + size - 8, last);
  } else if (size >= 4) {
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, in, sizeof head);
    std::memcpy(&tail, in + size - 4, sizeof tail);
    if (any_byte_needs_escape(std::uint64_t{head} | std::uint64_t{tail} << 32)) {
      return write_escaped_from(body, text, 0);
    }
    std::memcpy(body, &head, sizeof head);
    std::memcpy(body + size - 4, &tail, sizeof tail);
  } else {
    return write_escaped_from(body, text, 0);
  }
  body[size] = '"';
  return body + size + 1;
}

char* write_ascii_json_string_bytewise(char* out, std::string_view text) {
  *out++ = '"';
  std::size_t i = 0;
  while (i < text.size()) {
    if (stands_as_itself(static_cast<std::uint8_t>(text[i]))) {
      *out++ = text[i++];
    } else if (out = write_escape(out, text, i); out == nullptr) {
      return nullptr;
    }
  }
  *out++ = '"';
  return out;
}

// Grows `out` by what the text needs, not by room for six bytes a byte: for
// long text, zero-filling that room (and faulting its pages in) cost more
// than the copy. Only the part from the first byte that needs an escape gets
// the worst case.
bool append_ascii_json_string(std::string& out, std::string_view text) {
  const std::size_t plain = plain_run_end(text, 0);
  const std::size_t start = out.size();
  if (plain == text.size()) {
    out += '"';
    out += text;
    out += '"';
    return true;
  }
  out.resize(start + 2 + plain + 6 * (text.size() - plain));
  out[start] = '"';
  char* const body = out.data() + start + 1;
  std::memcpy(body, text.data(), plain);
  char* const end = write_escaped_from(body, text, plain);
  if (end == nullptr) {
    out.resize(start);
    return false;
  }
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
