// SPDX-License-Identifier: Apache-2.0
// Reading logs from Python: events from a line or a file, and the summary.
//
//   _runner_metrics.parse_event('{"timestamp": 1, "event": "runner_installed", ...}')
//   → RunnerInstalled(timestamp=1.0, ...)
//   _runner_metrics.summarize_json(["fleet.log"], None, None, False)
//   → '{"lines": {"total": 3, ...}, "groups": [...]}\n'
#pragma once

#include <pybind11/pybind11.h>

namespace runner_metrics::python {

namespace py = pybind11;

/// Adds parse_event, LogLines, summarize_json and parse_time to the module.
void bind_readers(py::module_& module);

}  // namespace runner_metrics::python
