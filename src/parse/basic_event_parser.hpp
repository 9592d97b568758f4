// SPDX-License-Identifier: Apache-2.0
// BasicEventParser's code, a template over the set of event types. The
// library compiles it for its own four (event_parser.cpp); a program with
// types of its own includes this file and links simdjson.
//
// Lines are read in up to three steps. Most lines are valid events as the
// library's writer wrote them: canonical_line.hpp recognises that exact
// layout without a JSON parser. Any other line goes to the fast path over
// simdjson's DOM parser (tape_decoder.hpp), which parses the whole line and
// takes it when every rule holds. Any line still left is decoded again with
// the On-Demand API, which reports number and string errors when a value is
// read, not for the whole document: that is what lets every error name its
// field.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "json/utf8_blame.hpp"
#include "parse/canonical_line.hpp"
#include "parse/event_registry.hpp"
#include "parse/reused_event.hpp"
#include "parse/tape_decoder.hpp"
#include "parse/value_decoder.hpp"
#include "runner_metrics/event_parser.hpp"

namespace runner_metrics {

template <class Variant>
struct BasicEventParser<Variant>::Impl {
  static_assert(BasicEventParser::PADDING >= simdjson::SIMDJSON_PADDING);
  using Registry = detail::EventRegistry<Variant>;
  using Failure = detail::Failure;
  using ValueDecoder = detail::ValueDecoder;

  // What the passes over a line's members have found so far.
  struct MemberScan {
    /// The event's type, once its `event` member was read.
    std::size_t type_index = std::variant_npos;
    /// Members came before `event`: read the line again, the type known.
    bool needs_second_pass = false;
    /// `event` names no type of the set (ParseRules::Log).
    bool other = false;
    bool has_event = false;
    std::optional<double> timestamp;
    /// A member before `event` whose value is the bare token `Infinity`.
    std::string infinity_before_event;
  };

  ParseRules rules;
  detail::TapeDecoder tape;
  detail::SpareAlternatives<Variant> spares;
  simdjson::ondemand::parser parser;
  std::string buffer;
  Line result;
  Failure failure;
  detail::SeenNames seen;
  std::string event_name;

  Line& invalid(std::string field, std::string problem) {
    result.kind = Line::Kind::Invalid;
    result.field = std::move(field);
    result.problem = std::move(problem);
    return result;
  }

  Line& invalid_from_failure() {
    return invalid(std::move(failure.field), std::move(failure.problem));
  }

  // The line in our own buffer, followed by zeroed padding for simdjson to
  // read past the end. The fast path reads a line the same whatever follows
  // it; On-Demand (simdjson 3.0) does not always: on a malformed line it may
  // look at the byte after the end, and a "}" there changed which error it
  // gave (found by fuzz/log_line_fuzzer.cpp).
  std::string_view padded(std::string_view line) {
    if (buffer.size() < line.size() + BasicEventParser::PADDING) {
      buffer.resize(line.size() + BasicEventParser::PADDING);
    }
    if (line.data() != buffer.data()) std::memcpy(buffer.data(), line.data(), line.size());
    std::memset(buffer.data() + line.size(), 0, BasicEventParser::PADDING);
    return {buffer.data(), line.size()};
  }

  // One pass over the object's members into result.event and `scan`. The
  // event type is known once the `event` member is read; members before it
  // (other than `timestamp`) are skipped and scan.needs_second_pass is set,
  // so the caller can read the line again with the type known. Returns
  // false with `failure` set.
  bool read_members(simdjson::ondemand::object& object, bool first_pass, MemberScan& scan) {
    namespace od = simdjson::ondemand;
    Variant& event = result.event;
    ValueDecoder decoder(rules, failure);
    std::uint64_t present = 0;
    seen.clear();
    for (auto member_result : object) {
      od::field json_field;
      std::string_view key;
      if (std::move(member_result).get(json_field) != simdjson::SUCCESS) {
        return decoder.fail({}, {}, "is not a valid JSON object");
      }
      const char* raw_key = json_field.key().raw();  // before unescaped_key() consumes it
      if (json_field.unescaped_key().get(key) != simdjson::SUCCESS) {
        // A name with a lone surrogate (\ud800) is JSON, but not a name any
        // field has: when reading a log, a member to ignore like any other.
        const std::optional<std::string_view> escaped = detail::json_string_body(raw_key);
        if (!escaped || rules == ParseRules::Input) {
          return decoder.fail({}, {}, "has a member name that is not a valid string");
        }
        key = *escaped;
      }
      if (first_pass && !seen.insert(key)) return decoder.fail({}, key, "is given twice");
      od::value value = json_field.value();
      if (key == "timestamp") {
        double seconds = 0;
        if (!decoder.decode_into(value, seconds, "timestamp", Range::NonNegative, {})) return false;
        // An event happens at a time: `Infinity` stands for a value only (format.md §7).
        if (is_unknown_value(seconds))
          return decoder.fail({}, "timestamp", "must be a finite number");
        scan.timestamp = seconds;
      } else if (key == "event") {
        std::string& name = event_name;  // reused: no allocation per line
        if (!decoder.decode_into(value, name, "event", Range::Any, {})) return false;
        scan.has_event = true;
        const std::size_t index = Registry::index_of(name);
        if (index == std::variant_npos) {
          if (rules == ParseRules::Input) {
            return decoder.fail({}, "event",
                                fmt::format("\"{}\" is not an event type (one of {})",
                                            name.substr(0, 64), Registry::listed()));
          }
          scan.other = true;
        } else if (scan.type_index == std::variant_npos) {
          scan.type_index = index;
          detail::hold_type(event, index, spares);
        }
      } else if (scan.other) {
        // Another writer's event: only its JSON well-formedness matters.
        if (!decoder.check_json(value, {}, key)) return false;
      } else if (scan.type_index == std::variant_npos) {
        // Read again once the type is known, unless the type turns out to
        // be another writer's: then this was the only look at it. `Infinity`
        // is no JSON, but may be a float field's unknown value (format.md §7):
        // the second pass decides, or the line is invalid if there is none.
        if (first_pass && ValueDecoder::is_infinity_token(value)) {
          if (scan.infinity_before_event.empty()) scan.infinity_before_event = key;
        } else if (first_pass && !decoder.check_json(value, {}, key)) {
          return false;
        }
        scan.needs_second_pass = true;
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
        if (found == 0 && (first_pass || ValueDecoder::is_infinity_token(value)) &&
            !decoder.check_json(value, {}, key)) {
          return false;
        }
      }
    }
    if (scan.type_index == std::variant_npos || scan.needs_second_pass) return true;
    return std::visit(
        [&](auto& e) {
          detail::clear_absent_optionals(e, present);
          return decoder.require_all(e, present, {});
        },
        event);
  }

  // `text` is followed by PADDING readable bytes.
  const Line& read_padded(std::string_view text) {
    if (detail::CanonicalLine::read(text, result.event, spares)) {
      result.kind = Line::Kind::Event;
      return result;
    }
    switch (tape.read(text, rules, result.event, spares)) {
      case detail::TapeDecoder::Verdict::Event:
        result.kind = Line::Kind::Event;
        return result;
      case detail::TapeDecoder::Verdict::Other:
        result.kind = Line::Kind::Other;
        return result;
      case detail::TapeDecoder::Verdict::Unsure:
        break;
    }
    return decode_on_demand(padded(text));
  }

  // The slow path, which names what is wrong. `line` is in `buffer`, padded.
  const Line& decode_on_demand(std::string_view line) {
    namespace od = simdjson::ondemand;
    MemberScan scan;
    for (int pass = 0; pass < 2; ++pass) {
      od::document doc;
      const auto error =
          parser.iterate(line.data(), line.size(), line.size() + BasicEventParser::PADDING)
              .get(doc);
      if (error == simdjson::UTF8_ERROR) {
        const std::string field = utf8_blame(line);
        return invalid(field, field.empty() ? "line is not valid UTF-8" : "is not valid UTF-8");
      }
      if (error != simdjson::SUCCESS) return invalid({}, "line is not valid JSON");
      od::object object;
      if (const auto object_error = doc.get_object().get(object);
          object_error != simdjson::SUCCESS) {
        if (line.empty()) return invalid({}, "line is empty");
        // An object cut short (a torn write, a truncated copy) is not "not an object".
        return invalid({}, object_error == simdjson::INCORRECT_TYPE ? "line is not a JSON object"
                                                                    : "line is not valid JSON");
      }
      if (!read_members(object, pass == 0, scan)) return invalid_from_failure();
      const char* trailing = nullptr;
      if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
        return invalid({}, "line has content after the JSON object");
      }
      if (!scan.needs_second_pass || scan.other || scan.type_index == std::variant_npos) break;
      scan.needs_second_pass = false;
    }
    if (!scan.infinity_before_event.empty() &&
        (scan.other || scan.type_index == std::variant_npos)) {
      return invalid(std::move(scan.infinity_before_event), "is not valid JSON");
    }
    if (!scan.has_event) return invalid("event", "is required");
    if (scan.other) {
      result.kind = Line::Kind::Other;
      return result;
    }
    if (!scan.timestamp) return invalid("timestamp", "is required");
    std::visit([&](auto& e) { e.timestamp = *scan.timestamp; }, result.event);
    result.kind = Line::Kind::Event;
    return result;
  }
};

template <class Variant>
BasicEventParser<Variant>::BasicEventParser(ParseRules rules) : impl_(std::make_unique<Impl>()) {
  impl_->rules = rules;
}
template <class Variant>
BasicEventParser<Variant>::~BasicEventParser() = default;
template <class Variant>
BasicEventParser<Variant>::BasicEventParser(BasicEventParser&&) noexcept = default;
template <class Variant>
BasicEventParser<Variant>& BasicEventParser<Variant>::operator=(BasicEventParser&&) noexcept =
    default;

template <class Variant>
auto BasicEventParser<Variant>::read(std::string_view line) -> const Line& {
  return impl_->read_padded(impl_->padded(line));
}

template <class Variant>
auto BasicEventParser<Variant>::read_in_place(std::string_view line) -> const Line& {
  return impl_->read_padded(line);
}

template <class Variant>
Variant BasicEventParser<Variant>::parse(std::string_view line) {
  const Line& parsed = read(line);
  switch (parsed.kind) {
    case Line::Kind::Event:
      return parsed.event;
    case Line::Kind::Other:
      throw ValidationError("event", "is not an event type of this library");
    case Line::Kind::Invalid:
      break;
  }
  throw ValidationError(parsed.field, parsed.problem);
}

}  // namespace runner_metrics
