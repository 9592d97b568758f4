// SPDX-License-Identifier: Apache-2.0
// The names of a set of event types, kept in one place: which type a line's
// `event` names, the list an error message offers, and (for the library's
// own set) the names the writer keeps for their types.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "runner_metrics/description.hpp"

namespace runner_metrics::detail {

/// Calls `fn(std::type_identity<E>{})` for each alternative E of `Variant`,
/// in order.
template <class Variant, class Fn>
constexpr void for_each_alternative(Fn&& fn) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (fn(std::type_identity<std::variant_alternative_t<I, Variant>>{}), ...);
  }
  (std::make_index_sequence<std::variant_size_v<Variant>>{});
}

/// The event names of the types of `Variant`, in its order.
template <class Variant>
class EventRegistry {
 public:
  static constexpr std::size_t size = std::variant_size_v<Variant>;

  /// The index in Variant of the type whose name is `name`, or variant_npos.
  static std::size_t index_of(std::string_view name) {
    const auto& all = names();
    for (std::size_t index = 0; index < all.size(); ++index) {
      if (all[index] == name) return index;
    }
    return std::variant_npos;
  }

  /// Each type's name: event_type_name<E>().
  static const std::array<std::string, size>& names() {
    static const auto all = [] {
      std::array<std::string, size> result;
      std::size_t index = 0;
      for_each_alternative<Variant>(
          [&](auto type) { result[index++] = event_type_name<typename decltype(type)::type>(); });
      return result;
    }();
    return all;
  }

  /// "runner_installed, runner_start, ...", for messages.
  static const std::string& listed() {
    static const std::string text = [] {
      std::string result;
      for (const std::string& name : names()) {
        if (!result.empty()) result += ", ";
        result += name;
      }
      return result;
    }();
    return text;
  }
};

}  // namespace runner_metrics::detail
