// SPDX-License-Identifier: Apache-2.0
// The JSON input path of `runner-metrics issue --stdin`, up to (not
// including) the write: the input is split into lines as issue_command.cpp
// splits it, each line is parsed under Input rules and appended to the batch.
// Beyond "no crash, no sanitizer report", it checks that:
//   - every line the batch gets is one well-formed line (check_line_shape),
//     and the batch is exactly those lines in order;
//   - reading a written line back gives the same line (check_round_trip);
//   - a line Input rules accept is an Event under Log rules too, the same one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_checks.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/serialize.hpp"

using runner_metrics::AnyEvent;
using runner_metrics::EventParser;
using runner_metrics::MAX_LINE_BYTES;
using runner_metrics::ParsedLine;
using runner_metrics::ParseRules;
using runner_metrics::ValidationError;
using runner_metrics::fuzz::any_to_line;
using runner_metrics::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // One parser per batch, reused line after line, as the command does.
  EventParser parser(ParseRules::Input);
  EventParser log_parser(ParseRules::Log);
  std::string lines;
  std::vector<std::size_t> line_ends;

  for (std::size_t start = 0; start < input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    // Log rules classify anything without throwing.
    // The result stays valid until log_parser reads the next line.
    const ParsedLine& log_result = log_parser.read(line);

    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    AnyEvent event;
    try {
      event = parser.parse(line);
    } catch (const ValidationError&) {
      continue;
    }

    check(log_result.kind == ParsedLine::Kind::Event,
          "Input accepts a line Log does not read as Event");

    const std::size_t before = lines.size();
    try {
      std::visit([&](const auto& e) { runner_metrics::append_line(lines, e); }, event);
    } catch (const ValidationError&) {
      // Only a line too long once escaped may be refused after parsing; a
      // line of n bytes escapes to at most 6n.
      check(line.size() * 6 + 64 > MAX_LINE_BYTES, "an accepted line does not serialize");
      check(lines.size() == before, "a failed append_line changed the batch");
      continue;
    }
    const std::string_view written = std::string_view(lines).substr(before);
    runner_metrics::fuzz::check_line_shape(written);
    runner_metrics::fuzz::check_round_trip(written);
    // The Log reading of the input line is the same event as the Input one.
    check(any_to_line(log_result.event) == written,
          "Input and Log rules read the same line as different events");
    line_ends.push_back(lines.size());
  }

  // The batch is the written lines, one after the other, and nothing else.
  std::size_t start = 0;
  for (const std::size_t end : line_ends) {
    const std::string_view line = std::string_view(lines).substr(start, end - start);
    check(line.find('\n') == line.size() - 1, "the batch does not split into its lines");
    start = end;
  }
  check(start == lines.size(), "the batch holds bytes past its last line");
  return 0;
}
