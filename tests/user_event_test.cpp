// SPDX-License-Identifier: Apache-2.0
// A program's own event type, declared here as description.hpp shows, goes
// through everything the library's four go through, from its one
// description: the writer (to_line, MetricsLog), a parser over the library's
// types and it (read back as itself, not as `other`), and the command's
// field flags with their --help text.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cli/event_flags.hpp"
#include "parse/basic_event_parser.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"

namespace {

namespace rm = runner_metrics;

struct ResizeReason {
  std::string cause;
  std::int64_t ticket = 0;

  bool operator==(const ResizeReason&) const = default;

  static constexpr auto fields() {
    return std::tuple{rm::Field{"cause", &ResizeReason::cause, "Why the runner was resized."},
                      rm::Field{"ticket", &ResizeReason::ticket, "Change ticket number."}};
  }
};

struct RunnerResized {
  double timestamp = 0;
  std::string event = "runner_resized";
  std::string flavor;
  std::int64_t cores = 0;
  std::optional<double> memory_gib;
  std::optional<ResizeReason> reason;

  static constexpr std::string_view summary = "A runner was given more or fewer cores.";

  bool operator==(const RunnerResized&) const = default;

  static constexpr auto fields() {
    return std::tuple{
        rm::Field{"flavor", &RunnerResized::flavor, "Runner flavor after resizing."},
        rm::Field{"cores", &RunnerResized::cores, "New core count."},
        rm::Field{"memory_gib", &RunnerResized::memory_gib, "New memory size in GiB."},
        rm::Field{"reason", &RunnerResized::reason, "Why it was resized.", rm::Range::NonNegative,
                  "why"},
    };
  }
};

using Events = rm::LibraryEventsAnd<RunnerResized>;
using Parser = rm::BasicEventParser<Events>;

const RunnerResized kResized{.timestamp = 1700000000.5,
                             .flavor = "large",
                             .cores = 16,
                             .memory_gib = 64,
                             .reason = ResizeReason{.cause = "queue \"long\"", .ticket = 42}};
constexpr std::string_view kResizedLine =
    R"({"timestamp": 1700000000.5, "event": "runner_resized", "flavor": "large", "cores": 16, )"
    R"("memory_gib": 64.0, "reason": {"cause": "queue \"long\"", "ticket": 42}})"
    "\n";

std::string without_newline(std::string_view line) {
  return std::string(line.substr(0, line.size() - 1));
}

TEST(UserDefinedEvent, IsWrittenByTheLibrarysWriter) {
  EXPECT_EQ(rm::to_line(kResized), kResizedLine);
  RunnerResized no_options = kResized;
  no_options.memory_gib.reset();
  no_options.reason.reset();
  EXPECT_EQ(rm::to_line(no_options),
            R"({"timestamp": 1700000000.5, "event": "runner_resized", "flavor": "large", )"
            R"("cores": 16})"
            "\n");
  RunnerResized negative = kResized;
  negative.cores = -1;
  try {
    (void)rm::to_line(negative);
    FAIL() << "a negative count was written";
  } catch (const rm::ValidationError& e) {
    EXPECT_STREQ(e.what(), "cores: must be an integer >= 0");
  }
}

TEST(UserDefinedEvent, WrittenToALogIsReadBackAsItselfAmongTheLibrarysEvents) {
  rm::testing::TempDir dir;
  const std::string path = dir / "metrics.log";
  const rm::RunnerInstalled installed{.timestamp = 1, .flavor = "small", .duration = 2.5};
  {
    rm::MetricsLog log(path);
    log.append(installed);
    log.append(kResized);
    log.append_all(std::vector<Events>{kResized, installed});
  }
  const auto text = rm::testing::read_file(path);
  ASSERT_TRUE(text.has_value());
  std::istringstream lines(*text);
  std::vector<Events> read;
  Parser parser(rm::ParseRules::Log);
  for (std::string line; std::getline(lines, line);) {
    const auto& parsed = parser.read(line);
    ASSERT_EQ(parsed.kind, Parser::Line::Kind::Event) << line << ": " << parsed.problem;
    read.push_back(parsed.event);
  }
  EXPECT_EQ(read, (std::vector<Events>{installed, kResized, kResized, installed}));

  // The library's own parser knows only its four: the same line is `other`.
  rm::EventParser library(rm::ParseRules::Log);
  EXPECT_EQ(library.read(without_newline(kResizedLine)).kind, rm::ParsedLine::Kind::Other);
}

TEST(UserDefinedEvent, IsReadWhateverTheOrderOfItsMembers) {
  // `event` last: the slow path reads the line twice, the type known the second time.
  Parser parser;
  const Events event = parser.parse(
      R"({"reason": {"ticket": 42, "cause": "queue \"long\""}, "cores": 16, "flavor": "large", )"
      R"("memory_gib": 64, "timestamp": 1700000000.5, "event": "runner_resized"})");
  ASSERT_TRUE(std::holds_alternative<RunnerResized>(event));
  EXPECT_EQ(std::get<RunnerResized>(event), kResized);

  // One parser, lines of different types in turn: optional members absent
  // from a line do not keep the previous line's values.
  EXPECT_EQ(parser.parse(without_newline(kResizedLine)), Events{kResized});
  const Events bare =
      parser.parse(R"({"timestamp": 3, "event": "runner_resized", "flavor": "s", "cores": 2})");
  const RunnerResized expected{.timestamp = 3, .flavor = "s", .cores = 2};
  EXPECT_EQ(bare, Events{expected});
  const Events stop = parser.parse(
      R"({"timestamp": 4, "event": "runner_stop", "flavor": "s", "workflow": "w", "repo": "o/r", )"
      R"("github_event": "push", "status": "normal", "job_duration": 5})");
  EXPECT_TRUE(std::holds_alternative<rm::RunnerStop>(stop));
}

// Input rules, as `issue --stdin` holds lines to: each error names the field.
TEST(UserDefinedEvent, BadLinesAreRefusedNamingTheField) {
  Parser parser;
  const auto problem = [&](std::string_view line) {
    const auto& parsed = parser.read(line);
    EXPECT_EQ(parsed.kind, Parser::Line::Kind::Invalid) << line;
    return parsed.field + ": " + parsed.problem;
  };
  EXPECT_EQ(problem(R"({"timestamp": 1, "event": "runner_resized", "flavor": "s", "cores": -1})"),
            "cores: must be an integer >= 0");
  EXPECT_EQ(problem(R"({"timestamp": 1, "event": "runner_resized", "flavor": "s", "cores": 1.5})"),
            "cores: must be an integer, without fraction or exponent");
  EXPECT_EQ(problem(R"({"timestamp": 1, "event": "runner_resized", "flavor": "s"})"),
            "cores: is required");
  EXPECT_EQ(problem(R"({"timestamp": 1, "event": "runner_resized", "flavor": "s", "cores": 1, )"
                    R"("core": 2})"),
            "core: is not a field of runner_resized");
  EXPECT_EQ(problem(R"({"timestamp": 1, "event": "runner_resized", "flavor": "s", "cores": 1, )"
                    R"("reason": {"cause": "x"}})"),
            "reason.ticket: is required");
  EXPECT_EQ(problem(R"({"timestamp": 1, "event": "runner_resizd", "flavor": "s", "cores": 1})"),
            "event: \"runner_resizd\" is not an event type (one of runner_installed, "
            "runner_start, runner_stop, reconciliation, runner_resized)");
  EXPECT_EQ(problem("{\"timestamp\": 1, \"event\": \"runner_resized\", \"flavor\": \"\xff\", "
                    "\"cores\": 1}"),
            "flavor: is not valid UTF-8");
}

// The flags and their --help lines come from the same description as the
// line: `runner-metrics issue` builds its subcommands with these calls.
TEST(UserDefinedEvent, FlagsAndHelpComeFromItsDescription) {
  CLI::App app{"test", "test"};
  rm::cli::FlagValues values;
  CLI::App* command = app.add_subcommand("runner-resized", std::string(RunnerResized::summary));
  rm::cli::add_field_flags<RunnerResized>(*command, values);

  const std::string help = command->help();
  for (const std::string_view expected :
       {"A runner was given more or fewer cores.", "--flavor TEXT", "Runner flavor after resizing.",
        "--cores INT", "New core count.", "--memory-gib SECONDS",
        "New memory size in GiB. Optional.", "--why-cause TEXT",
        "Why the runner was resized. Optional.", "--why-ticket INT",
        "Change ticket number. Optional."}) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected << " not in:\n" << help;
  }

  app.parse(std::vector<std::string>{"64", "--memory-gib", "42", "--why-ticket", "queue \"long\"",
                                     "--why-cause", "16", "--cores", "large", "--flavor",
                                     "runner-resized"});  // reversed, as CLI11 wants
  RunnerResized event{.timestamp = 1700000000.5};
  rm::cli::fill_from_flags(event, *command, values);
  EXPECT_EQ(rm::to_line(event), kResizedLine);
}

TEST(UserDefinedEvent, AFlagValueIsHeldToTheFieldsRules) {
  CLI::App app{"test", "test"};
  rm::cli::FlagValues values;
  CLI::App* command = app.add_subcommand("runner-resized", "");
  rm::cli::add_field_flags<RunnerResized>(*command, values);
  app.parse(std::vector<std::string>{"1.5", "--cores", "s", "--flavor", "runner-resized"});
  RunnerResized event;
  try {
    rm::cli::fill_from_flags(event, *command, values);
    FAIL() << "--cores 1.5 was taken";
  } catch (const rm::ValidationError& e) {
    EXPECT_STREQ(e.what(), "cores: must be an integer, without fraction or exponent (--cores 1.5)");
  }
}

}  // namespace
