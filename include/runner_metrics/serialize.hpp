// SPDX-License-Identifier: Apache-2.0
// The exact line the Python ancestor wrote for an event: json.dumps with
// ", " and ": " separators, None left out, ASCII-only escapes, floats as
// Python's repr, then "\n".
//
//   to_line(RunnerInstalled{.timestamp = 123, .flavor = "small", .duration = 456})
//   → "{\"timestamp\": 123.0, \"event\": \"runner_installed\", \"flavor\": \"small\",
//       \"duration\": 456.0}\n"
//
// Serializing validates: a value that no consumer could use (a negative or
// non-finite float, a negative count, text that is not UTF-8, a line over
// MAX_LINE_BYTES) throws ValidationError naming the field, and nothing is
// produced.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "runner_metrics/description.hpp"
#include "runner_metrics/errors.hpp"

namespace runner_metrics {

/// The longest line, newline included, that the library writes. Longer
/// events are rejected: log shippers split or drop such lines (Promtail's
/// default limit is far lower), and one event never needs that much.
inline constexpr std::size_t MAX_LINE_BYTES = std::size_t{1024} * 1024;

namespace detail {

/// Python's repr(float) of a finite double: 123.0, 1e-05, 1.5e+16.
void append_python_float(std::string& out, double value);
/// A JSON string as json.dumps(ensure_ascii=True) writes it. Returns false,
/// with `out` as it was, when `text` is not valid UTF-8.
[[nodiscard]] bool append_ascii_json_string(std::string& out, std::string_view text);
void append_integer(std::string& out, std::int64_t value);

// The same pieces written at `out`, which has room for the most they can
// take (below); each returns the end of what it wrote. A line is written
// into one buffer and appended once: a std::string append per piece cost
// more than the pieces.
inline constexpr std::size_t kMaxFloatBytes = 32;    // -2.2250738585072014e-308
inline constexpr std::size_t kMaxIntegerBytes = 20;  // -9223372036854775808
/// Quotes, and at most 6 bytes (\u00XX) per byte of text.
constexpr std::size_t max_json_string_bytes(std::size_t text_bytes) { return 2 + 6 * text_bytes; }
char* write_python_float(char* out, double value);
char* write_integer(char* out, std::int64_t value);
/// nullptr when `text` is not valid UTF-8.
char* write_ascii_json_string(char* out, std::string_view text);

[[noreturn]] void throw_invalid(std::string_view parent, std::string_view field,
                                std::string_view problem);
/// Throws unless `name` is `own` or names none of the library's event types:
/// a reconciliation written as "runner_installed" would be read back as an
/// installation, its counts silently dropped.
void check_event_name(std::string_view name, std::string_view own);
[[noreturn]] void throw_line_too_long(std::string_view field, std::size_t size);

// Field I of R, and its key `, "name": `, made at compile time: the
// description is not built again for each line, and copying a key is a few
// fixed-size stores, not a call to memcpy. The canonical-line reader
// (src/parse/canonical_line.hpp) compares against the same key, so the
// layout written and the layout recognised are one text.
template <Record R, std::size_t I>
struct FieldAt {
  static constexpr auto field = std::get<I>(R::fields());
  static constexpr std::string_view name = field.name;
  static constexpr std::array<char, name.size() + 6> key = [] {
    std::array<char, name.size() + 6> key{};
    key[0] = ',';
    key[1] = ' ';
    key[2] = '"';
    for (std::size_t k = 0; k < name.size(); ++k) key[3 + k] = name[k];
    key[name.size() + 3] = '"';
    key[name.size() + 4] = ':';
    key[name.size() + 5] = ' ';
    return key;
  }();
};

inline char* write_text(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

template <std::size_t N>
char* write_text(char* out, const std::array<char, N>& text) {
  std::memcpy(out, text.data(), N);
  return out + N;
}

template <class Value>
std::size_t max_value_bytes(const Value& value);

template <Record R, std::size_t... I>
std::size_t max_record_bytes([[maybe_unused]] const R& record,
                             std::index_sequence<I...> /*fields*/) {
  std::size_t bytes = 2;  // braces
  [[maybe_unused]] const auto add = [&](const auto& field, std::size_t key_bytes) {
    const auto& member = record.*(field.member);
    bytes += key_bytes;
    if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
      if (member) bytes += max_value_bytes(*member);
    } else {
      bytes += max_value_bytes(member);
    }
  };
  (add(FieldAt<R, I>::field, FieldAt<R, I>::key.size()), ...);
  return bytes;
}

// The most bytes write_record can write for `record`.
template <Record R>
std::size_t max_record_bytes(const R& record) {
  return max_record_bytes(record,
                          std::make_index_sequence<std::tuple_size_v<decltype(R::fields())>>{});
}

template <class Value>
std::size_t max_value_bytes(const Value& value) {
  if constexpr (std::is_same_v<Value, double>) {
    return kMaxFloatBytes;
  } else if constexpr (std::is_same_v<Value, std::int64_t>) {
    return kMaxIntegerBytes;
  } else if constexpr (std::is_same_v<Value, std::string>) {
    return max_json_string_bytes(value.size());
  } else {
    return max_record_bytes(value);
  }
}

template <class Owner, class Member, class Value>
char* write_value(char* out, const Value& value, const Field<Owner, Member>& field,
                  std::string_view parent);

// Field I of `record`, its key first ("name": without the ", " if `first`);
// nothing for an absent optional.
template <Record R, std::size_t I>
char* write_member(char* out, const R& record, std::string_view parent, bool& first) {
  constexpr const auto& field = FieldAt<R, I>::field;
  const auto& member = record.*(field.member);
  if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
    if (!member) return out;
  }
  if (first) {
    out = write_text(
        out, std::string_view(FieldAt<R, I>::key.data() + 2, FieldAt<R, I>::key.size() - 2));
    first = false;
  } else {
    out = write_text(out, FieldAt<R, I>::key);
  }
  if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
    return write_value(out, *member, field, parent);
  } else {
    return write_value(out, member, field, parent);
  }
}

template <Record R, std::size_t... I>
char* write_record(char* out, [[maybe_unused]] const R& record,
                   [[maybe_unused]] std::string_view parent, [[maybe_unused]] bool first,
                   std::index_sequence<I...> /*fields (none: a record with no fields)*/) {
  ((out = write_member<R, I>(out, record, parent, first)), ...);
  return out;
}

template <Record R>
char* write_record(char* out, const R& record, std::string_view parent, bool first) {
  return write_record(out, record, parent, first,
                      std::make_index_sequence<std::tuple_size_v<decltype(R::fields())>>{});
}

template <class Owner, class Member, class Value>
char* write_value(char* out, const Value& value, const Field<Owner, Member>& field,
                  std::string_view parent) {
  if constexpr (std::is_same_v<Value, double>) {
    if (!std::isfinite(value)) throw_invalid(parent, field.name, "must be a finite number");
    if (field.range == Range::NonNegative && value < 0) {
      throw_invalid(parent, field.name, "must be >= 0");
    }
    return write_python_float(out, value);
  } else if constexpr (std::is_same_v<Value, std::int64_t>) {
    if (field.range == Range::NonNegative && value < 0) {
      throw_invalid(parent, field.name, "must be an integer >= 0");
    }
    return write_integer(out, value);
  } else if constexpr (std::is_same_v<Value, std::string>) {
    char* const end = write_ascii_json_string(out, value);
    if (end == nullptr) throw_invalid(parent, field.name, "is not valid UTF-8");
    return end;
  } else {
    static_assert(Record<Value>, "a field is a double, std::int64_t, std::string or a Record");
    *out++ = '{';
    out = write_record(out, value, field.name, true);
    *out++ = '}';
    return out;
  }
}

/// The name of the string field holding the most text, to blame for a line
/// that is too long.
template <Record R>
std::string_view longest_text_field(const R& record) {
  std::string_view name = "event";
  std::size_t longest = 0;
  for_each_field<R>([&](const auto& field) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(record.*(field.member))>,
                                 std::string>) {
      if ((record.*(field.member)).size() > longest) {
        longest = (record.*(field.member)).size();
        name = field.name;
      }
    }
  });
  return name;
}

inline constexpr std::string_view kLineStart = "{\"timestamp\": ";
inline constexpr std::string_view kEventKey = ", \"event\": ";

// The most bytes write_line can write for `event`.
template <Event E>
std::size_t max_line_bytes(const E& event) {
  return kLineStart.size() + kMaxFloatBytes + kEventKey.size() +
         max_json_string_bytes(event.event.size()) + max_record_bytes(event);
}

// Writes the event's line, "\n" included, at `out` (max_line_bytes of room).
template <Event E>
char* write_line(char* out, const E& event) {
  out = write_text(out, kLineStart);
  if (!std::isfinite(event.timestamp)) throw_invalid({}, "timestamp", "must be a finite number");
  if (event.timestamp < 0) throw_invalid({}, "timestamp", "must be >= 0");
  out = write_python_float(out, event.timestamp);
  out = write_text(out, kEventKey);
  out = write_ascii_json_string(out, event.event);
  if (out == nullptr) throw_invalid({}, "event", "is not valid UTF-8");
  if (event.event != event_type_name<E>()) check_event_name(event.event, event_type_name<E>());
  out = write_record(out, event, {}, false);
  *out++ = '}';
  *out++ = '\n';
  return out;
}

// A line that fits is written on the stack; a longer one (rare: long text)
// in a buffer of its own.
inline constexpr std::size_t kStackLineBytes = 4096;

}  // namespace detail

/// Appends the event's line, "\n" included, to `out`. On error `out` is left
/// as it was.
template <Event E>
void append_line(std::string& out, const E& event) {
  const std::size_t most = detail::max_line_bytes(event);
  std::array<char, detail::kStackLineBytes> stack_buffer;  // NOLINT: written before read
  std::unique_ptr<char[]> heap_buffer;
  char* buffer = stack_buffer.data();
  if (most > stack_buffer.size()) {
    heap_buffer = std::make_unique_for_overwrite<char[]>(most);
    buffer = heap_buffer.get();
  }
  const char* const end = detail::write_line(buffer, event);
  const auto size = static_cast<std::size_t>(end - buffer);
  if (size > MAX_LINE_BYTES) detail::throw_line_too_long(detail::longest_text_field(event), size);
  out.append(buffer, size);
}

/// The event's line, "\n" included.
template <Event E>
std::string to_line(const E& event) {
  std::string line;
  line.reserve(256);
  append_line(line, event);
  return line;
}

/// Throws ValidationError if the event could not be written.
template <Event E>
void validate(const E& event) {
  (void)to_line(event);
}

}  // namespace runner_metrics
