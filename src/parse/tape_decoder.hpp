// SPDX-License-Identifier: Apache-2.0
// The fast path for reading a line. simdjson's DOM parser checks a whole
// line in one pass of the fastest kernel the CPU has (picked at run time),
// and the fields are then read off its tape. The fast path only ever says
// yes: a line it cannot take as a valid event (or, when reading a log, as
// another writer's event) goes to the On-Demand decoder, which finds the
// field at fault and says what is wrong with it. So both paths agree by
// construction: the On-Demand decoder alone decides what is invalid.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include "parse/event_registry.hpp"
#include "parse/reused_event.hpp"
#include "parse/value_decoder.hpp"
#include "runner_metrics/description.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"

namespace runner_metrics::detail {

/// A record's description as a constant, so each name compare below has a
/// length known at compile time.
template <Record R>
inline constexpr auto fields_of = R::fields();

/// Calls `fn(field, index)` for the field of `R` named `key`; false when `R`
/// has no such field.
template <Record R, class Fn>
bool visit_field_named(std::string_view key, Fn&& fn) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return ((key == std::get<I>(fields_of<R>).name && (fn(std::get<I>(fields_of<R>), I), true)) ||
            ...);
  }
  (std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<decltype(fields_of<R>)>>>{});
}

class TapeDecoder {
 public:
  TapeDecoder() {
    // MAX_LEVELS: a line nested deeper is the On-Demand decoder's to name.
    // Should this fail, the first parse allocates as it would have anyway.
    [[maybe_unused]] const auto error = parser_.allocate(MAX_LINE_BYTES / 16, MAX_LEVELS);
  }

  enum class Verdict { Event, Other, Unsure };

  /// Longer lines go to the On-Demand decoder only: a tape costs about 8
  /// bytes per byte of line, and no event is anywhere near this long.
  static constexpr std::size_t MAX_LINE_BYTES = std::size_t{64} * 1024;

  /// `line` must be followed in memory by SIMDJSON_PADDING readable bytes.
  /// Event: `event` holds the line's event, timestamp included. Other: the
  /// line is another writer's event (ParseRules::Log only). Unsure: ask the
  /// On-Demand decoder; `event` may be half filled. `spares` lend `event`
  /// the type it needs (see hold_type).
  template <class Variant>
  Verdict read(std::string_view line, ParseRules rules, Variant& event,
               SpareAlternatives<Variant>& spares) {
    namespace dom = simdjson::dom;
    if (line.size() > MAX_LINE_BYTES) return Verdict::Unsure;
    dom::element root;
    dom::object object;
    std::string_view name;
    if (parser_.parse(line.data(), line.size(), false).get(root) != simdjson::SUCCESS ||
        root.get_object().get(object) != simdjson::SUCCESS ||
        object.at_key("event").get_string().get(name) != simdjson::SUCCESS) {
      return Verdict::Unsure;
    }
    const std::size_t index = EventRegistry<Variant>::index_of(name);
    if (index == std::variant_npos) {
      return rules == ParseRules::Log && is_other_event(object) ? Verdict::Other : Verdict::Unsure;
    }
    hold_type(event, index, spares);
    SeenNames* unknown = rules == ParseRules::Log ? &unknown_ : nullptr;
    const bool taken = std::visit([&](auto& e) { return take_event(object, e, unknown); }, event);
    return taken ? Verdict::Event : Verdict::Unsure;
  }

 private:
  template <Event E>
  bool take_event(simdjson::dom::object object, E& event, SeenNames* unknown) {
    if (unknown != nullptr) unknown->clear();
    std::uint64_t present = 0;
    bool has_timestamp = false;
    bool has_event = false;
    for (const simdjson::dom::key_value_pair member : object) {
      if (member.key == "timestamp") {
        if (has_timestamp || !take(member.value, event.timestamp, Range::NonNegative)) return false;
        has_timestamp = true;
      } else if (member.key == "event") {
        if (has_event) return false;
        has_event = true;
      } else if (!take_member(member.key, member.value, event, present, unknown)) {
        return false;
      }
    }
    if (!has_timestamp || !has_required_fields<E>(present)) return false;
    clear_absent_optionals(event, present);
    return true;
  }

  // Unknown names are fine, once each, only where `unknown` is given.
  template <Record R>
  static bool take_member(std::string_view key, simdjson::dom::element value, R& record,
                          std::uint64_t& present, SeenNames* unknown) {
    bool taken = false;
    const bool known = visit_field_named<R>(key, [&](const auto& field, std::size_t index) {
      const std::uint64_t bit = std::uint64_t{1} << index;
      taken = (present & bit) == 0 && take(value, record.*(field.member), field.range);
      present |= bit;
    });
    if (known) return taken;
    return unknown != nullptr && unknown->insert(key);
  }

  // format.md §7's `other`, with the checks the On-Demand decoder makes of one:
  // no name twice, and a timestamp, where there is one, that is a time.
  bool is_other_event(simdjson::dom::object object) {
    unknown_.clear();
    for (const simdjson::dom::key_value_pair member : object) {
      if (!unknown_.insert(member.key)) return false;
      double timestamp = 0;
      if (member.key == "timestamp" && !take(member.value, timestamp, Range::NonNegative)) {
        return false;
      }
    }
    return true;
  }

  static bool take(simdjson::dom::element value, double& member, Range range) {
    double number = 0;
    if (value.get_double().get(number) != simdjson::SUCCESS) return false;
    if (range == Range::NonNegative && !(number >= 0)) return false;
    member = number;
    return true;
  }

  static bool take(simdjson::dom::element value, std::int64_t& member, Range range) {
    // INT64 only: a fraction, an exponent or a value past the signed range
    // is the On-Demand decoder's to report.
    std::int64_t number = 0;
    if (value.type() != simdjson::dom::element_type::INT64 ||
        value.get_int64().get(number) != simdjson::SUCCESS) {
      return false;
    }
    if (range == Range::NonNegative && number < 0) return false;
    member = number;
    return true;
  }

  static bool take(simdjson::dom::element value, std::string& member, Range) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return false;
    member.assign(text);
    return true;
  }

  template <class T>
  static bool take(simdjson::dom::element value, std::optional<T>& member, Range range) {
    if (value.is_null()) {
      member.reset();
      return true;
    }
    if (!member) member.emplace();
    return take(value, *member, range);
  }

  template <Record R>
  static bool take(simdjson::dom::element value, R& record, Range) {
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return false;
    record = R{};
    std::uint64_t present = 0;
    for (const simdjson::dom::key_value_pair member : object) {
      if (!take_member(member.key, member.value, record, present, nullptr)) return false;
    }
    return has_required_fields<R>(present);
  }

  simdjson::dom::parser parser_;
  SeenNames unknown_;
};

}  // namespace runner_metrics::detail
