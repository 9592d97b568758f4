// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::detail {

void check_event_name(std::string_view name, std::string_view own) {
  for_each_event_type([&](auto type) {
    const std::string& other = event_type_name<typename decltype(type)::type>();
    if (name == other && name != own) {
      throw_invalid({}, "event",
                    fmt::format("\"{}\" is another event type's name; a {} event may be named "
                                "anything else",
                                name, own));
    }
  });
}

}  // namespace runner_metrics::detail
