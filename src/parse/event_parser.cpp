// SPDX-License-Identifier: Apache-2.0
// EventParser: the parser of the library's own events, compiled once here.
#include "runner_metrics/event_parser.hpp"

#include "parse/basic_event_parser.hpp"

namespace runner_metrics {

template class BasicEventParser<AnyEvent>;

}  // namespace runner_metrics
