// SPDX-License-Identifier: Apache-2.0
// The first path for reading a line: the bytes exactly as the library's
// writer lays them out (serialize.hpp), read without a JSON parser. Nearly
// every line of a log was written so, and reading one is then a walk over
// known keys: `{"timestamp": `, the number, `, "event": "`, a type's name,
// then each field of that type in its order, `, "name": ` and the value.
//
// It only ever says yes, and only to a narrower grammar than JSON's: no
// whitespace but the writer's, no escape in a string, no byte outside
// printable ASCII, no sign where the field has a range of >= 0, no member
// the type does not have, no `null`, no `Infinity`, every field in its
// place. Any other line, valid or not, goes on to simdjson (tape_decoder.hpp
// and the On-Demand decoder), so what is invalid and why is still theirs to
// say. A number is read correctly rounded, as the On-Demand decoder reads it
// (std::from_chars), and an integer of at most 18 digits cannot overflow: an
// event taken here is the one the parser would have read
// (tests/canonical_line_test.cpp and fuzz/log_line_fuzzer.cpp compare them).
#pragma once

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "parse/event_registry.hpp"
#include "parse/reused_event.hpp"
#include "runner_metrics/description.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::detail {

class CanonicalLine {
 public:
  /// True when `line` (without "\n") is an event of one of Variant's types
  /// in the writer's exact layout: `event` then holds it, timestamp
  /// included. False otherwise, `event` possibly half filled. `line` is
  /// read within its bounds only.
  template <class Variant>
  static bool read(std::string_view line, Variant& event, SpareAlternatives<Variant>& spares) {
    CanonicalLine cursor(line);
    double timestamp = 0;
    std::string_view name;
    if (!cursor.literal<kLineStart.size()>(kLineStart.data()) || !cursor.number(timestamp) ||
        !cursor.literal<kEventKey.size()>(kEventKey.data()) || !cursor.text(name)) {
      return false;
    }
    const std::size_t index = EventRegistry<Variant>::index_of(name);
    if (index == std::variant_npos) return false;
    hold_type(event, index, spares);
    return std::visit(
        [&](auto& e) {
          if (!cursor.members<false>(e) || !cursor.literal<1>("}") || cursor.at_ != cursor.end_) {
            return false;
          }
          e.timestamp = timestamp;
          return true;
        },
        event);
  }

 private:
  explicit CanonicalLine(std::string_view line)
      : at_(line.data()), end_(line.data() + line.size()) {}

  std::size_t left() const { return static_cast<std::size_t>(end_ - at_); }

  // Whether the next N bytes are `expected`'s, compared eight at a time (a
  // last, overlapping load for the rest): memcmp is a call, these are loads.
  template <std::size_t N>
  bool next_is(const char* expected) const {
    if (left() < N) return false;
    const auto word = [](const char* at) {
      std::uint64_t w = 0;
      std::memcpy(&w, at, 8);
      return w;
    };
    if constexpr (N < 8) {
      for (std::size_t i = 0; i < N; ++i) {
        if (at_[i] != expected[i]) return false;
      }
      return true;
    } else {
      std::uint64_t differ = word(at_ + N - 8) ^ word(expected + N - 8);
      for (std::size_t i = 0; i + 8 < N; i += 8) differ |= word(at_ + i) ^ word(expected + i);
      return differ == 0;
    }
  }

  template <std::size_t N>
  bool literal(const char* expected) {
    if (!next_is<N>(expected)) return false;
    at_ += N;
    return true;
  }

  // The key of field I of R (without ", " for a record's first member); nothing
  // is consumed when it is not next, so an optional field may be absent.
  template <Record R, std::size_t I, bool First>
  bool key() {
    constexpr std::size_t lead = First ? 2 : 0;
    return literal<FieldAt<R, I>::key.size() - lead>(FieldAt<R, I>::key.data() + lead);
  }

  // Each field of `record` in its order; an absent optional one is reset.
  template <bool First, Record R>
  bool members(R& record) {
    constexpr auto count = std::tuple_size_v<decltype(R::fields())>;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (member < I, First && I == 0 > (record) && ...);
    }
    (std::make_index_sequence<count>{});
  }

  // Field I of `record`. Only field 0 is taken as a record's first member: a
  // record whose optional first field is absent has its next one first,
  // written without ", ", and that line is left to the parser.
  template <std::size_t I, bool First, Record R>
  bool member(R& record) {
    constexpr auto field = std::get<I>(R::fields());
    auto& member = record.*(field.member);
    using Member = std::remove_cvref_t<decltype(member)>;
    if (!key<R, I, First>()) {
      if constexpr (is_optional_field_v<Member>) {
        member.reset();
        return true;
      } else {
        return false;
      }
    }
    if constexpr (is_optional_field_v<Member>) {
      if (!member) member.emplace();
      return value(*member, field.range);
    } else {
      return value(member, field.range);
    }
  }

  bool value(double& member, Range) { return number(member); }

  bool value(std::int64_t& member, Range range) {
    const bool negative = range == Range::Any && left() > 0 && *at_ == '-';
    const char* digits = at_ + (negative ? 1 : 0);
    const char* p = digits;
    while (p < end_ && *p >= '0' && *p <= '9') ++p;
    const auto count = static_cast<std::size_t>(p - digits);
    // "0" alone, or no leading zero; "-0" is left to the parser.
    if (count == 0 || count > 18 || (*digits == '0' && (count > 1 || negative))) return false;
    std::int64_t number = 0;
    for (const char* d = digits; d < p; ++d) number = number * 10 + (*d - '0');
    member = negative ? -number : number;
    at_ = p;
    return true;
  }

  bool value(std::string& member, Range) {
    std::string_view body;
    if (!text(body)) return false;
    // Not assign(): it allows for `body` inside `member`, a cost for a
    // short copy. A string keeps its capacity from line to line.
    member.clear();
    member.append(body);
    return true;
  }

  template <Record R>
  bool value(R& record, Range) {
    return literal<1>("{") && members<true>(record) && literal<1>("}");
  }

  // A string of printable ASCII without escapes, quotes included. Eight
  // bytes at a time: a byte that ends the string or is not taken sets the
  // high bit of its byte in a mask (these bit tricks may also flag a byte
  // after one truly flagged, never before, so the lowest flag is true).
  bool text(std::string_view& body) {
    if (left() == 0 || *at_ != '"') return false;
    const char* const start = at_ + 1;
    const char* p = start;
    constexpr std::uint64_t kOnes = 0x0101010101010101;
    constexpr std::uint64_t kHighs = 0x8080808080808080;
    const auto zero_bytes = [](std::uint64_t w) { return (w - kOnes) & ~w & kHighs; };
    while (end_ - p >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      const std::uint64_t quote = zero_bytes(w ^ (kOnes * '"'));
      const std::uint64_t refused = zero_bytes(w ^ (kOnes * '\\')) |
                                    zero_bytes(w ^ (kOnes * 0x7F)) |
                                    ((w - kOnes * 0x20) & ~w & kHighs) | (w & kHighs);
      if ((quote | refused) != 0) {
        const std::uint64_t first = (quote | refused) & ~((quote | refused) - 1);
        if ((first & quote) == 0 || (first & refused) != 0) return false;
        p += std::countr_zero(first) / 8;
        return close_text(start, p, body);
      }
      p += 8;
    }
    for (; p < end_; ++p) {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"') return close_text(start, p, body);
      if (c < 0x20 || c > 0x7E || c == '\\') return false;
    }
    return false;
  }

  bool close_text(const char* start, const char* quote, std::string_view& body) {
    body = std::string_view(start, static_cast<std::size_t>(quote - start));
    at_ = quote + 1;
    return true;
  }

  // Eight ASCII digits at `p`, as a number, or nullopt (SWAR: one load, a
  // few multiplications instead of eight steps).
  static std::optional<std::uint64_t> eight_digits(const char* p) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    // Each byte in '0'..'9': its high nibble is 3, and adding 6 keeps it 3.
    if ((((w & 0xF0F0F0F0F0F0F0F0) | (((w + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4))) !=
        0x3333333333333333) {
      return std::nullopt;
    }
    // The first digit is the lowest byte. Each step adds neighbours, the
    // lower one times 10, 100, then 10000: pairs, then fours, then eight.
    w = ((w & 0x0F0F0F0F0F0F0F0F) * (10 * 256 + 1)) >> 8;
    w = ((w & 0x00FF00FF00FF00FF) * (100 * 65536 + 1)) >> 16;
    w = ((w & 0x0000FFFF0000FFFF) * ((std::uint64_t{10000} << 32) + 1)) >> 32;
    return w & 0xFFFFFFFF;
  }

  // A non-negative JSON number (RFC 8259's grammar without the minus sign),
  // finite as a double, read as the On-Demand decoder reads one: correctly
  // rounded. Most are a few digits with a fraction (`1795618299.572733`,
  // `42.5`): an integer of at most 2^53 times or divided by a power of ten of
  // at most 22, both exact doubles, is one correctly rounded operation
  // (Clinger's fast path). Any other goes to std::from_chars.
  bool number(double& member) {
    const char* p = at_;
    const auto digit = [&] { return p < end_ && *p >= '0' && *p <= '9'; };
    std::uint64_t mantissa = 0;
    int digits = 0;  // in `mantissa`; past 19 it could wrap, and is not used
    int exponent = 0;
    const auto take_digit = [&] {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p++ - '0');
      ++digits;
    };
    if (!digit()) return false;
    const auto take_eights = [&] {
      int taken = 0;
      while (end_ - p >= 8 && digits <= 11) {
        const std::optional<std::uint64_t> eight = eight_digits(p);
        if (!eight) break;
        mantissa = mantissa * 100000000 + *eight;
        digits += 8;
        taken += 8;
        p += 8;
      }
      return taken;
    };
    if (*p == '0') {
      ++p;
    } else {
      take_eights();
      while (digit()) take_digit();
    }
    if (p < end_ && *p == '.') {
      ++p;
      if (!digit()) return false;
      exponent -= take_eights();
      while (digit()) {
        take_digit();
        --exponent;
      }
    }
    bool plain = true;  // no exponent part
    if (p < end_ && (*p == 'e' || *p == 'E')) {
      plain = false;
      ++p;
      if (p < end_ && (*p == '+' || *p == '-')) ++p;
      if (!digit()) return false;
      while (digit()) ++p;
    }
    constexpr std::uint64_t kExactIntegers = std::uint64_t{1} << 53;
    if (plain && digits <= 19 && mantissa <= kExactIntegers && exponent >= -22) {
      const auto whole = static_cast<double>(mantissa);
      member = exponent == 0 ? whole : whole / kPowersOfTen[static_cast<std::size_t>(-exponent)];
      at_ = p;
      return true;
    }
    double number = 0;
    const auto [parsed_to, error] = std::from_chars(at_, p, number);
    // Out of range (1e400, or 1e-400 which the parser reads as 0.0): the parser's to read.
    if (error != std::errc{} || parsed_to != p || !std::isfinite(number)) return false;
    member = number;
    at_ = p;
    return true;
  }

  // 1e0 to 1e22, each exactly a double.
  static constexpr std::array<double, 23> kPowersOfTen = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

  const char* at_;
  const char* end_;
};

}  // namespace runner_metrics::detail
