// SPDX-License-Identifier: Apache-2.0
// _runner_metrics: the compiled half of the Python module runner_metrics.
// runner_metrics/__init__.py builds the ancestor's classes on it; use that.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "library_events.hpp"
#include "readers.hpp"
#include "records.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/logrotate.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/reader.hpp"
#include "runner_metrics/serialize.hpp"

namespace py = pybind11;
namespace rm = runner_metrics;
using rm::python::FieldSpec;
using rm::python::Invalid;
using rm::python::Kind;
using rm::python::RecordSpec;

namespace {

// The exception classes of runner_metrics/_errors.py, kept for the life of
// the interpreter.
struct ErrorClasses {
  py::handle validation;
  py::handle issue;
  py::handle logrotate;
  py::handle read_log;
};
ErrorClasses& errors() {
  static ErrorClasses classes;
  return classes;
}

void raise(py::handle cls, const py::tuple& args) { PyErr_SetObject(cls.ptr(), args.ptr()); }

void translate(std::exception_ptr error) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const Invalid& e) {
    raise(errors().validation, py::make_tuple(e.field, e.problem));
  } catch (const rm::ValidationError& e) {
    raise(errors().validation, py::make_tuple(e.field(), e.problem()));
  } catch (const rm::IssueMetricEventError& e) {
    raise(errors().issue, py::make_tuple(e.what()));
  } catch (const rm::LogrotateSetupError& e) {
    raise(errors().logrotate, py::make_tuple(e.what()));
  } catch (const rm::ReadLogError& e) {
    raise(errors().read_log, py::make_tuple(e.what()));
  }
}

Kind kind_named(const std::string& name) {
  if (name == "float") return Kind::Float;
  if (name == "int") return Kind::Int;
  if (name == "str") return Kind::Str;
  if (name == "record") return Kind::Record;
  throw py::value_error("unknown field kind " + name);
}

// RecordSpec(type_name, event_name, [(name, kind, optional, non_negative,
// nested_spec, record_class, default), ...]); default is `required` when
// the field has none.
py::capsule make_spec(std::string type_name, std::string event_name, const py::list& fields,
                      const py::object& required) {
  auto spec = std::make_shared<RecordSpec>();
  spec->type_name = std::move(type_name);
  spec->event_name = std::move(event_name);
  for (const auto& item : fields) {
    const auto description = py::cast<py::tuple>(item);
    FieldSpec field;
    field.text = py::cast<std::string>(description[0]);
    field.name = py::reinterpret_steal<py::str>(PyUnicode_InternFromString(field.text.c_str()));
    field.key = ", ";
    if (!rm::detail::append_ascii_json_string(field.key, field.text)) {
      throw py::value_error("field name is not UTF-8");
    }
    field.key += ": ";
    field.kind = kind_named(py::cast<std::string>(description[1]));
    field.optional = py::cast<bool>(description[2]);
    field.non_negative = py::cast<bool>(description[3]);
    if (field.kind == Kind::Record) {
      field.record = rm::python::spec_from_capsule(description[4]);
      field.record_class = description[5];
    }
    const py::object default_value = description[6];
    if (!default_value.is(required)) field.default_value = default_value;
    spec->fields.push_back(std::move(field));
  }
  if (spec->is_event() && (spec->fields.size() < 2 || spec->fields[0].text != "timestamp" ||
                           spec->fields[1].text != "event")) {
    throw py::value_error("an event's first fields are timestamp and event");
  }
  return rm::python::spec_capsule(std::move(spec));
}

// Lets other Python threads run while this one writes. pybind11's
// gil_scoped_release looks up its internals on every use: too slow for a
// per-event write.
class WithoutGil {
 public:
  WithoutGil() : state_(PyEval_SaveThread()) {}
  ~WithoutGil() { PyEval_RestoreThread(state_); }
  WithoutGil(const WithoutGil&) = delete;
  WithoutGil& operator=(const WithoutGil&) = delete;

 private:
  PyThreadState* state_;
};

// The text of a call's lines: the thread's own buffer, kept between calls
// because a fresh one of megabytes is page-faulted in again on every call
// (bench/python/append_all_bench.py), or a fresh one while an outer call on
// this thread holds it. Building a line reads attributes and iterates, which
// runs Python code (a property, a generator) that may append again: sharing
// the buffer then tore the outer line.
class LineBuffer {
 public:
  LineBuffer() : owner_(!kept().busy) {
    if (owner_) {
      kept().busy = true;
      kept().text.clear();
    }
  }
  ~LineBuffer() {
    if (!owner_) return;
    Kept& k = kept();
    k.busy = false;
    // Past this, the memory goes back.
    if (k.text.capacity() > kKeepBytes) std::string().swap(k.text);
  }
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;

  std::string& text() { return owner_ ? kept().text : fresh_; }

 private:
  static constexpr std::size_t kKeepBytes = std::size_t{16} * 1024 * 1024;
  struct Kept {
    std::string text;
    bool busy = false;
  };
  static Kept& kept() {
    thread_local Kept buffer;
    return buffer;
  }

  bool owner_;
  std::string fresh_;
};

// One line per event, serialized under the GIL, written without it.
void append_event(rm::MetricsLog& log, py::handle event) {
  LineBuffer buffer;
  std::string& line = buffer.text();
  rm::python::append_event_line(line, event);
  const WithoutGil unlocked;
  log.write_lines(line, 1);
}

void append_events(rm::MetricsLog& log, const py::iterable& events) {
  LineBuffer buffer;
  std::string& lines = buffer.text();
  std::size_t count = 0;
  for (const auto& event : events) {
    rm::python::append_event_line(lines, event);
    ++count;
  }
  const WithoutGil unlocked;
  log.write_lines(lines, count);
}

// issue_event's log: the one at the METRICS_LOG_PATH of the last call.
struct DefaultLog {
  py::object path;
  std::shared_ptr<rm::MetricsLog> log;
};

void issue_event(py::handle event) {
  static PyObject* const name = PyUnicode_InternFromString("METRICS_LOG_PATH");
  static auto* const package = new py::object(py::module_::import("runner_metrics"));
  static auto* const current = new DefaultLog();
  const py::object path = py::reinterpret_steal<py::object>(PyObject_GetAttr(package->ptr(), name));
  if (!path) throw py::error_already_set();
  if (!current->log || (!path.is(current->path) && !path.equal(current->path))) {
    current->log = std::make_shared<rm::MetricsLog>(py::cast<std::filesystem::path>(path));
    current->path = path;
  }
  const std::shared_ptr<rm::MetricsLog> log = current->log;  // another thread may replace it
  append_event(*log, event);
}

constexpr const char* ISSUE_EVENT_DOC =
    "Appends the event's line to METRICS_LOG_PATH (read at each call), as the ancestor did.\n\n"
    ">>> issue_event(RunnerInstalled(timestamp=123, flavor=\"small\", duration=456))\n"
    "→ appends {\"timestamp\": 123.0, \"event\": \"runner_installed\", \"flavor\": "
    "\"small\", \"duration\": 456.0}\n\n"
    "Raises IssueMetricEventError if the log cannot be written, ValidationError if the\n"
    "event breaks the rules (nothing is written).";

// Runs `body` for a function CPython calls directly (no pybind11 dispatcher,
// which costs more than the work on the hot path), turning a C++ exception
// into the Python one.
template <class Body>
PyObject* guarded(Body&& body) {  // catches everything: CPython frames cannot unwind
  try {
    return body();
  } catch (py::error_already_set& error) {
    error.restore();
  } catch (...) {
    try {
      translate(std::current_exception());
    } catch (const py::builtin_exception& error) {
      error.set_error();
    } catch (const std::exception& error) {
      PyErr_SetString(PyExc_RuntimeError, error.what());
    } catch (...) {
      PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
    }
  }
  return nullptr;
}

PyObject* record_init_function(PyObject* /*unbound*/, PyObject* args, PyObject* kwargs) {
  return guarded([&]() -> PyObject* {
    if (PyTuple_GET_SIZE(args) != 1) {
      throw py::type_error("events and records take keyword arguments only");
    }
    rm::python::init_record(PyTuple_GET_ITEM(args, 0), kwargs);
    return py::none().release().ptr();
  });
}

PyObject* record_json_function(PyObject* /*unbound*/, PyObject* args, PyObject* kwargs) {
  return guarded([&]() -> PyObject* {
    if (PyTuple_GET_SIZE(args) != 1) throw py::type_error("json() takes keyword arguments only");
    if (kwargs != nullptr && PyDict_Size(kwargs) != 0) {
      PyObject* exclude_none = PyDict_GetItemString(kwargs, "exclude_none");
      if (exclude_none == nullptr || PyDict_Size(kwargs) != 1) {
        throw py::type_error("json() takes one keyword argument, exclude_none=True");
      }
      const int truth = PyObject_IsTrue(exclude_none);
      if (truth < 0) throw py::error_already_set();
      if (truth == 0) {
        throw py::value_error(
            "runner_metrics writes absent fields by leaving them out: only "
            ".json(exclude_none=True) is supported");
      }
    }
    const std::string line = rm::python::record_json(PyTuple_GET_ITEM(args, 0));
    // Only printable ASCII is ever written.
    return PyUnicode_DecodeASCII(line.data(), static_cast<Py_ssize_t>(line.size()), nullptr);
  });
}

PyObject* issue_event_function(PyObject* /*module*/, PyObject* event) {
  return guarded([&]() -> PyObject* {
    issue_event(event);
    return py::none().release().ptr();
  });
}

PyMethodDef record_init_method{
    "record_init",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&record_init_function)),
    METH_VARARGS | METH_KEYWORDS,
    "Builds the record from keyword arguments; raises ValidationError naming the field."};
PyMethodDef record_json_method{
    "json", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&record_json_function)),
    METH_VARARGS | METH_KEYWORDS,
    "json(*, exclude_none=True)\n\n"
    "The object as the ancestor's .json(exclude_none=True) wrote it, without a newline.\n\n"
    ">>> RunnerInstalled(timestamp=123, flavor=\"small\", duration=456).json()\n"
    "'{\"timestamp\": 123.0, \"event\": \"runner_installed\", \"flavor\": \"small\", "
    "\"duration\": 456.0}'\n\n"
    "Raises ValidationError if a field was since set to a value the rules refuse."};
PyMethodDef issue_event_method{"issue_event", &issue_event_function, METH_O, ISSUE_EVENT_DOC};

}  // namespace

PYBIND11_MODULE(_runner_metrics, module) {
  module.doc() = "The compiled half of runner_metrics; import runner_metrics instead.";

  const py::module_ error_module = py::module_::import("runner_metrics._errors");
  errors().validation = py::object(error_module.attr("ValidationError")).release();
  errors().issue = py::object(error_module.attr("IssueMetricEventError")).release();
  errors().logrotate = py::object(error_module.attr("LogrotateSetupError")).release();
  errors().read_log = py::object(error_module.attr("ReadLogError")).release();
  py::register_exception_translator(&translate);

  module.def("record_spec", &make_spec, py::arg("type_name"), py::arg("event_name"),
             py::arg("fields"), py::arg("required"),
             "The fields of one event or record class, as the class attribute _rm_spec.");

  // Record's __init__ and json, as methods of C++ (no Python frame per call).
  const py::object init =
      py::reinterpret_steal<py::object>(PyCFunction_New(&record_init_method, nullptr));
  if (!init) throw py::error_already_set();
  module.attr("record_init") = py::reinterpret_steal<py::object>(PyInstanceMethod_New(init.ptr()));
  const py::object json =
      py::reinterpret_steal<py::object>(PyCFunction_New(&record_json_method, nullptr));
  if (!json) throw py::error_already_set();
  module.attr("record_json") = py::reinterpret_steal<py::object>(PyInstanceMethod_New(json.ptr()));
  module.attr("issue_event") = py::reinterpret_steal<py::object>(
      PyCFunction_NewEx(&issue_event_method, nullptr, module.attr("__name__").ptr()));
  module.def(
      "event_line",
      [](py::handle event) {
        std::string line;
        rm::python::append_event_line(line, event);
        return line;
      },
      py::arg("event"));
  module.def("set_library_classes", &rm::python::set_library_classes, py::arg("events"),
             py::arg("code_information"));
  module.def("library_descriptions", &rm::python::library_descriptions);

  py::class_<rm::MetricsLog>(module, "MetricsLog")
      .def(py::init([](std::filesystem::path path, bool hold_signals) {
             return std::make_unique<rm::MetricsLog>(
                 std::move(path), rm::MetricsLogOptions{.hold_signals = hold_signals});
           }),
           py::arg("path"), py::kw_only(), py::arg("hold_signals").noconvert() = true)
      .def_property_readonly("path", &rm::MetricsLog::path)
      .def("append", &append_event, py::arg("event"))
      .def("append_all", &append_events, py::arg("events"));

  module.def(
      "setup_logrotate",
      [](std::filesystem::path config, std::filesystem::path log, std::filesystem::path systemctl) {
        const rm::LogrotateSetup setup{
            .config = std::move(config), .log = std::move(log), .systemctl = std::move(systemctl)};
        py::gil_scoped_release release;
        rm::setup_logrotate(setup);
      },
      py::arg("config"), py::arg("log"), py::arg("systemctl"));
  module.def("logrotate_config", &rm::logrotate_config, py::arg("log"));
  module.attr("MAX_LINE_BYTES") = rm::MAX_LINE_BYTES;

  rm::python::bind_readers(module);
}
