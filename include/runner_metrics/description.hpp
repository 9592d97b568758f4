// SPDX-License-Identifier: Apache-2.0
// How an event type is described, once, so that serialization, validation,
// JSON input, command-line flags and documentation all follow from it.
//
// A user-defined event is a struct whose first two members are `timestamp`
// and `event` (defaulting to its own snake-case name), followed by its fields,
// and a static `fields()` listing them in line order:
//
//   struct RunnerResized {
//     double timestamp = 0;
//     std::string event = "runner_resized";
//     std::string flavor;
//     std::int64_t cores = 0;
//     static constexpr auto fields() {
//       return std::tuple{Field{"flavor", &RunnerResized::flavor, "Runner flavor."},
//                         Field{"cores", &RunnerResized::cores, "New core count."}};
//     }
//   };
//
// `to_line(RunnerResized{.timestamp = 1, .flavor = "s", .cores = 4})`
//   → {"timestamp": 1.0, "event": "runner_resized", "flavor": "s", "cores": 4}
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace runner_metrics {

/// Which values a numeric field accepts. Every float field of the ancestor is
/// a non-negative duration or time; integers are counts unless said otherwise
/// (an exit code may be -9).
enum class Range { NonNegative, Any };

/// One member of an event's JSON object.
///
/// The member type decides the kind: `double` (finite float), `std::int64_t`
/// (JSON integer), `std::string` (UTF-8 text), a nested record (a struct with
/// its own `fields()`), or `std::optional` of any of those (left out of the
/// line when empty).
template <class Owner, class Member>
struct Field {
  std::string_view name;  ///< JSON member name, e.g. "queue_duration".
  Member Owner::*member;  ///< Where the value lives.
  std::string_view help;  ///< One sentence for --help, the man page and README.
  Range range = Range::NonNegative;
  /// The command-line flag without "--". Empty: the name with '-' for '_'.
  /// For a nested record, the prefix of its fields' flags ("status" gives
  /// --status-code for status_info.code).
  std::string_view flag = {};
};

// Spelled out for compilers that do not deduce an aggregate's template
// arguments (clang before 17): Owner and Member come from the pointer.
template <class Owner, class Member>
Field(std::string_view, Member Owner::*, std::string_view) -> Field<Owner, Member>;
template <class Owner, class Member>
Field(std::string_view, Member Owner::*, std::string_view, Range) -> Field<Owner, Member>;
template <class Owner, class Member>
Field(std::string_view, Member Owner::*, std::string_view, Range, std::string_view)
    -> Field<Owner, Member>;

/// A struct with a static `fields()` description: an event or a nested record
/// such as `CodeInformation`.
template <class T>
concept Record = std::is_default_constructible_v<T> && requires {
  T::fields();
};

/// An event: a record with the two members every event line starts with.
template <class E>
concept Event = Record<E> && requires(const E& e) {
  { e.timestamp } -> std::convertible_to<double>;
  { e.event } -> std::convertible_to<std::string_view>;
};

/// The name an event type writes unless a value overrides it:
/// `event_type_name<RunnerInstalled>()` → "runner_installed".
template <Event E>
const std::string& event_type_name() {
  static const std::string name = E{}.event;
  return name;
}

/// Calls `fn(field)` for each field of `R` in line order.
template <Record R, class Fn>
constexpr void for_each_field(Fn&& fn) {
  std::apply([&](const auto&... field) { (fn(field), ...); }, R::fields());
}

namespace detail {
template <class T>
struct unwrap_optional {
  using type = T;
  static constexpr bool optional = false;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
  using type = T;
  static constexpr bool optional = true;
};
}  // namespace detail

/// The value type of a field with the optional removed.
template <class Member>
using field_value_t = typename detail::unwrap_optional<Member>::type;

/// Whether a field may be left out.
template <class Member>
inline constexpr bool is_optional_field_v = detail::unwrap_optional<Member>::optional;

/// The command-line flag of a field, without "--": `queue_duration` → `queue-duration`.
template <class Owner, class Member>
std::string flag_name(const Field<Owner, Member>& field) {
  std::string flag(field.flag.empty() ? field.name : field.flag);
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return flag;
}

}  // namespace runner_metrics
