// SPDX-License-Identifier: Apache-2.0
// Invariants shared by the fuzz targets. A violated invariant stops the run
// with __builtin_trap(), which libFuzzer reports as a crash and saves the
// input for.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::fuzz {

/// Traps with a message on stderr when `ok` is false.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    __builtin_trap();
  }
}

/// The line of any event, whichever type it holds.
inline std::string any_to_line(const AnyEvent& event) {
  return std::visit([](const auto& e) { return to_line(e); }, event);
}

/// A line the library produced ends with exactly one "\n" and holds only
/// printable ASCII (U+0020 to U+007E) before it: no other "\n", no "\r".
inline void check_line_shape(std::string_view line) {
  check(!line.empty() && line.back() == '\n', "line does not end with \\n");
  check(line.size() <= MAX_LINE_BYTES, "line is longer than MAX_LINE_BYTES");
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    check(c >= 0x20 && c <= 0x7E, "line holds a byte that is not printable ASCII");
  }
}

/// A line the library produced for an event of one of its own types, named
/// by its own type: reading it back under either rules gives an event that
/// writes the very same line.
inline void check_round_trip(std::string_view line) {
  const std::string_view text = line.substr(0, line.size() - 1);
  AnyEvent reparsed;
  try {
    EventParser parser(ParseRules::Input);
    reparsed = parser.parse(text);
  } catch (const ValidationError&) {
    check(false, "Input rules reject a line the library wrote");
  }
  std::string again;
  try {
    again = any_to_line(reparsed);
  } catch (const ValidationError&) {
    check(false, "an event read from a written line does not serialize");
  }
  check(again == line, "write(read(line)) differs from line");

  EventParser log_parser(ParseRules::Log);
  const ParsedLine& parsed = log_parser.read(text);
  check(parsed.kind == ParsedLine::Kind::Event, "Log rules do not read a written line as Event");
  check(any_to_line(parsed.event) == line, "Log rules read a written line as another event");
}

}  // namespace runner_metrics::fuzz
