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
#include <string>
#include <string_view>

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
/// with `out` unspecified, when `text` is not valid UTF-8.
[[nodiscard]] bool append_ascii_json_string(std::string& out, std::string_view text);
void append_integer(std::string& out, std::int64_t value);

[[noreturn]] void throw_invalid(std::string_view parent, std::string_view field,
                                std::string_view problem);
/// Throws unless `name` is `own` or names none of the library's event types:
/// a reconciliation written as "runner_installed" would be read back as an
/// installation, its counts silently dropped.
void check_event_name(std::string_view name, std::string_view own);
[[noreturn]] void throw_line_too_long(std::string_view field, std::size_t size);

template <class Owner, class Member, class Value>
void append_value(std::string& out, const Value& value, const Field<Owner, Member>& field,
                  std::string_view parent);

// `, "name": ` for each field of R, made once: one append per member.
template <Record R>
const auto& member_keys() {
  static const auto keys = std::apply(
      [](const auto&... field) {
        return std::array<std::string, sizeof...(field)>{
            (std::string(", \"") + std::string(field.name) + "\": ")...};
      },
      R::fields());
  return keys;
}

template <Record R>
void append_record(std::string& out, const R& record, std::string_view parent, bool first) {
  const auto& keys = member_keys<R>();
  std::size_t index = 0;
  for_each_field<R>([&](const auto& field) {
    const std::string_view key = keys[index++];
    const auto& member = record.*(field.member);
    if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
      if (!member) return;
    }
    out += first ? key.substr(2) : key;
    first = false;
    if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
      append_value(out, *member, field, parent);
    } else {
      append_value(out, member, field, parent);
    }
  });
}

template <class Owner, class Member, class Value>
void append_value(std::string& out, const Value& value, const Field<Owner, Member>& field,
                  std::string_view parent) {
  if constexpr (std::is_same_v<Value, double>) {
    if (!std::isfinite(value)) throw_invalid(parent, field.name, "must be a finite number");
    if (field.range == Range::NonNegative && value < 0) {
      throw_invalid(parent, field.name, "must be >= 0");
    }
    append_python_float(out, value);
  } else if constexpr (std::is_same_v<Value, std::int64_t>) {
    if (field.range == Range::NonNegative && value < 0) {
      throw_invalid(parent, field.name, "must be an integer >= 0");
    }
    append_integer(out, value);
  } else if constexpr (std::is_same_v<Value, std::string>) {
    if (!append_ascii_json_string(out, value)) {
      throw_invalid(parent, field.name, "is not valid UTF-8");
    }
  } else {
    static_assert(Record<Value>, "a field is a double, std::int64_t, std::string or a Record");
    out += '{';
    append_record(out, value, field.name, true);
    out += '}';
  }
}

}  // namespace detail

namespace detail {
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
}  // namespace detail

/// Appends the event's line, "\n" included, to `out`. On error `out` is left
/// as it was.
template <Event E>
void append_line(std::string& out, const E& event) {
  const std::size_t start = out.size();
  try {
    out += "{\"timestamp\": ";
    if (!std::isfinite(event.timestamp)) {
      detail::throw_invalid({}, "timestamp", "must be a finite number");
    }
    if (event.timestamp < 0) detail::throw_invalid({}, "timestamp", "must be >= 0");
    detail::append_python_float(out, event.timestamp);
    out += ", \"event\": ";
    if (!detail::append_ascii_json_string(out, event.event)) {
      detail::throw_invalid({}, "event", "is not valid UTF-8");
    }
    if (event.event != event_type_name<E>()) {
      detail::check_event_name(event.event, event_type_name<E>());
    }
    detail::append_record(out, event, {}, false);
    out += "}\n";
  } catch (...) {
    out.resize(start);
    throw;
  }
  if (out.size() - start > MAX_LINE_BYTES) {
    const std::size_t size = out.size() - start;
    out.resize(start);
    detail::throw_line_too_long(detail::longest_text_field(event), size);
  }
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
