// SPDX-License-Identifier: Apache-2.0
// Reading event lines: the JSON objects the library writes, as given to
// `runner-metrics issue --stdin` or found in a metrics log.
//
//   EventParser parser;
//   AnyEvent e = parser.parse(
//       R"({"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 2})");
//   → RunnerInstalled{.timestamp = 1, .flavor = "s", .duration = 2}
//
//   parser.parse(
//       R"({"timestamp": 1, "event": "runner_installed", "flavor": "s", "durration": 2})");
//   → throws ValidationError("durration", "is not a field of runner_installed")
//
// EventParser reads the library's four types. A parser over other types
// (your own, declared as description.hpp shows) is
// BasicEventParser<LibraryEventsAnd<RunnerResized>>: its lines read back as
// RunnerResized, not as `other`. Its code is a template over simdjson, so
// the library compiles only EventParser's; a program that names another set
// includes the library's parse/basic_event_parser.hpp (src/, in the source
// tree) and links simdjson.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "runner_metrics/errors.hpp"
#include "runner_metrics/events.hpp"

namespace runner_metrics {

/// Which rules a line is held to.
enum class ParseRules {
  /// format.md §3, for input that is about to be written: every member must be a
  /// field of the event's type, and `event` must name one of the types.
  Input,
  /// format.md §7, for reading a log that newer writers may have written: unknown
  /// members are ignored, and an object with another `event` name is `Other`.
  Log,
};

/// What one line turned out to be, for a parser of the event types of
/// `Variant` (a std::variant of Event types).
template <class Variant>
struct BasicParsedLine {
  enum class Kind { Event, Other, Invalid };
  Kind kind = Kind::Invalid;
  Variant event;        ///< Set when kind is Event.
  std::string field;    ///< When Invalid: the field at fault, or empty.
  std::string problem;  ///< When Invalid: what is wrong with it.
};

/// Parses one line at a time, reusing its buffers, into one of the event
/// types of `Variant`. Not thread-safe: use one per thread.
template <class Variant>
class BasicEventParser {
 public:
  using Line = BasicParsedLine<Variant>;

  explicit BasicEventParser(ParseRules rules = ParseRules::Input);
  ~BasicEventParser();
  BasicEventParser(BasicEventParser&&) noexcept;
  BasicEventParser& operator=(BasicEventParser&&) noexcept;

  /// Classifies a line (its "\n" removed). Never throws on bad input.
  const Line& read(std::string_view line);

  /// Bytes past the end of a line that read_in_place may read, never write.
  static constexpr std::size_t PADDING = 64;

  /// As read(), for a line followed in memory by at least PADDING readable
  /// bytes (of any content): saves copying the line. A reader that keeps
  /// PADDING bytes of slack after its buffer can hand over lines in place.
  const Line& read_in_place(std::string_view line);

  /// The event on a line (its "\n" removed); throws ValidationError naming
  /// the field when it is not a valid event under the parser's rules.
  Variant parse(std::string_view line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

namespace detail {
template <class Variant, class... Own>
struct append_alternatives;
template <class... Types, class... Own>
struct append_alternatives<std::variant<Types...>, Own...> {
  using type = std::variant<Types..., Own...>;
};
}  // namespace detail

/// The library's events followed by a program's own:
/// `LibraryEventsAnd<RunnerResized>`.
template <Event... Own>
using LibraryEventsAnd = typename detail::append_alternatives<AnyEvent, Own...>::type;

/// One line read by EventParser.
using ParsedLine = BasicParsedLine<AnyEvent>;

/// The parser of the library's own events, compiled into the library.
using EventParser = BasicEventParser<AnyEvent>;
extern template class BasicEventParser<AnyEvent>;

}  // namespace runner_metrics
