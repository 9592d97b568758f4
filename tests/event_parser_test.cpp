// SPDX-License-Identifier: Apache-2.0
// EventParser: what a line is under each rule set, and that its two decoders
// (the whole-line fast path and the On-Demand one that names faults) agree.
#include "runner_metrics/event_parser.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/log_builder.hpp"
#include "support/vectors.hpp"

namespace runner_metrics {
namespace {

using Kind = ParsedLine::Kind;

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Event:
      return "event";
    case Kind::Other:
      return "other";
    case Kind::Invalid:
      return "invalid";
  }
  return "?";
}

struct Case {
  std::string line;
  Kind kind;
  std::string field = {};  // for Invalid
};

void expect_cases(ParseRules rules, const std::vector<Case>& cases) {
  EventParser parser(rules);
  for (const Case& c : cases) {
    const ParsedLine& parsed = parser.read(c.line);
    EXPECT_EQ(kind_name(parsed.kind), std::string(kind_name(c.kind))) << c.line;
    if (c.kind == Kind::Invalid && parsed.kind == Kind::Invalid) {
      EXPECT_EQ(parsed.field, c.field) << c.line << ": " << parsed.problem;
    }
  }
}

constexpr std::string_view kInstalled =
    R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0)";

std::string installed_with(std::string_view extra) {
  return fmt::format("{}, {}}}", kInstalled, extra);
}

TEST(EventParser, AMemberNobodyReadsMustStillBeJson) {
  expect_cases(
      ParseRules::Log,
      {
          {installed_with(R"("x": true)"), Kind::Event},
          {installed_with(R"("x": [1, {"y": null, "z": [false, -0.5e-3]}, "\u00e9"])"),
           Kind::Event},
          // What Python's json reads (1e400 as inf, big integers, lone
          // surrogates) is JSON, whatever a field would make of it.
          {installed_with(R"("x": 1e400, "y": 123456789012345678901234567890)"), Kind::Event},
          {installed_with(R"("x": "\ud800", "\udfff": 1)"), Kind::Event},
          {installed_with(R"("x": tru)"), Kind::Invalid, "x"},
          {installed_with(R"("x": nul)"), Kind::Invalid, "x"},
          {installed_with(R"("x": falsey)"), Kind::Invalid, "x"},
          {installed_with(R"("x": 01)"), Kind::Invalid, "x"},
          {installed_with(R"("x": 1.)"), Kind::Invalid, "x"},
          {installed_with(R"("x": -)"), Kind::Invalid, "x"},
          {installed_with(R"("x": 1e)"), Kind::Invalid, "x"},
          {installed_with(R"("x": Infinity)"), Kind::Invalid, "x"},
          {installed_with(R"("x": NaN)"), Kind::Invalid, "x"},
          {installed_with(R"("x": [1, tru])"), Kind::Invalid, "x"},
          {installed_with(R"("x": {"y": {"z": nul}})"), Kind::Invalid, "x"},
          {installed_with(R"("x": "\x")"), Kind::Invalid, "x"},
          {installed_with(R"("x": "\u12g4")"), Kind::Invalid, "x"},
          // The line's object and 999 arrays are 1000 levels: the most.
          {installed_with(R"("x": )" + std::string(999, '[') + std::string(999, ']')), Kind::Event},
          {installed_with(R"("x": )" + std::string(1000, '[') + std::string(1000, ']')),
           Kind::Invalid, "x"},
          // Before `event`, where the type is not known yet.
          {R"({"x": tru, "timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 2})",
           Kind::Invalid, "x"},
          // Inside a nested record.
          {R"({"timestamp": 1, "event": "runner_stop", "flavor": "s", "workflow": "w", "repo": "r", )"
           R"("github_event": "push", "status": "abnormal", "status_info": {"code": 1, "x": tru}, )"
           R"("job_duration": 3})",
           Kind::Invalid, "status_info.x"},
          // Another writer's event is other only if it is JSON.
          {R"({"event": "heartbeat", "host": [1, 2]})", Kind::Other},
          {R"({"event": "heartbeat", "host": tru})", Kind::Invalid, "host"},
          {R"({"host": nul, "event": "heartbeat"})", Kind::Invalid, "host"},
      });
}

// Both decoders read numbers as Python's json module reads them into a
// float. (simdjson 3.0's On-Demand misread numbers of over 19 significant
// digits; the fuzzer found 0.3000000005678901234500000004 read as 3.3e-10.)
TEST(EventParser, NumbersReadAsPythonReadsThemOnBothPaths) {
  const std::pair<std::string_view, double> numbers[] = {
      {"0.3000000005678901234500000004", 0.3000000005678901},
      {"123456789012345678901234567890", 1.2345678901234568e+29},
      {"1.5e-400", 0.0},
      {"4.9e-324", 4.9406564584124654e-324},
      {"-0", 0.0},
      {"7", 7.0},
      {"1.7976931348623157e308", 1.7976931348623157e308},
  };
  EventParser parser(ParseRules::Input);
  for (const auto& [text, expected] : numbers) {
    const std::string line = fmt::format(
        R"({{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": {}}})", text);
    for (const std::string& read_as : {line, std::string(70 * 1024, ' ') + line}) {
      const ParsedLine& parsed = parser.read(read_as);
      ASSERT_EQ(parsed.kind, Kind::Event) << text << ": " << parsed.problem;
      const double duration = std::get<RunnerInstalled>(parsed.event).duration;
      EXPECT_EQ(duration, expected) << text;
      EXPECT_FALSE(std::signbit(duration)) << text;
    }
  }
  for (const std::string_view text : {"1e400", "-1.5", "1.7976931348623159e308"}) {
    const std::string line = fmt::format(
        R"({{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": {}}})", text);
    EXPECT_EQ(parser.read(line).kind, Kind::Invalid) << text;
    EXPECT_EQ(parser.read(std::string(70 * 1024, ' ') + line).field, "duration") << text;
  }
}

TEST(EventParser, InputRulesRefuseMembersThatAreNotFields) {
  expect_cases(ParseRules::Input, {
                                      {std::string(kInstalled) + "}", Kind::Event},
                                      {installed_with(R"("x": true)"), Kind::Invalid, "x"},
                                      {R"({"event": "heartbeat"})", Kind::Invalid, "event"},
                                  });
}

TEST(EventParser, EachLineGetsItsOwnOptionalsWhenTypesAlternate) {
  EventParser parser(ParseRules::Log);
  const std::string with_queue = testing::start_line(1, "s", 2, 3.0);
  const std::string without_queue = testing::start_line(4, "s", 5, std::nullopt);
  const std::string installed = testing::installed_line(6, "s", 7);
  for (const std::string& line : {with_queue, installed, without_queue, installed, with_queue}) {
    const ParsedLine& parsed = parser.read(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_EQ(parsed.kind, Kind::Event) << line;
    if (const auto* start = std::get_if<RunnerStart>(&parsed.event)) {
      EXPECT_EQ(start->queue_duration.has_value(), line == with_queue) << line;
    }
  }
}

TEST(EventParser, ReadInPlaceReadsOnlyTheLineItIsGiven) {
  // The bytes after the line are the next line, as in a reader's buffer.
  const std::string buffer =
      std::string(kInstalled) + "}\n{\"event\": 5}" + std::string(EventParser::PADDING, 'x');
  const std::size_t end = buffer.find('\n');
  EventParser parser(ParseRules::Log);
  const ParsedLine& parsed = parser.read_in_place(std::string_view(buffer).substr(0, end));
  ASSERT_EQ(parsed.kind, Kind::Event) << parsed.problem;
  EXPECT_EQ(std::get<RunnerInstalled>(parsed.event),
            (RunnerInstalled{.timestamp = 1, .flavor = "s", .duration = 2}));
  const ParsedLine& cut = parser.read_in_place(std::string_view(buffer).substr(0, end - 1));
  EXPECT_EQ(cut.kind, Kind::Invalid);
}

// A line's verdict, from whichever decoder gives it.
struct Verdict {
  Kind kind;
  AnyEvent event;
  std::string field;
  std::string problem;
};

Verdict verdict_of(EventParser& parser, std::string_view line) {
  const ParsedLine& parsed = parser.read(line);
  return {parsed.kind, parsed.event, parsed.field, parsed.problem};
}

// Lines longer than the fast path takes (64 KiB) go to the On-Demand decoder
// alone; the same line behind that much leading whitespace, which JSON
// ignores, shows what that decoder makes of it.
void expect_both_decoders_agree(ParseRules rules, const std::vector<std::string>& lines) {
  EventParser parser(rules);
  const std::string whitespace(70 * 1024, ' ');
  std::size_t events = 0;
  std::size_t others = 0;
  std::size_t invalid = 0;
  for (const std::string& line : lines) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank: its own message
    const Verdict fast = verdict_of(parser, line);
    const Verdict slow = verdict_of(parser, whitespace + line);
    ASSERT_EQ(kind_name(fast.kind), std::string(kind_name(slow.kind))) << line;
    switch (fast.kind) {
      case Kind::Event:
        ++events;
        EXPECT_EQ(fast.event, slow.event) << line;
        break;
      case Kind::Other:
        ++others;
        break;
      case Kind::Invalid:
        ++invalid;
        // Both verdicts come from the On-Demand decoder, whose wording for
        // broken structure may depend on where the line starts.
        EXPECT_EQ(fast.field, slow.field) << line;
        break;
    }
  }
  // The lines must exercise every verdict, or agreeing proves little.
  EXPECT_GT(events, lines.size() / 10);
  EXPECT_GT(invalid, lines.size() / 10);
  if (rules == ParseRules::Log) {
    EXPECT_GT(others, 10u);
  }
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; at < text.size(); at = end + 1) {
    end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
  }
  return lines;
}

// Valid lines with one byte changed, dropped or doubled: near misses that
// keep most of an event, where two decoders are most likely to differ.
std::vector<std::string> near_misses(const std::vector<std::string>& lines, std::size_t count) {
  static constexpr std::string_view kBytes = R"({}[]",:.-+eE0123456789 \ntrufalsn)";
  std::mt19937_64 random(7);
  std::vector<std::string> result;
  while (result.size() < count) {
    std::string line = lines[random() % lines.size()];
    if (line.empty()) continue;
    const std::size_t at = random() % line.size();
    switch (random() % 3) {
      case 0:
        line[at] = kBytes[random() % kBytes.size()];
        break;
      case 1:
        line.erase(at, 1);
        break;
      default:
        line.insert(at, 1, line[at]);
    }
    result.push_back(std::move(line));
  }
  return result;
}

TEST(EventParser, BothDecodersAgreeOnRandomLogsAndNearMisses) {
  std::vector<std::string> lines = lines_of(testing::random_log({.lines = 4000, .seed = 5}));
  const std::vector<std::string> valid =
      lines_of(testing::random_log({.lines = 2000, .seed = 6, .junk = false}));
  const std::vector<std::string> misses = near_misses(valid, 6000);
  lines.insert(lines.end(), misses.begin(), misses.end());
  // Either side of the deepest nesting a line may have (1000 levels).
  for (std::size_t levels = 997; levels <= 1002; ++levels) {
    const std::string member = std::string(levels, '[') + std::string(levels, ']');
    lines.push_back(installed_with(R"("x": )" + member));
    lines.push_back(R"({"event": "heartbeat", "x": )" + member + "}");
  }
  for (ParseRules rules : {ParseRules::Log, ParseRules::Input}) {
    SCOPED_TRACE(rules == ParseRules::Log ? "log rules" : "input rules");
    expect_both_decoders_agree(rules, lines);
  }
}

// A reader hands over lines in place, followed by whatever comes next in
// its buffer; the verdict must not depend on it.
TEST(EventParser, ReadInPlaceGivesTheSameVerdictWhateverFollowsTheLine) {
  std::vector<std::string> lines = lines_of(testing::random_log({.lines = 2000, .seed = 9}));
  const std::vector<std::string> valid =
      lines_of(testing::random_log({.lines = 1000, .seed = 10, .junk = false}));
  const std::vector<std::string> misses = near_misses(valid, 3000);
  lines.insert(lines.end(), misses.begin(), misses.end());
  EventParser copying(ParseRules::Log);
  EventParser in_place(ParseRules::Log);
  std::size_t differ = 0;
  for (const std::string& line : lines) {
    const Verdict expected = verdict_of(copying, line);
    for (const char next : {'}', ']', '"', '\\', '0', '\n', '\xff'}) {
      const std::string buffer = line + std::string(EventParser::PADDING, next);
      const ParsedLine& got =
          in_place.read_in_place(std::string_view(buffer).substr(0, line.size()));
      const bool same = got.kind == expected.kind && got.field == expected.field &&
                        got.problem == expected.problem &&
                        (got.kind != Kind::Event || got.event == expected.event);
      if (!same && ++differ <= 5) {
        ADD_FAILURE() << "followed by '" << next << "': " << line << "\n  " << got.field << ": "
                      << got.problem << "\n  expected " << expected.field << ": "
                      << expected.problem;
      }
    }
  }
  EXPECT_EQ(differ, 0u);
}

TEST(EventParser, BothDecodersAgreeOnEveryVector) {
  std::vector<std::string> lines;
  for (const testing::Vector& v : testing::load_vectors()) lines.push_back(v.input);
  EventParser parser(ParseRules::Input);
  const std::string whitespace(70 * 1024, ' ');
  for (const std::string& line : lines) {
    const Verdict fast = verdict_of(parser, line);
    const Verdict slow = verdict_of(parser, whitespace + line);
    ASSERT_EQ(kind_name(fast.kind), std::string(kind_name(slow.kind))) << line;
    EXPECT_EQ(fast.field, slow.field) << line;
    if (fast.kind == Kind::Event) {
      EXPECT_EQ(fast.event, slow.event) << line;
    }
  }
}

}  // namespace
}  // namespace runner_metrics
