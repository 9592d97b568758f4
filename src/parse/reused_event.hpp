// SPDX-License-Identifier: Apache-2.0
// The parser fills one AnyEvent line after line, its strings keeping their
// capacity, so reading a log allocates nothing per line. These keep that
// reuse honest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "runner_metrics/events.hpp"

namespace runner_metrics::detail {

/// The index in AnyEvent of the type whose name is `name`, or variant_npos.
inline std::size_t event_type_index(std::string_view name) {
  static const auto names = [] {
    std::array<std::string, std::variant_size_v<AnyEvent>> result;
    std::size_t index = 0;
    for_each_event_type(
        [&](auto type) { result[index++] = event_type_name<typename decltype(type)::type>(); });
    return result;
  }();
  for (std::size_t index = 0; index < names.size(); ++index) {
    if (names[index] == name) return index;
  }
  return std::variant_npos;
}

/// One event of each type, holding string buffers between lines: a log
/// mixes types line by line, and a variant holds only one of them.
template <class Variant>
struct SpareAlternatives;
template <class... Types>
struct SpareAlternatives<std::variant<Types...>> {
  std::tuple<Types...> events;
};
using SpareEvents = SpareAlternatives<AnyEvent>;

/// Makes `event` hold the type at `index`. The event it held goes to
/// `spares` and the new one comes from there, each with the buffers of its
/// strings (moves, not copies: no allocation once every type has been seen).
inline void hold_type(AnyEvent& event, std::size_t index, SpareEvents& spares) {
  if (event.index() == index) return;
  std::visit(
      [&](auto& current) {
        std::get<std::remove_cvref_t<decltype(current)>>(spares.events) = std::move(current);
      },
      event);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((index == I ? (event.template emplace<I>(std::move(std::get<I>(spares.events))), 0) : 0), ...);
  }
  (std::make_index_sequence<std::variant_size_v<AnyEvent>>{});
}

/// An optional member the line does not have (bit i of `present` clear for
/// field i) must not keep the previous line's value.
template <Record R>
void clear_absent_optionals(R& record, std::uint64_t present) {
  std::size_t index = 0;
  for_each_field<R>([&](const auto& field) {
    auto& member = record.*(field.member);
    if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
      if ((present & (std::uint64_t{1} << index)) == 0) member.reset();
    }
    ++index;
  });
}

/// Whether every field of R that is not optional has its bit in `present`.
template <Record R>
constexpr bool has_required_fields(std::uint64_t present) {
  std::size_t index = 0;
  bool ok = true;
  for_each_field<R>([&](const auto& field) {
    using Member = std::remove_cvref_t<decltype(R{}.*(field.member))>;
    if (!is_optional_field_v<Member> && (present & (std::uint64_t{1} << index)) == 0) ok = false;
    ++index;
  });
  return ok;
}

}  // namespace runner_metrics::detail
