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
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

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

/// What one line turned out to be.
struct ParsedLine {
  enum class Kind { Event, Other, Invalid };
  Kind kind = Kind::Invalid;
  AnyEvent event;       ///< Set when kind is Event.
  std::string field;    ///< When Invalid: the field at fault, or empty.
  std::string problem;  ///< When Invalid: what is wrong with it.
};

/// Parses one line at a time, reusing its buffers. Not thread-safe: use one
/// per thread.
class EventParser {
 public:
  explicit EventParser(ParseRules rules = ParseRules::Input);
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;

  /// Classifies a line (its "\n" removed). Never throws on bad input.
  const ParsedLine& read(std::string_view line);

  /// Bytes past the end of a line that read_in_place may read, never write.
  static constexpr std::size_t PADDING = 64;

  /// As read(), for a line followed in memory by at least PADDING readable
  /// bytes (of any content): saves copying the line. A reader that keeps
  /// PADDING bytes of slack after its buffer can hand over lines in place.
  const ParsedLine& read_in_place(std::string_view line);

  /// The event on a line (its "\n" removed); throws ValidationError naming
  /// the field when it is not a valid event under the parser's rules.
  AnyEvent parse(std::string_view line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runner_metrics
