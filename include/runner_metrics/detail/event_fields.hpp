// SPDX-License-Identifier: Apache-2.0
// How a row of the measures table (measures.hpp) names the field it reads: a
// pointer to the member, from which the event type and a reader follow.
//
//   constexpr NumberField f = number_field<&RunnerStop::job_duration>;
//   f.event → 2 (RunnerStop's index in AnyEvent)
//   f.read(AnyEvent{RunnerStop{.job_duration = 5}}) → 5.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "runner_metrics/events.hpp"

namespace runner_metrics::detail {

template <class E, std::size_t I = 0>
consteval std::size_t event_index() {
  if constexpr (I == std::variant_size_v<AnyEvent>) {
    static_assert(I < std::variant_size_v<AnyEvent>, "not one of AnyEvent's types");
    return I;
  } else if constexpr (std::is_same_v<std::variant_alternative_t<I, AnyEvent>, E>) {
    return I;
  } else {
    return event_index<E, I + 1>();
  }
}

/// The index in AnyEvent of the event type E.
template <class E>
inline constexpr std::size_t EVENT_INDEX = event_index<E>();

template <class E, class T>
E owner_of(T E::*);

template <auto Member>
using OwnerOf = decltype(owner_of(Member));

// The member's value as T, nullopt when the event is another type or an
// optional member is absent.
template <class T, auto Member>
std::optional<T> read_member(const AnyEvent& event) {
  const auto* e = std::get_if<OwnerOf<Member>>(&event);
  if (e == nullptr) return std::nullopt;
  const auto& value = e->*Member;
  if constexpr (requires { value.has_value(); }) {
    if (!value) return std::nullopt;
    return static_cast<T>(*value);
  } else {
    return static_cast<T>(value);
  }
}

/// Whether row i of `rows` names enumerator i: a table indexed by its enum.
template <auto Name, class Rows>
constexpr bool in_order(const Rows& rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (static_cast<std::size_t>(rows[i].*Name) != i) return false;
  }
  return true;
}

}  // namespace runner_metrics::detail

namespace runner_metrics {

/// A number of one event type: the event (its index in AnyEvent) and how to
/// read it from an event of that type (nullopt when absent).
template <class T>
struct EventField {
  std::size_t event = 0;
  std::optional<T> (*read)(const AnyEvent& event) = nullptr;
};

/// A field holding seconds, say.
template <auto Member>
inline constexpr EventField<double> number_field{detail::EVENT_INDEX<detail::OwnerOf<Member>>,
                                                 &detail::read_member<double, Member>};

/// A field holding a whole number (idle_runners, crashed_runners).
template <auto Member>
inline constexpr EventField<std::int64_t> integer_field{
    detail::EVENT_INDEX<detail::OwnerOf<Member>>, &detail::read_member<std::int64_t, Member>};

/// A field holding text (status, repo), viewed in the event.
template <auto Member>
inline constexpr EventField<std::string_view> text_field{
    detail::EVENT_INDEX<detail::OwnerOf<Member>>, &detail::read_member<std::string_view, Member>};

/// runner_stop's status_info.code, when given.
inline constexpr EventField<std::int64_t> status_code{
    detail::EVENT_INDEX<RunnerStop>, [](const AnyEvent& event) -> std::optional<std::int64_t> {
      const auto* stop = std::get_if<RunnerStop>(&event);
      if (stop == nullptr || !stop->status_info) return std::nullopt;
      return stop->status_info->code;
    }};

/// Every event of type E counts as one.
template <class E>
inline constexpr EventField<std::int64_t> each_event{
    detail::EVENT_INDEX<E>, [](const AnyEvent& event) -> std::optional<std::int64_t> {
      if (std::holds_alternative<E>(event)) return 1;
      return std::nullopt;
    }};

}  // namespace runner_metrics
