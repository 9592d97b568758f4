// SPDX-License-Identifier: Apache-2.0
// Python event classes as the library sees them: each class's fields, read
// from its annotations once (runner_metrics/__init__.py), held in a RecordSpec
// that validates keyword arguments and writes the line with the library's own
// JSON writers. The library's four events and a user's Event subclass go
// through the same code, so they follow the same rules.
//
//   cls._rm_spec = record_spec("RunnerInstalled", "runner_installed", [field, ...], REQUIRED)
//   RunnerInstalled(timestamp=123, flavor="small", duration=456).json()
//   → '{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}'
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace runner_metrics::python {

namespace py = pybind11;

/// What a field holds, and so how it is checked and written.
enum class Kind : std::uint8_t { Float, Int, Str, Record };

struct RecordSpec;

struct FieldSpec {
  py::str name;      ///< Interned: attribute and keyword name.
  std::string text;  ///< The same name, for messages.
  std::string key;   ///< `, "name": `, as written after another member.
  Kind kind = Kind::Str;
  bool optional = false;  ///< None allowed, and left out of the line.
  bool non_negative = false;
  std::shared_ptr<const RecordSpec> record;  ///< Kind::Record: the nested record's spec.
  py::object record_class;                   ///< Kind::Record: its class.
  py::object default_value;                  ///< Null when the field is required.
};

struct RecordSpec {
  std::string type_name;   ///< The class's name, for messages.
  std::string event_name;  ///< An event's own name ("runner_installed"); empty for a record.
  std::vector<FieldSpec> fields;

  bool is_event() const noexcept { return !event_name.empty(); }
};

/// A field broke a rule; becomes runner_metrics.ValidationError(field, problem).
struct Invalid {
  std::string field;
  std::string problem;
};

/// A spec as Python holds it: in a capsule, the class attribute `_rm_spec`.
py::capsule spec_capsule(std::shared_ptr<const RecordSpec> spec);
std::shared_ptr<const RecordSpec> spec_from_capsule(py::handle capsule);

/// The spec of `type(object)`, set by Record.__init_subclass__ as `_rm_spec`.
const RecordSpec& spec_of(py::handle object);

/// Record.__init__: checks `kwargs` against the spec of type(self), turns
/// ints given for float fields into floats, fills defaults, and sets the
/// instance's attributes. Throws Invalid naming the first field at fault.
void init_record(py::handle self, py::handle kwargs);

/// Appends the event's line, "\n" included, to `out`, checking every field
/// again (attributes can be reassigned). On error `out` is left as it was.
void append_event_line(std::string& out, py::handle event);

/// The record's JSON object (no newline), for `.json()` of any record.
std::string record_json(py::handle record);

/// Makes an instance of `cls` holding `values` (already valid), without
/// running __init__: how events read from a log become objects.
py::object make_record(py::handle cls, py::dict values);

}  // namespace runner_metrics::python
