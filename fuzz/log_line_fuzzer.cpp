// SPDX-License-Identifier: Apache-2.0
// A line of a metrics log, any bytes, through EventParser under both rule
// sets. EventParser has three paths: the writer's exact layout read without
// a JSON parser (parse/canonical_line.hpp) and a fast path over simdjson's
// DOM tape, which both only ever accept, and the On-Demand decoder that
// decides everything else and names the field at fault. For each line:
//   - an invalid line names a problem;
//   - what the first path takes alone, the parser reads as the same event
//     from the line after a space (which the first path never takes);
//   - the first two paths agree with the On-Demand decoder, which alone reads
//     the same line behind 70 KiB of leading whitespace (the fast path takes
//     lines up to 64 KiB): same kind, same field at fault, same event;
//   - read in place, followed by bytes that are not the parser's own, the
//     line reads the same;
//   - a valid event is written again as a well-formed line that reads back
//     as the same event, unless it holds an unknown value (`Infinity`,
//     format.md §7): only Log rules read one, and nothing writes it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_checks.hpp"
#include "parse/canonical_line.hpp"
#include "runner_metrics/event_parser.hpp"

namespace {

using namespace runner_metrics;
using fuzz::check;

// The fast path's limit is 64 KiB; this is past it.
const std::string& slow_path_prefix() {
  static const std::string prefix(70 * 1024, ' ');
  return prefix;
}

// The first path alone: a line it takes reads the same through the others.
void check_first_path(std::string_view line) {
  static AnyEvent event;
  static detail::SpareAlternatives<AnyEvent> spares;
  if (!detail::CanonicalLine::read(line, event, spares)) return;
  static EventParser log_parser(ParseRules::Log);
  static EventParser input_parser(ParseRules::Input);
  const std::string spaced = " " + std::string(line);
  for (EventParser* parser : {&log_parser, &input_parser}) {
    const ParsedLine& full = parser->read(spaced);
    check(full.kind == ParsedLine::Kind::Event, "the first path takes a line the parser refuses");
    check(full.event == event, "the first path and the parser read different events");
  }
}

void check_rules(ParseRules rules, std::string_view line) {
  static EventParser log_parser(ParseRules::Log);
  static EventParser input_parser(ParseRules::Input);
  EventParser& parser = rules == ParseRules::Log ? log_parser : input_parser;

  const ParsedLine fast = parser.read(line);
  if (fast.kind == ParsedLine::Kind::Invalid) {
    check(!fast.problem.empty(), "an invalid line without a problem");
  }
  // A blank line has a message of its own; with the prefix it is blank still.
  if (line.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    const ParsedLine& slow = parser.read(slow_path_prefix() + std::string(line));
    if (fast.kind != slow.kind || fast.field != slow.field) {
      std::fprintf(stderr, "fast: kind %d, field \"%s\", %s\nslow: kind %d, field \"%s\", %s\n",
                   static_cast<int>(fast.kind), fast.field.c_str(), fast.problem.c_str(),
                   static_cast<int>(slow.kind), slow.field.c_str(), slow.problem.c_str());
    }
    check(fast.kind == slow.kind, "the two decoders disagree on the kind of a line");
    if (fast.kind == ParsedLine::Kind::Invalid) {
      check(fast.field == slow.field, "the two decoders blame different fields");
    }
    if (fast.kind == ParsedLine::Kind::Event) {
      check(fast.event == slow.event, "the two decoders read different events");
    }
  }
  {
    // In place, as a reader hands lines over, with bytes after the line that
    // once changed On-Demand's verdict.
    static std::string buffer;
    buffer.assign(line);
    buffer.append(EventParser::PADDING, '}');
    const ParsedLine& placed =
        parser.read_in_place(std::string_view(buffer).substr(0, line.size()));
    check(placed.kind == fast.kind && placed.field == fast.field &&
              placed.problem == fast.problem &&
              (placed.kind != ParsedLine::Kind::Event || placed.event == fast.event),
          "a line read in place reads differently");
  }
  if (fast.kind == ParsedLine::Kind::Event && count_unknown_values(fast.event) > 0) {
    check(rules == ParseRules::Log, "Input rules take an unknown value");
    check(line.find("Infinity") != std::string_view::npos, "an unknown value without Infinity");
    bool refused = false;
    try {
      (void)fuzz::any_to_line(fast.event);
    } catch (const ValidationError&) {
      refused = true;
    }
    check(refused, "an event of unknown value is written");
    return;
  }
  if (fast.kind == ParsedLine::Kind::Event) {
    const std::string written = fuzz::any_to_line(fast.event);
    fuzz::check_line_shape(written);
    const ParsedLine& again = parser.read(std::string_view(written).substr(0, written.size() - 1));
    check(again.kind == ParsedLine::Kind::Event && again.event == fast.event,
          "a valid event does not read back from its own line");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  check_first_path(line);
  check_rules(ParseRules::Log, line);
  check_rules(ParseRules::Input, line);
  return 0;
}
