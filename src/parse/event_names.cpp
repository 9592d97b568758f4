// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <variant>

#include "parse/event_registry.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::detail {

void check_event_name(std::string_view name, std::string_view own) {
  if (name != own && EventRegistry<AnyEvent>::index_of(name) != std::variant_npos) {
    throw_invalid({}, "event",
                  fmt::format("\"{}\" is another event type's name; a {} event may be named "
                              "anything else",
                              name, own));
  }
}

}  // namespace runner_metrics::detail
