// SPDX-License-Identifier: Apache-2.0
#include "records.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "runner_metrics/errors.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::python {

namespace {

std::string field_path(std::string_view parent, const FieldSpec& field) {
  return parent.empty() ? field.text : std::string(parent) + "." + field.text;
}

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

constexpr const char* CAPSULE_NAME = "runner_metrics.RecordSpec";

const py::tuple& empty_tuple() {
  static const auto* tuple = new py::tuple(0);
  return *tuple;
}

// A float field's value: a float, or an int (written as a float, as the
// ancestor's pydantic model converted it). bool is refused: True is no duration.
double float_value(const FieldSpec& field, py::handle value, std::string_view parent) {
  PyObject* object = value.ptr();
  double number = 0;
  if (PyFloat_Check(object)) {
    number = PyFloat_AS_DOUBLE(object);
  } else if (!PyBool_Check(object) && (PyLong_Check(object) || PyIndex_Check(object))) {
    const py::object integer = py::reinterpret_steal<py::object>(PyNumber_Index(object));
    if (!integer) throw py::error_already_set();
    number = PyLong_AsDouble(integer.ptr());
    if (number == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      throw Invalid{field_path(parent, field), "must be a finite number"};
    }
  } else {
    throw Invalid{field_path(parent, field), "must be a number, not " + type_name(value)};
  }
  if (!std::isfinite(number)) throw Invalid{field_path(parent, field), "must be a finite number"};
  if (field.non_negative && number < 0) throw Invalid{field_path(parent, field), "must be >= 0"};
  return number;
}

// An integer field's value: an int (or an object with __index__) in signed
// 64-bit range; floats and bools are refused, not truncated.
std::int64_t int_value(const FieldSpec& field, py::handle value, std::string_view parent) {
  PyObject* object = value.ptr();
  if (PyBool_Check(object)) {
    throw Invalid{field_path(parent, field), "must be an integer, not a boolean"};
  }
  if (!PyLong_Check(object) && !PyIndex_Check(object)) {
    throw Invalid{field_path(parent, field), "must be an integer, not " + type_name(value)};
  }
  const py::object integer = py::reinterpret_steal<py::object>(PyNumber_Index(object));
  if (!integer) throw py::error_already_set();
  int overflow = 0;
  const long long number = PyLong_AsLongLongAndOverflow(integer.ptr(), &overflow);
  if (overflow != 0) {
    throw Invalid{field_path(parent, field), "must be an integer in signed 64-bit range"};
  }
  if (field.non_negative && number < 0) {
    throw Invalid{field_path(parent, field), "must be an integer >= 0"};
  }
  return number;
}

// A text field's UTF-8, valid while `value` lives. A str holding a lone
// surrogate has no UTF-8 and is refused.
std::string_view str_value(const FieldSpec& field, py::handle value, std::string_view parent) {
  if (!PyUnicode_Check(value.ptr())) {
    throw Invalid{field_path(parent, field), "must be a string, not " + type_name(value)};
  }
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (text == nullptr) {
    PyErr_Clear();
    throw Invalid{field_path(parent, field), "is not valid UTF-8 (it holds a lone surrogate)"};
  }
  return {text, static_cast<std::size_t>(size)};
}

void check_event_name(const RecordSpec& spec, std::string_view name) {
  try {
    detail::check_event_name(name, spec.event_name);
  } catch (const ValidationError& error) {
    throw Invalid{error.field(), error.problem()};
  }
}

py::object new_instance(py::handle cls) {
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  py::object instance =
      py::reinterpret_steal<py::object>(type->tp_new(type, empty_tuple().ptr(), nullptr));
  if (!instance) throw py::error_already_set();
  return instance;
}

void init_record_at(py::handle self, const RecordSpec& spec, py::handle kwargs,
                    std::string_view parent);

// A nested record given as a mapping becomes an instance of its class.
py::object record_value(const FieldSpec& field, py::handle value, std::string_view parent) {
  const int is_instance = PyObject_IsInstance(value.ptr(), field.record_class.ptr());
  if (is_instance < 0) throw py::error_already_set();
  if (is_instance == 1) return py::reinterpret_borrow<py::object>(value);
  if (PyDict_Check(value.ptr())) {
    py::object record = new_instance(field.record_class);
    init_record_at(record, *field.record, value, field_path(parent, field));
    return record;
  }
  throw Invalid{field_path(parent, field),
                "must be a " + field.record->type_name + " or a dict, not " + type_name(value)};
}

// The value stored for a field given `value`: floats for float fields, a
// plain str for text, the record for a nested record.
py::object checked_value(const RecordSpec& spec, const FieldSpec& field, py::handle value,
                         std::string_view parent) {
  switch (field.kind) {
    case Kind::Float:
      if (PyFloat_CheckExact(value.ptr())) {
        (void)float_value(field, value, parent);
        return py::reinterpret_borrow<py::object>(value);
      }
      return py::float_(float_value(field, value, parent));
    case Kind::Int:
      if (PyLong_CheckExact(value.ptr())) {
        (void)int_value(field, value, parent);
        return py::reinterpret_borrow<py::object>(value);
      }
      return py::int_(int_value(field, value, parent));
    case Kind::Str: {
      const std::string_view text = str_value(field, value, parent);
      if (spec.is_event() && &field == &spec.fields[1]) check_event_name(spec, text);
      if (PyUnicode_CheckExact(value.ptr())) return py::reinterpret_borrow<py::object>(value);
      // A str subclass (a str Enum member) is stored as its plain text.
      return py::reinterpret_steal<py::object>(PyUnicode_FromObject(value.ptr()));
    }
    case Kind::Record:
      return record_value(field, value, parent);
  }
  return py::none();
}

void init_record_at(py::handle self, const RecordSpec& spec, py::handle kwargs,
                    std::string_view parent) {
  py::dict values;
  Py_ssize_t used = 0;
  PyObject* given = kwargs.ptr();
  for (const FieldSpec& field : spec.fields) {
    PyObject* value = given != nullptr ? PyDict_GetItemWithError(given, field.name.ptr()) : nullptr;
    if (value == nullptr && PyErr_Occurred()) throw py::error_already_set();
    if (value != nullptr) ++used;
    if (value == nullptr) {
      if (!field.default_value) throw Invalid{field_path(parent, field), "field required"};
      value = field.default_value.ptr();
    }
    if (value == Py_None) {
      if (!field.optional) {
        throw Invalid{field_path(parent, field), "none is not an allowed value"};
      }
      values[field.name] = py::none();
      continue;
    }
    values[field.name] = checked_value(spec, field, value, parent);
  }
  if (given != nullptr && used < PyDict_Size(given)) {
    for (const auto& item : py::reinterpret_borrow<py::dict>(kwargs)) {
      if (!values.contains(item.first)) {
        const std::string name = py::str(item.first);
        throw Invalid{parent.empty() ? name : std::string(parent) + "." + name,
                      "is not a field of " + (spec.is_event() ? spec.event_name : spec.type_name)};
      }
    }
  }
  if (PyObject_GenericSetDict(self.ptr(), values.ptr(), nullptr) != 0)
    throw py::error_already_set();
}

// The text field holding the most text, blamed for a line that is too long.
struct LongestText {
  const FieldSpec* field = nullptr;
  std::string parent;
  std::size_t size = 0;
  std::string path() const { return field == nullptr ? "event" : field_path(parent, *field); }
};

void append_fields(std::string& out, const RecordSpec& spec, py::handle record,
                   std::string_view parent, LongestText& longest) {
  bool first = true;
  for (const FieldSpec& field : spec.fields) {
    const py::object value =
        py::reinterpret_steal<py::object>(PyObject_GetAttr(record.ptr(), field.name.ptr()));
    if (!value) {
      PyErr_Clear();
      throw Invalid{field_path(parent, field), "field required"};
    }
    if (value.is_none()) {
      if (field.optional) continue;
      throw Invalid{field_path(parent, field), "none is not an allowed value"};
    }
    out.append(first ? std::string_view(field.key).substr(2) : std::string_view(field.key));
    first = false;
    switch (field.kind) {
      case Kind::Float:
        detail::append_python_float(out, float_value(field, value, parent));
        break;
      case Kind::Int:
        detail::append_integer(out, int_value(field, value, parent));
        break;
      case Kind::Str: {
        const std::string_view text = str_value(field, value, parent);
        if (spec.is_event() && &field == &spec.fields[1]) check_event_name(spec, text);
        if (!detail::append_ascii_json_string(out, text)) {
          throw Invalid{field_path(parent, field), "is not valid UTF-8"};
        }
        if (text.size() > longest.size) {
          longest.field = &field;
          longest.parent.assign(parent);
          longest.size = text.size();
        }
        break;
      }
      case Kind::Record: {
        const py::object nested = record_value(field, value, parent);
        out += '{';
        append_fields(out, *field.record, nested, field_path(parent, field), longest);
        out += '}';
        break;
      }
    }
  }
}

}  // namespace

py::capsule spec_capsule(std::shared_ptr<const RecordSpec> spec) {
  return py::capsule(new std::shared_ptr<const RecordSpec>(std::move(spec)), CAPSULE_NAME,
                     [](PyObject* capsule) {
                       delete static_cast<std::shared_ptr<const RecordSpec>*>(
                           PyCapsule_GetPointer(capsule, CAPSULE_NAME));
                     });
}

std::shared_ptr<const RecordSpec> spec_from_capsule(py::handle capsule) {
  void* pointer = PyCapsule_GetPointer(capsule.ptr(), CAPSULE_NAME);
  if (pointer == nullptr) throw py::error_already_set();
  return *static_cast<std::shared_ptr<const RecordSpec>*>(pointer);
}

const RecordSpec& spec_of(py::handle object) {
  static PyObject* const attribute = PyUnicode_InternFromString("_rm_spec");
  PyObject* const type = reinterpret_cast<PyObject*>(Py_TYPE(object.ptr()));
  const py::object capsule = py::reinterpret_steal<py::object>(PyObject_GetAttr(type, attribute));
  void* pointer = capsule ? PyCapsule_GetPointer(capsule.ptr(), CAPSULE_NAME) : nullptr;
  if (pointer == nullptr) {
    PyErr_Clear();
    throw py::type_error(type_name(object) + " is not a runner_metrics event or record");
  }
  // The class holds the capsule, and the object holds the class.
  return **static_cast<std::shared_ptr<const RecordSpec>*>(pointer);
}

void init_record(py::handle self, py::handle kwargs) {
  init_record_at(self, spec_of(self), kwargs, {});
}

void append_event_line(std::string& out, py::handle event) {
  const RecordSpec& spec = spec_of(event);
  if (!spec.is_event()) {
    throw py::type_error(spec.type_name + " is a record, not an event: it has no line of its own");
  }
  const std::size_t start = out.size();
  LongestText longest;
  try {
    out += '{';
    append_fields(out, spec, event, {}, longest);
    out += "}\n";
  } catch (...) {
    out.resize(start);
    throw;
  }
  if (out.size() - start > MAX_LINE_BYTES) {
    const std::size_t size = out.size() - start;
    out.resize(start);
    throw Invalid{longest.path(), "makes the line " + std::to_string(size) + " bytes, over the " +
                                      std::to_string(MAX_LINE_BYTES) + "-byte limit"};
  }
}

std::string record_json(py::handle record) {
  const RecordSpec& spec = spec_of(record);
  std::string out;
  if (spec.is_event()) {
    append_event_line(out, record);
    out.pop_back();
    return out;
  }
  LongestText longest;
  out += '{';
  append_fields(out, spec, record, {}, longest);
  out += '}';
  return out;
}

py::object make_record(py::handle cls, py::dict values) {
  py::object record = new_instance(cls);
  if (PyObject_GenericSetDict(record.ptr(), values.ptr(), nullptr) != 0) {
    throw py::error_already_set();
  }
  return record;
}

}  // namespace runner_metrics::python
