// SPDX-License-Identifier: Apache-2.0
// parse/canonical_line.hpp, the parser's first path: a line in the writer's
// exact layout, read without a JSON parser. Whatever it takes must be the
// event the full parser (simdjson's tape, then On-Demand) reads from the same
// line, under both rules; it must take every line the writer writes without
// an escape; and any change to such a line is either declined or still read
// as the parser reads it. The full parser is reached by a leading space,
// which the first path never takes and JSON ignores.
#include "parse/canonical_line.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/vectors.hpp"

namespace runner_metrics {
namespace {

struct FirstPath {
  AnyEvent event;
  detail::SpareAlternatives<AnyEvent> spares;

  bool read(std::string_view line) { return detail::CanonicalLine::read(line, event, spares); }
};

struct Counts {
  std::size_t taken = 0;
  std::size_t declined = 0;
};

// Reads `line` with the first path alone and with the full parser under both
// rules; fails the test when the first path takes a line the parser reads as
// anything else. True when the first path took it.
bool agrees(std::string_view line, Counts& counts) {
  static FirstPath first;
  static EventParser log_parser(ParseRules::Log);
  static EventParser input_parser(ParseRules::Input);
  if (!first.read(line)) {
    ++counts.declined;
    return false;
  }
  ++counts.taken;
  const std::string spaced = " " + std::string(line);
  for (EventParser* parser : {&log_parser, &input_parser}) {
    const ParsedLine& full = parser->read(spaced);
    EXPECT_EQ(full.kind, ParsedLine::Kind::Event)
        << "the first path took a line the parser reads as "
        << (full.kind == ParsedLine::Kind::Other ? "other" : full.field + ": " + full.problem)
        << "\n  " << line;
    if (full.kind == ParsedLine::Kind::Event) {
      EXPECT_TRUE(full.event == first.event) << "the two paths read different events\n  " << line;
    }
  }
  return true;
}

std::string without_newline(std::string line) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

std::string any_line(const AnyEvent& event) {
  return without_newline(std::visit([](const auto& e) { return to_line(e); }, event));
}

std::vector<std::string> file_lines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Canonical lines of every type, every optional field present and absent,
// numbers of every form the writer writes.
std::vector<std::string> written_lines() {
  std::vector<AnyEvent> events = {
      RunnerInstalled{.timestamp = 123, .flavor = "small", .duration = 456},
      RunnerInstalled{.timestamp = 0, .flavor = "", .duration = 0},
      RunnerInstalled{.timestamp = 1e16, .flavor = "x", .duration = 1e-05},
      RunnerInstalled{.timestamp = 1795618299.572733, .flavor = "f", .duration = 0.1},
      RunnerInstalled{.timestamp = 1.7976931348623157e308, .flavor = "f", .duration = 5e-324},
      RunnerStart{.timestamp = 1700000001.5,
                  .flavor = "large",
                  .workflow = "Tests",
                  .repo = "canonical/microk8s",
                  .github_event = "push",
                  .idle = 34.0,
                  .queue_duration = 2.154},
      RunnerStart{.timestamp = 1700000001.5, .flavor = "l", .idle = 1234567890123.4567},
      RunnerStop{.timestamp = 1700000002.25,
                 .flavor = "small",
                 .workflow = "-nightly",
                 .repo = "o/r",
                 .github_event = "schedule",
                 .status = "abnormal",
                 .status_info = CodeInformation{.code = 137},
                 .job_duration = 61.25,
                 .job_conclusion = "failure"},
      RunnerStop{.timestamp = 1, .status = "normal", .job_duration = 535.882},
      RunnerStop{.timestamp = 1,
                 .status = "x",
                 .status_info = CodeInformation{.code = -9},
                 .job_conclusion = ""},
      RunnerStop{.timestamp = 1, .status_info = CodeInformation{.code = -999999999999999999}},
      RunnerStop{.timestamp = 1, .status_info = CodeInformation{.code = 0}},
      Reconciliation{.timestamp = 1700000003,
                     .flavor = "s",
                     .crashed_runners = 0,
                     .idle_runners = 15,
                     .duration = 44.397},
      Reconciliation{.timestamp = 1700000003,
                     .flavor = "s",
                     .crashed_runners = 999999999999999999,
                     .idle_runners = 1,
                     .active_runners = 7,
                     .expected_runners = 0,
                     .duration = 4.2},
      Reconciliation{.timestamp = 1, .expected_runners = 3},
  };
  std::vector<std::string> lines;
  lines.reserve(events.size());
  for (const AnyEvent& event : events) lines.push_back(any_line(event));
  return lines;
}

TEST(CanonicalLine, TakesEveryWrittenLineWithoutEscapesAsTheParserReadsIt) {
  Counts counts;
  for (const std::string& line : written_lines()) {
    EXPECT_TRUE(agrees(line, counts)) << "declined a line as the writer writes it:\n  " << line;
  }
  EXPECT_EQ(counts.declined, 0U);
  // An integer of 19 digits might not fit: the parser's to read.
  const std::string longest = any_line(RunnerStop{
      .timestamp = 1, .status_info = CodeInformation{std::numeric_limits<std::int64_t>::min()}});
  EXPECT_FALSE(agrees(longest, counts)) << longest;
}

TEST(CanonicalLine, ReadsEachFieldIntoItsMember) {
  FirstPath first;
  ASSERT_TRUE(first.read(
      R"({"timestamp": 1700000002.25, "event": "runner_stop", "flavor": "small", "workflow": "W", "repo": "o/r", "github_event": "push", "status": "abnormal", "status_info": {"code": -9}, "job_duration": 61.25, "job_conclusion": "failure"})"));
  EXPECT_TRUE(first.event == AnyEvent(RunnerStop{.timestamp = 1700000002.25,
                                                 .flavor = "small",
                                                 .workflow = "W",
                                                 .repo = "o/r",
                                                 .github_event = "push",
                                                 .status = "abnormal",
                                                 .status_info = CodeInformation{.code = -9},
                                                 .job_duration = 61.25,
                                                 .job_conclusion = "failure"}));
  // The next line of the type without its optional fields does not keep them.
  ASSERT_TRUE(first.read(
      R"({"timestamp": 3.0, "event": "runner_stop", "flavor": "", "workflow": "", "repo": "", "github_event": "", "status": "normal", "job_duration": 0.5})"));
  EXPECT_TRUE(first.event ==
              AnyEvent(RunnerStop{.timestamp = 3, .status = "normal", .job_duration = 0.5}));
  ASSERT_TRUE(first.read(
      R"({"timestamp": 4.0, "event": "reconciliation", "flavor": "s", "crashed_runners": 2, "idle_runners": 5, "active_runners": 3, "expected_runners": 9, "duration": 4.2})"));
  EXPECT_TRUE(first.event == AnyEvent(Reconciliation{.timestamp = 4,
                                                     .flavor = "s",
                                                     .crashed_runners = 2,
                                                     .idle_runners = 5,
                                                     .active_runners = 3,
                                                     .expected_runners = 9,
                                                     .duration = 4.2}));
}

TEST(CanonicalLine, DeclinesWhatTheWriterDoesNotWrite) {
  const std::string_view declined[] = {
      // Whitespace, key order, unknown and missing members.
      R"( {"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0} )",
      R"({"timestamp":1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"event": "runner_installed", "timestamp": 1.0, "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1.0, "event": "runner_installed", "duration": 2.0, "flavor": "s"})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0, "x": 1})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s"})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "flavor": "s", "duration": 2.0})",
      // Another writer's event, and names the writer escapes.
      R"({"timestamp": 1.0, "event": "runner_resized", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s\u00e9", "duration": 2.0})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "a\"b", "duration": 2.0})",
      "{\"timestamp\": 1.0, \"event\": \"runner_installed\", \"flavor\": \"\xc3\xa9\", "
      "\"duration\": 2.0}",
      "{\"timestamp\": 1.0, \"event\": \"runner_installed\", \"flavor\": \"\x7f\", \"duration\": "
      "2.0}",
      "{\"timestamp\": 1.0, \"event\": \"runner_installed\", \"flavor\": \"\t\", \"duration\": "
      "2.0}",
      // Numbers: the unknown value, signs, big, tiny, malformed.
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": Infinity})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": -2.0})",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": -0.0})",
      R"({"timestamp": 1e400, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1e-400, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 01.0, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1., "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": .5, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1e, "event": "runner_installed", "flavor": "s", "duration": 2.0})",
      R"({"timestamp": 1.0, "event": "reconciliation", "flavor": "s", "crashed_runners": -1, "idle_runners": 5, "duration": 4.2})",
      R"({"timestamp": 1.0, "event": "reconciliation", "flavor": "s", "crashed_runners": 1.0, "idle_runners": 5, "duration": 4.2})",
      R"({"timestamp": 1.0, "event": "reconciliation", "flavor": "s", "crashed_runners": 01, "idle_runners": 5, "duration": 4.2})",
      R"({"timestamp": 1.0, "event": "reconciliation", "flavor": "s", "crashed_runners": 9223372036854775808, "idle_runners": 5, "duration": 4.2})",
      R"({"timestamp": 1.0, "event": "runner_stop", "flavor": "", "workflow": "", "repo": "", "github_event": "", "status": "x", "status_info": {"code": -0}, "job_duration": 0.5})",
      R"({"timestamp": 1.0, "event": "runner_stop", "flavor": "", "workflow": "", "repo": "", "github_event": "", "status": "x", "status_info": null, "job_duration": 0.5})",
      R"({"timestamp": 1.0, "event": "runner_stop", "flavor": "", "workflow": "", "repo": "", "github_event": "", "status": "x", "status_info": {"code": 1, "x": 2}, "job_duration": 0.5})",
      R"({"timestamp": 1.0, "event": "runner_stop", "flavor": "", "workflow": "", "repo": "", "github_event": "", "status": "x", "status_info": {}, "job_duration": 0.5})",
      // Cut short.
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0)",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s)",
      R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2)",
      R"({"timestamp": 1.0, "event": "runner_insta)",
      "",
  };
  FirstPath first;
  for (const std::string_view line : declined) EXPECT_FALSE(first.read(line)) << line;
}

TEST(CanonicalLine, AgreesWithTheParserOnEveryVectorAndCorpusLine) {
  Counts counts;
  for (const std::string& file :
       {std::string("vectors.jsonl"), std::string("vectors-later.jsonl")}) {
    for (const testing::Vector& v : testing::load_vectors(file)) {
      agrees(v.input, counts);
      if (!v.out) continue;
      // A written line of the library's types is taken unless it has an
      // escape, or an integer of 19 digits.
      const bool taken = agrees(without_newline(*v.out), counts);
      if (v.out->find('\\') == std::string::npos &&
          v.out->find("9223372036854775807") == std::string::npos &&
          v.out->find("\"custom_name\"") == std::string::npos) {
        EXPECT_TRUE(taken) << v.label() << " " << *v.out;
      }
    }
  }
  const std::string corpus = std::string(RUNNER_METRICS_SOURCE_DIR) + "/tests/data/generations/";
  for (const char* log : {"2023-seed.log", "2024-job-conclusion.log", "2024-runner-counts.log",
                          "2025-infinity.log", "2026-statuses.log", "look-alikes.log"}) {
    for (const std::string& line : file_lines(corpus + log)) agrees(line, counts);
  }
  // The written lines with escapes are declined; the rest of the vectors are
  // the parser's to read.
  EXPECT_GT(counts.taken, 50U);
  EXPECT_GT(counts.declined, 50U);
}

// Every byte of written lines replaced by each of a set of bytes, deleted,
// and each of them inserted before it: declined, or read as the parser
// reads the changed line.
TEST(CanonicalLine, EveryChangeToAWrittenLineIsDeclinedOrReadAsTheParserReadsIt) {
  static constexpr char kBytes[] = "0123456789.eE+- \t\"\\{}[],:abnrstuINFly\x7f\x80\xc3";
  const std::string bytes(kBytes, sizeof kBytes);  // '\0' included
  Counts counts;
  for (const std::string& line : written_lines()) {
    for (std::size_t i = 0; i <= line.size(); ++i) {
      std::string changed = line;
      if (i < line.size()) {
        changed.erase(i, 1);
        agrees(changed, counts);
      }
      for (const char c : bytes) {
        if (i < line.size()) {
          changed = line;
          changed[i] = c;
          agrees(changed, counts);
        }
        changed = line;
        changed.insert(i, 1, c);
        agrees(changed, counts);
      }
    }
  }
  // Digits changed in numbers and letters in strings are still canonical.
  EXPECT_GT(counts.taken, 10000U);
  EXPECT_GT(counts.declined, 10000U);
}

// Random events through the writer: each line is taken, and read as written.
TEST(CanonicalLine, RandomWrittenEventsAreTakenAsWritten) {
  std::mt19937_64 random(17);
  const auto number = [&]() -> double {
    switch (random() % 5) {
      case 0:
        return static_cast<double>(random() % 100000) / 1000.0;
      case 1:
        return static_cast<double>(random() % 4000000000ULL) +
               static_cast<double>(random() % 1000000) / 1e6;
      case 2:
        return std::ldexp(static_cast<double>(random() >> 11),
                          static_cast<int>(random() % 200) - 150);
      case 3:
        return static_cast<double>(random() % 1000);
      default:
        return std::abs(std::bit_cast<double>(random() & 0x7FEFFFFFFFFFFFFFULL));
    }
  };
  const auto text = [&] {
    std::string s(random() % 24, ' ');
    for (char& c : s) c = static_cast<char>(0x20 + random() % 95);
    return s;
  };
  const auto integer = [&]() -> std::int64_t {
    return static_cast<std::int64_t>(random() >> (1 + random() % 63));
  };
  Counts counts;
  std::size_t escaped = 0;
  FirstPath first;
  for (int i = 0; i < 20000; ++i) {
    AnyEvent event;
    switch (i % 4) {
      case 0:
        event = RunnerInstalled{.timestamp = number(), .flavor = text(), .duration = number()};
        break;
      case 1:
        event =
            RunnerStart{.timestamp = number(),
                        .flavor = text(),
                        .workflow = text(),
                        .repo = text(),
                        .github_event = text(),
                        .idle = number(),
                        .queue_duration = random() % 2 ? std::optional(number()) : std::nullopt};
        break;
      case 2:
        event = RunnerStop{
            .timestamp = number(),
            .flavor = text(),
            .workflow = text(),
            .repo = text(),
            .github_event = text(),
            .status = text(),
            .status_info =
                random() % 2
                    ? std::optional(CodeInformation{.code = static_cast<std::int64_t>(random())})
                    : std::nullopt,
            .job_duration = number(),
            .job_conclusion = random() % 2 ? std::optional(text()) : std::nullopt};
        break;
      default:
        event = Reconciliation{
            .timestamp = number(),
            .flavor = text(),
            .crashed_runners = integer(),
            .idle_runners = integer(),
            .active_runners = random() % 2 ? std::optional(integer()) : std::nullopt,
            .expected_runners = random() % 2 ? std::optional(integer()) : std::nullopt,
            .duration = number()};
    }
    const std::string line = any_line(event);
    if (line.find('\\') != std::string::npos) {
      ++escaped;
      continue;
    }
    // Integers of 19 digits are the parser's to read: agrees() counts them declined.
    if (agrees(line, counts)) {
      EXPECT_TRUE(first.read(line) && first.event == event) << line;
    }
  }
  EXPECT_GT(counts.taken, 10000U);
  EXPECT_GT(escaped, 100U);
}

}  // namespace
}  // namespace runner_metrics
