// SPDX-License-Identifier: Apache-2.0
#include "library_events.hpp"

#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "records.hpp"

namespace runner_metrics::python {

namespace {

struct LibraryClasses {
  std::map<std::string, py::object, std::less<>> events;
  py::object code_information;
};

// Lives as long as the interpreter: never destroyed after Python finalizes.
LibraryClasses& classes() {
  static auto* instance = new LibraryClasses();
  return *instance;
}

template <Record R>
py::object record_to_python(const R& record);

template <class V>
py::object value_to_python(const V& value) {
  if constexpr (std::is_same_v<V, double>) {
    return py::float_(value);
  } else if constexpr (std::is_same_v<V, std::int64_t>) {
    return py::int_(value);
  } else if constexpr (std::is_same_v<V, std::string>) {
    return py::str(value);
  } else if constexpr (is_optional_field_v<V>) {
    return value ? value_to_python(*value) : py::none();
  } else {
    return record_to_python(value);
  }
}

template <Record R>
py::handle python_class() {
  if constexpr (Event<R>) {
    const auto found = classes().events.find(event_type_name<R>());
    if (found == classes().events.end()) {
      throw py::type_error("no Python class for " + event_type_name<R>());
    }
    return found->second;
  } else {
    static_assert(std::is_same_v<R, CodeInformation>, "a nested record of the library");
    return classes().code_information;
  }
}

template <Record R>
py::object record_to_python(const R& record) {
  py::dict values;
  if constexpr (Event<R>) {
    values["timestamp"] = py::float_(record.timestamp);
    values["event"] = py::str(record.event);
  }
  for_each_field<R>([&](const auto& field) {
    values[py::str(field.name.data(), field.name.size())] = value_to_python(record.*(field.member));
  });
  return make_record(python_class<R>(), values);
}

template <class V>
py::tuple describe_field(std::string_view name, bool non_negative);

template <Record R>
py::list describe_fields() {
  py::list fields;
  for_each_field<R>([&](const auto& field) {
    using Member = std::remove_cvref_t<decltype(std::declval<R>().*(field.member))>;
    fields.append(describe_field<Member>(field.name, field.range == Range::NonNegative));
  });
  return fields;
}

template <class V>
py::tuple describe_field(std::string_view name, bool non_negative) {
  using Value = field_value_t<V>;
  const bool optional = is_optional_field_v<V>;
  const py::str text(name.data(), name.size());
  if constexpr (std::is_same_v<Value, double>) {
    return py::make_tuple(text, "float", optional, non_negative, py::none());
  } else if constexpr (std::is_same_v<Value, std::int64_t>) {
    return py::make_tuple(text, "int", optional, non_negative, py::none());
  } else if constexpr (std::is_same_v<Value, std::string>) {
    return py::make_tuple(text, "str", optional, false, py::none());
  } else {
    return py::make_tuple(text, "record", optional, false, describe_fields<Value>());
  }
}

}  // namespace

void set_library_classes(const py::dict& events, py::object code_information) {
  for (const auto& [name, cls] : events) {
    classes().events[py::cast<std::string>(name)] = py::reinterpret_borrow<py::object>(cls);
  }
  classes().code_information = std::move(code_information);
}

py::object to_python(const AnyEvent& event) {
  return std::visit([](const auto& e) { return record_to_python(e); }, event);
}

py::list library_descriptions() {
  py::list types;
  for_each_event_type([&](auto type) {
    using E = typename decltype(type)::type;
    py::list fields;
    fields.append(py::make_tuple("timestamp", "float", false, true, py::none()));
    fields.append(py::make_tuple("event", "str", false, false, py::none()));
    for (const auto& field : describe_fields<E>()) fields.append(field);
    types.append(py::make_tuple(event_type_name<E>(), fields));
  });
  return types;
}

}  // namespace runner_metrics::python
