// SPDX-License-Identifier: Apache-2.0
// The compatibility corpus (tests/data/generations/): lines as each
// generation of the ancestor wrote them, from the seed era to 2026's
// statuses and the bare `Infinity` of an unknown value, and lines that only
// look like them. Every reader must say the same of each line: EventParser
// (both of its decoders), `validate`, `summary`, serve's /metrics and, in
// python/tests/test_generations.py, the Python module. expected.json says
// what each line is.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/reader.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using testing::read_file;
using testing::run_cli;

const std::string kCorpus = std::string(RUNNER_METRICS_SOURCE_DIR) + "/tests/data/generations/";

// What expected.json says of one line.
struct Expected {
  ParsedLine::Kind kind = ParsedLine::Kind::Invalid;
  std::size_t unknown = 0;  // unknown values of a valid event
  std::string field;        // the field an invalid line is blamed on
};

struct CorpusFile {
  std::string name;
  std::vector<std::string> lines;  // without "\n"
  std::vector<Expected> expected;
};

struct Counts {
  std::uint64_t total = 0, valid = 0, other = 0, invalid = 0, unknown = 0;
};

Counts counts_of(const CorpusFile& file) {
  Counts c;
  for (const Expected& e : file.expected) {
    ++c.total;
    if (e.kind == ParsedLine::Kind::Event) ++c.valid;
    if (e.kind == ParsedLine::Kind::Other) ++c.other;
    if (e.kind == ParsedLine::Kind::Invalid) ++c.invalid;
    c.unknown += e.unknown;
  }
  return c;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return lines;
}

std::vector<CorpusFile> load_corpus() {
  const auto manifest = read_file(kCorpus + "expected.json");
  if (!manifest) throw std::runtime_error("cannot read " + kCorpus + "expected.json");
  simdjson::dom::parser parser;
  simdjson::dom::object files;
  if (parser.parse(*manifest).get(files) != simdjson::SUCCESS) {
    throw std::runtime_error("expected.json is not a JSON object");
  }
  std::vector<CorpusFile> corpus;
  for (const auto [name, verdicts] : files) {
    CorpusFile file{std::string(name), {}, {}};
    const auto text = read_file(kCorpus + file.name);
    if (!text) throw std::runtime_error("cannot read " + kCorpus + file.name);
    file.lines = lines_of(*text);
    simdjson::dom::array list;
    if (verdicts.get(list) != simdjson::SUCCESS) {
      throw std::runtime_error("expected.json: " + file.name + " is not an array");
    }
    for (const simdjson::dom::element verdict : list) {
      std::string_view v;
      if (verdict.get(v) != simdjson::SUCCESS) throw std::runtime_error("a verdict is no string");
      Expected e;
      if (v == "event" || v == "unknown") {
        e.kind = ParsedLine::Kind::Event;
        e.unknown = v == "unknown" ? 1 : 0;
      } else if (v == "other") {
        e.kind = ParsedLine::Kind::Other;
      } else if (v.starts_with("invalid ")) {
        e.field = std::string(v.substr(8));
      } else {
        throw std::runtime_error(fmt::format("expected.json: \"{}\" is no verdict", v));
      }
      file.expected.push_back(e);
    }
    if (file.lines.size() != file.expected.size()) {
      throw std::runtime_error(fmt::format("{} has {} lines, expected.json {} verdicts", file.name,
                                           file.lines.size(), file.expected.size()));
    }
    corpus.push_back(std::move(file));
  }
  return corpus;
}

const char* kind_name(ParsedLine::Kind kind) {
  switch (kind) {
    case ParsedLine::Kind::Event:
      return "event";
    case ParsedLine::Kind::Other:
      return "other";
    case ParsedLine::Kind::Invalid:
      break;
  }
  return "invalid";
}

TEST(Generations, CorpusHoldsEveryGenerationAndLookAlike) {
  const auto corpus = load_corpus();
  std::map<std::string, Counts> by_file;
  for (const CorpusFile& file : corpus) by_file[file.name] = counts_of(file);
  ASSERT_EQ(by_file.size(), 6u);
  EXPECT_EQ(by_file["2025-infinity.log"].unknown, 2u);
  EXPECT_GE(by_file["look-alikes.log"].invalid, 15u);
}

// The fast path (simdjson's DOM) cannot parse `Infinity` and hands the line
// to the On-Demand decoder; both must give every line the same verdict.
TEST(Generations, EventParserReadsEachLineAsExpectedOnBothPaths) {
  EventParser parser(ParseRules::Log);
  const std::string slow_path_prefix(70 * 1024, ' ');  // past the fast path's 64 KiB
  for (const CorpusFile& file : load_corpus()) {
    for (std::size_t i = 0; i < file.lines.size(); ++i) {
      SCOPED_TRACE(fmt::format("{}:{}: {}", file.name, i + 1, file.lines[i]));
      const Expected& expected = file.expected[i];
      for (const std::string& prefix : {std::string(), slow_path_prefix}) {
        const ParsedLine& parsed = parser.read(prefix + file.lines[i]);
        EXPECT_STREQ(kind_name(parsed.kind), kind_name(expected.kind)) << parsed.problem;
        if (parsed.kind == ParsedLine::Kind::Invalid) {
          EXPECT_EQ(parsed.field, expected.field) << parsed.problem;
          EXPECT_FALSE(parsed.problem.empty());
        }
        if (parsed.kind == ParsedLine::Kind::Event) {
          EXPECT_EQ(count_unknown_values(parsed.event), expected.unknown);
        }
      }
    }
  }
}

// The reader every command uses, line numbers and all.
TEST(Generations, EventReaderReadsEachFileAsExpected) {
  for (const CorpusFile& file : load_corpus()) {
    SCOPED_TRACE(file.name);
    EventReader reader(kCorpus + file.name);
    std::size_t i = 0;
    while (const LogLine* line = reader.next()) {
      ASSERT_LT(i, file.expected.size());
      EXPECT_EQ(line->number, i + 1);
      EXPECT_EQ(line->text, file.lines[i]);
      const ParsedLine& parsed = *line->parsed;
      EXPECT_STREQ(kind_name(parsed.kind), kind_name(file.expected[i].kind)) << line->text;
      if (parsed.kind == ParsedLine::Kind::Invalid) {
        EXPECT_EQ(parsed.field, file.expected[i].field);
      }
      if (parsed.kind == ParsedLine::Kind::Event) {
        EXPECT_EQ(count_unknown_values(parsed.event), file.expected[i].unknown) << line->text;
      }
      ++i;
    }
    EXPECT_EQ(i, file.expected.size());
  }
}

// What the ancestor wrote with known values, the library writes again byte
// for byte (its later fields included); an unknown value it never writes,
// and input to be written may not hold one.
TEST(Generations, KnownEventsWriteTheAncestorsLineAgainAndUnknownOnesAreRefused) {
  EventParser log_parser(ParseRules::Log);
  EventParser input_parser(ParseRules::Input);
  std::size_t rewritten = 0;
  std::size_t refused = 0;
  for (const CorpusFile& file : load_corpus()) {
    for (std::size_t i = 0; i < file.lines.size(); ++i) {
      const Expected& expected = file.expected[i];
      if (expected.kind != ParsedLine::Kind::Event) continue;
      const std::string& line = file.lines[i];
      SCOPED_TRACE(fmt::format("{}:{}: {}", file.name, i + 1, line));
      const AnyEvent event = log_parser.parse(line);
      const auto write = [&] {
        return std::visit([](const auto& e) { return to_line(e); }, event);
      };
      if (expected.unknown == 0) {
        if (file.name == "look-alikes.log") continue;  // not the ancestor's spacing
        EXPECT_EQ(write(), line + "\n");
        EXPECT_EQ(input_parser.parse(line), event);
        ++rewritten;
      } else {
        EXPECT_THROW(write(), ValidationError);
        try {
          input_parser.parse(line);
          ADD_FAILURE() << "Input rules took an unknown value";
        } catch (const ValidationError& e) {
          EXPECT_EQ(e.problem(), "must be a finite number");
          EXPECT_FALSE(e.field().empty());
        }
        ++refused;
      }
    }
  }
  EXPECT_EQ(rewritten, 30u);
  EXPECT_EQ(refused, 8u);
}

// validate's output: the invalid lines named with their field, the totals
// line as before, and the unknown values on a line of their own.
TEST(Generations, ValidateCountsEachFileAndItsUnknownValues) {
  Counts all;
  std::vector<std::string> all_args = {"validate"};
  for (const CorpusFile& file : load_corpus()) {
    SCOPED_TRACE(file.name);
    const Counts c = counts_of(file);
    const std::string path = kCorpus + file.name;
    const auto result = run_cli({"validate", path});
    const std::vector<std::string> out = lines_of(result.out);
    std::vector<std::string> expected_starts;
    for (std::size_t i = 0; i < file.expected.size(); ++i) {
      if (file.expected[i].kind != ParsedLine::Kind::Invalid) continue;
      const std::string& field = file.expected[i].field;
      expected_starts.push_back(
          fmt::format("{}:{}: {}", path, i + 1, field.empty() ? "" : field + ": "));
    }
    expected_starts.push_back(fmt::format("{} lines: {} valid, {} other, {} invalid", c.total,
                                          c.valid, c.other, c.invalid));
    if (c.unknown > 0) {
      expected_starts.push_back(fmt::format("unknown values (Infinity): {}", c.unknown));
    }
    ASSERT_EQ(out.size(), expected_starts.size()) << result.out;
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_TRUE(out[i].starts_with(expected_starts[i])) << out[i] << " | " << expected_starts[i];
      if (i < c.invalid) {
        EXPECT_GT(out[i].size(), expected_starts[i].size()) << "no problem given";
      }
    }
    EXPECT_EQ(out.back() + "\n", result.out.substr(result.out.size() - out.back().size() - 1));
    EXPECT_EQ(result.exit_status, c.invalid > 0 ? 2 : 0) << result.err;
    all_args.push_back(path);
    all.total += c.total;
    all.valid += c.valid;
    all.other += c.other;
    all.invalid += c.invalid;
    all.unknown += c.unknown;
  }
  const auto result = run_cli(all_args);
  EXPECT_NE(result.out.find(fmt::format("{} lines: {} valid, {} other, {} invalid\n"
                                        "unknown values (Infinity): {}\n",
                                        all.total, all.valid, all.other, all.invalid, all.unknown)),
            std::string::npos)
      << result.out;
  EXPECT_EQ(result.exit_status, 2);
}

TEST(Generations, SummaryCountsEachFileAndLeavesUnknownValuesOutOfStatistics) {
  simdjson::dom::parser parser;
  for (const CorpusFile& file : load_corpus()) {
    SCOPED_TRACE(file.name);
    const Counts c = counts_of(file);
    const auto result = run_cli({"summary", "--format", "json", kCorpus + file.name});
    ASSERT_EQ(result.exit_status, 0) << result.err;
    const simdjson::dom::element summary = parser.parse(result.out).value();
    EXPECT_EQ(summary["lines"]["total"].get_uint64().value(), c.total);
    EXPECT_EQ(summary["lines"]["valid"].get_uint64().value(), c.valid);
    EXPECT_EQ(summary["lines"]["other"].get_uint64().value(), c.other);
    EXPECT_EQ(summary["lines"]["invalid"].get_uint64().value(), c.invalid);
    if (file.name == "2025-infinity.log") {
      // Three installations; two of unknown duration count as events only.
      const simdjson::dom::element group = summary["groups"].at(0).value();
      EXPECT_EQ(group["counts"]["runner_installed"].get_uint64().value(), 3u);
      const simdjson::dom::element installation = group["durations"]["installation"].value();
      EXPECT_EQ(installation["count"].get_uint64().value(), 1u);
      EXPECT_EQ(installation["min"].get_double().value(), 52.5);
      EXPECT_EQ(installation["max"].get_double().value(), 52.5);
      EXPECT_EQ(installation["avg"].get_double().value(), 52.5);
      EXPECT_EQ(installation["p99"].get_double().value(), 52.5);
    }
    if (file.name == "look-alikes.log") {
      // queue_duration and job_duration unknown: the start and the stop count.
      const simdjson::dom::element group = summary["groups"].at(0).value();
      EXPECT_EQ(group["counts"]["runner_start"].get_uint64().value(), 1u);
      EXPECT_EQ(group["counts"]["runner_stop"].get_uint64().value(), 1u);
      EXPECT_EQ(group["durations"]["queue"]["count"].get_uint64().value(), 0u);
      EXPECT_EQ(group["durations"]["job"]["count"].get_uint64().value(), 0u);
      EXPECT_EQ(group["durations"]["idle"]["count"].get_uint64().value(), 1u);
      EXPECT_EQ(group["counts"]["runner_installed"].get_uint64().value(), 3u);
      EXPECT_EQ(group["durations"]["installation"]["count"].get_uint64().value(), 0u);
    }
  }
}

// serve follows the log as a fleet writes it, generation after generation.
TEST(Generations, ServeCountsInvalidLinesAndKeepsUnknownValuesOutOfHistograms) {
  testing::TempDir dir;
  const std::string log = dir / "metrics.log";
  testing::write_file(log, "");
  testing::ServeProcess serve(log);
  Counts all;
  std::uint64_t installed_known = 0;
  std::uint64_t installed = 0;
  std::string text;
  EventParser parser(ParseRules::Log);
  for (const CorpusFile& file : load_corpus()) {
    const Counts c = counts_of(file);
    all.valid += c.valid;
    all.invalid += c.invalid;
    for (std::size_t i = 0; i < file.lines.size(); ++i) {
      text += file.lines[i] + "\n";
      const ParsedLine& parsed = parser.read(file.lines[i]);
      if (parsed.kind != ParsedLine::Kind::Event) continue;
      if (const auto* e = std::get_if<RunnerInstalled>(&parsed.event)) {
        ++installed;
        if (!is_unknown_value(e->duration)) ++installed_known;
      }
    }
  }
  testing::write_file(log, text);
  testing::Exposition e;
  const auto events_total = [](const testing::Exposition& exposition) {
    double total = 0;
    for (const std::string& s : exposition.series_of("runner_metric_events_total")) {
      total += *exposition.value(s);
    }
    return total;
  };
  ASSERT_TRUE(testing::wait_until([&] {
    e = testing::scrape(serve.port());
    return events_total(e) >= static_cast<double>(all.valid) &&
           e.value("metrics_log_invalid_lines_total").value_or(0) >=
               static_cast<double>(all.invalid);
  })) << "serve counted "
      << events_total(e) << " events";
  EXPECT_EQ(events_total(e), static_cast<double>(all.valid));
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), static_cast<double>(all.invalid));
  double spawn_count = 0;
  double installed_events = 0;
  for (const std::string& s : e.series_of("runner_spawn_duration_seconds_count")) {
    spawn_count += *e.value(s);
  }
  for (const std::string& s : e.series_of("runner_metric_events_total")) {
    if (s.find("event=\"runner_installed\"") != std::string::npos) installed_events += *e.value(s);
  }
  EXPECT_EQ(installed_events, static_cast<double>(installed));
  EXPECT_EQ(spawn_count, static_cast<double>(installed_known));
  EXPECT_LT(installed_known, installed);
  for (const auto& [series, value] : e.series) {
    EXPECT_EQ(value.find("Inf"), std::string::npos) << series << " " << value;
  }
}

}  // namespace
}  // namespace runner_metrics
