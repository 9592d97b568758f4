// SPDX-License-Identifier: Apache-2.0
// The library's own event structs (events.hpp) as Python objects: how an
// event read from a log or parsed from a line reaches Python, and the
// descriptions the tests hold the Python classes to.
//
//   to_python(RunnerInstalled{.timestamp = 1, .flavor = "s", .duration = 2})
//   → RunnerInstalled(timestamp=1.0, event='runner_installed', flavor='s', duration=2.0)
#pragma once

#include <pybind11/pybind11.h>

#include "runner_metrics/events.hpp"

namespace runner_metrics::python {

namespace py = pybind11;

/// Tells the module which Python class stands for each library type:
/// `events` maps an event name ("runner_stop") to its class.
void set_library_classes(const py::dict& events, py::object code_information);

/// An instance of the Python class of the event's type, holding its values.
py::object to_python(const AnyEvent& event);

/// Each library event type as [(event name, [(field, kind, optional,
/// non-negative, nested fields or None), ...]), ...], kinds "float", "int",
/// "str" or "record", timestamp and event first.
py::list library_descriptions();

}  // namespace runner_metrics::python
