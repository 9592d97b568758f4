// SPDX-License-Identifier: Apache-2.0
#include "readers.hpp"

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "library_events.hpp"
#include "records.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/reader.hpp"
#include "runner_metrics/summary.hpp"
#include "runner_metrics/summary_render.hpp"
#include "runner_metrics/time_text.hpp"

namespace runner_metrics::python {

namespace {

// A line's text for Python: bytes that are not UTF-8 (an invalid line may
// hold any) become U+FFFD.
py::str text_of(std::string_view text) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace"));
}

py::object parse_event(py::handle line) {
  std::string_view text;
  if (PyBytes_Check(line.ptr())) {
    text = {PyBytes_AS_STRING(line.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(line.ptr()))};
  } else if (PyUnicode_Check(line.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(line.ptr(), &size);
    if (data == nullptr) {
      PyErr_Clear();
      throw Invalid{"", "line is not valid UTF-8 (it holds a lone surrogate)"};
    }
    text = {data, static_cast<std::size_t>(size)};
  } else {
    throw py::type_error("parse_event takes a str or bytes line");
  }
  thread_local EventParser parser(ParseRules::Input);
  return to_python(parser.parse(text));
}

// read_events' iterator: one Python object per line of the log.
class LogLines {
 public:
  explicit LogLines(std::string path) : reader_(std::move(path)) {}

  py::object next() {
    const LogLine* line = nullptr;
    {
      py::gil_scoped_release release;
      line = reader_.next();
    }
    if (line == nullptr) throw py::stop_iteration();
    const ParsedLine& parsed = *line->parsed;
    switch (parsed.kind) {
      case ParsedLine::Kind::Event:
        return to_python(parsed.event);
      case ParsedLine::Kind::Other:
        return py::make_tuple("other", line->number, text_of(line->text));
      case ParsedLine::Kind::Invalid:
        break;
    }
    return py::make_tuple("invalid", line->number, text_of(line->text), parsed.field,
                          parsed.problem);
  }

 private:
  EventReader reader_;
};

std::string summarize_json(const std::vector<std::string>& paths, std::optional<double> since,
                           std::optional<double> until, bool by_flavor,
                           std::size_t max_label_values) {
  Summary summary({.since = since,
                   .until = until,
                   .by_flavor = by_flavor,
                   .max_label_values = max_label_values});
  py::gil_scoped_release release;
  (void)read_logs(paths, {}, summary);
  return render_json(summary);
}

}  // namespace

void bind_readers(py::module_& module) {
  module.def("parse_event", &parse_event, py::arg("line"),
             "The event on one line of JSON, held to the rules for input; raises\n"
             "ValidationError naming the field.");
  py::class_<LogLines>(module, "LogLines",
                       "The lines of a log: event objects, ('other', number, text) and\n"
                       "('invalid', number, text, field, problem).")
      .def(py::init<std::string>(), py::arg("path"))
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &LogLines::next);
  module.def("summarize_json", &summarize_json, py::arg("paths"), py::arg("since"),
             py::arg("until"), py::arg("by_flavor"), py::arg("max_label_values"),
             "The summary of the logs as `runner-metrics summary --format json` prints it.");
  module.def(
      "parse_time", [](const std::string& text) { return parse_time(text); }, py::arg("text"),
      "UNIX seconds from '1764079200' or ISO 8601 ('2026-11-25T14:00:00Z'), or None.");
}

}  // namespace runner_metrics::python
