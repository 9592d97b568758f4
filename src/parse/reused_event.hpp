// SPDX-License-Identifier: Apache-2.0
// The parser fills one event variant line after line, its strings keeping their
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

/// One event of each type, holding string buffers between lines: a log
/// mixes types line by line, and a variant holds only one of them.
template <class Variant>
struct SpareAlternatives;
template <class... Types>
struct SpareAlternatives<std::variant<Types...>> {
  std::tuple<Types...> events;
};

/// Makes `event` hold the type at `index`. The event it held goes to
/// `spares` and the new one comes from there, each with the buffers of its
/// strings (moves, not copies: no allocation once every type has been seen).
template <class Variant>
void hold_type(Variant& event, std::size_t index, SpareAlternatives<Variant>& spares) {
  if (event.index() == index) return;
  std::visit(
      [&](auto& current) {
        std::get<std::remove_cvref_t<decltype(current)>>(spares.events) = std::move(current);
      },
      event);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((index == I ? (event.template emplace<I>(std::move(std::get<I>(spares.events))), 0) : 0), ...);
  }
  (std::make_index_sequence<std::variant_size_v<Variant>>{});
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
