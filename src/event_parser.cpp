// Decodes event lines with simdjson's On-Demand API. On-Demand reports number
// and string errors when a value is read, not for the whole document, which
// is what lets every error name its field.
#include "runner_metrics/event_parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "utf8_blame.hpp"
#include "value_decoder.hpp"

namespace runner_metrics {

namespace {

using detail::Failure;
using detail::SeenNames;
using detail::ValueDecoder;
namespace od = simdjson::ondemand;

// The index in AnyEvent of the type whose name is `name`, or npos.
std::size_t event_type_index(std::string_view name) {
  std::size_t found = std::variant_npos;
  std::size_t index = 0;
  for_each_event_type([&](auto type) {
    if (name == event_type_name<typename decltype(type)::type>()) found = index;
    ++index;
  });
  return found;
}

std::string known_event_names() {
  std::string names;
  for_each_event_type([&](auto type) {
    if (!names.empty()) names += ", ";
    names += event_type_name<typename decltype(type)::type>();
  });
  return names;
}

}  // namespace

struct EventParser::Impl {
  ParseRules rules;
  od::parser parser;
  std::string buffer;
  ParsedLine result;
  Failure failure;
  SeenNames seen;
  std::string event_name;

  ParsedLine& invalid(std::string field, std::string problem) {
    result.kind = ParsedLine::Kind::Invalid;
    result.field = std::move(field);
    result.problem = std::move(problem);
    return result;
  }

  ParsedLine& invalid_from_failure() {
    return invalid(std::move(failure.field), std::move(failure.problem));
  }

  // The line followed by the zeroed padding simdjson reads past the end.
  std::string_view padded(std::string_view line) {
    if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING) {
      buffer.assign(line.size() + simdjson::SIMDJSON_PADDING, '\0');
    }
    std::memcpy(buffer.data(), line.data(), line.size());
    std::memset(buffer.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    return {buffer.data(), line.size()};
  }

  // One pass over the object's members. The event type is known once the
  // `event` member is read; members before it (other than `timestamp`) are
  // skipped and `needs_second_pass` is set, so the caller can read the line
  // again with the type known. Returns false with `failure` set.
  bool read_members(od::object& object, AnyEvent& event, std::size_t& type_index,
                    bool& needs_second_pass, bool first_pass, bool& other,
                    std::optional<double>& timestamp, bool& has_event) {
    ValueDecoder decoder(rules, failure);
    std::uint64_t present = 0;
    seen.clear();
    for (auto member_result : object) {
      od::field json_field;
      std::string_view key;
      if (std::move(member_result).get(json_field) != simdjson::SUCCESS) {
        return decoder.fail({}, {}, "is not a valid JSON object");
      }
      if (json_field.unescaped_key().get(key) != simdjson::SUCCESS) {
        return decoder.fail({}, {}, "has a member name that is not a valid string");
      }
      if (first_pass && !seen.insert(key)) return decoder.fail({}, key, "is given twice");
      od::value value = json_field.value();
      if (key == "timestamp") {
        double seconds = 0;
        if (!decoder.decode_into(value, seconds, "timestamp", Range::NonNegative, {})) return false;
        timestamp = seconds;
      } else if (key == "event") {
        std::string& name = event_name;  // reused: no allocation per line
        if (!decoder.decode_into(value, name, "event", Range::Any, {})) return false;
        has_event = true;
        const std::size_t index = event_type_index(name);
        if (index == std::variant_npos) {
          if (rules == ParseRules::Input) {
            return decoder.fail({}, "event",
                                fmt::format("\"{}\" is not an event type (one of {})",
                                            name.substr(0, 64), known_event_names()));
          }
          other = true;
        } else if (type_index == std::variant_npos) {
          type_index = index;
          emplace_event(event, index);
        }
        std::visit([&](auto& e) { e.event.assign(name); }, event);
      } else if (other) {
        // Another writer's event: only its JSON well-formedness matters.
      } else if (type_index == std::variant_npos) {
        needs_second_pass = true;
      } else {
        const int found = std::visit(
            [&](auto& e) { return decoder.decode_member(value, e, key, {}, present); }, event);
        if (found < 0) return false;
        if (found == 0 && rules == ParseRules::Input) {
          return decoder.fail(
              {}, key,
              fmt::format("is not a field of {}",
                          std::visit([](auto& e) -> std::string_view { return e.event; }, event)));
        }
      }
    }
    if (type_index == std::variant_npos || needs_second_pass) return true;
    return std::visit(
        [&](auto& e) {
          clear_absent_optionals(e, present);
          return decoder.require_all(e, present, {});
        },
        event);
  }

  // The event of the previous line is reused, its strings keeping their
  // capacity; an optional member this line does not have must not keep the
  // previous line's value.
  template <Record R>
  static void clear_absent_optionals(R& record, std::uint64_t present) {
    std::size_t index = 0;
    for_each_field<R>([&](const auto& field) {
      auto& member = record.*(field.member);
      if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
        if ((present & (std::uint64_t{1} << index)) == 0) member.reset();
      }
      ++index;
    });
  }

  // Makes `event` hold the type at `index`, keeping it (and the capacity of
  // its strings) when it already does.
  static void emplace_event(AnyEvent& event, std::size_t index) {
    if (event.index() == index) return;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((index == I ? (event.template emplace<I>(), 0) : 0), ...);
    }(std::make_index_sequence<std::variant_size_v<AnyEvent>>{});
  }

  const ParsedLine& read(std::string_view line) {
    const std::string_view text = padded(line);
    std::size_t type_index = std::variant_npos;
    bool needs_second_pass = false;
    bool other = false;
    bool has_event = false;
    std::optional<double> timestamp;
    for (int pass = 0; pass < 2; ++pass) {
      od::document doc;
      const auto error = parser.iterate(text.data(), text.size(), buffer.size()).get(doc);
      if (error == simdjson::UTF8_ERROR) {
        const std::string field = utf8_blame(line);
        return invalid(field, field.empty() ? "line is not valid UTF-8" : "is not valid UTF-8");
      }
      if (error != simdjson::SUCCESS) return invalid({}, "line is not valid JSON");
      od::object object;
      if (doc.get_object().get(object) != simdjson::SUCCESS) {
        return invalid({}, line.empty() ? "line is empty" : "line is not a JSON object");
      }
      const bool first_pass = pass == 0;
      if (!read_members(object, result.event, type_index, needs_second_pass, first_pass, other,
                        timestamp, has_event)) {
        return invalid_from_failure();
      }
      const char* trailing = nullptr;
      if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
        return invalid({}, "line has content after the JSON object");
      }
      if (!needs_second_pass || other || type_index == std::variant_npos) break;
      needs_second_pass = false;
    }
    if (!has_event) return invalid("event", "is required");
    if (other) {
      result.kind = ParsedLine::Kind::Other;
      return result;
    }
    if (!timestamp) return invalid("timestamp", "is required");
    std::visit([&](auto& e) { e.timestamp = *timestamp; }, result.event);
    result.kind = ParsedLine::Kind::Event;
    return result;
  }
};

EventParser::EventParser(ParseRules rules) : impl_(std::make_unique<Impl>()) {
  impl_->rules = rules;
}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

const ParsedLine& EventParser::read(std::string_view line) { return impl_->read(line); }

AnyEvent EventParser::parse(std::string_view line) {
  const ParsedLine& parsed = impl_->read(line);
  switch (parsed.kind) {
    case ParsedLine::Kind::Event:
      return parsed.event;
    case ParsedLine::Kind::Other:
      throw ValidationError("event", "is not an event type of this library");
    case ParsedLine::Kind::Invalid:
      break;
  }
  throw ValidationError(parsed.field, parsed.problem);
}

}  // namespace runner_metrics
