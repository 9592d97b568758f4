// SPDX-License-Identifier: Apache-2.0
// format.md §7's unknown value: the bare token `Infinity` as a float field's
// whole value is read from a log as UNKNOWN_VALUE and written by nothing.
// (tests/generations_test.cpp reads whole files of such lines with every
// reader; these are the edges of the token itself.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

const std::string kHead =
    R"({"timestamp": 1740000000.5, "event": "runner_installed", "flavor": "s", )";

TEST(UnknownValue, IsPositiveInfinityAndCountedPerFloatField) {
  EXPECT_TRUE(is_unknown_value(UNKNOWN_VALUE));
  EXPECT_FALSE(is_unknown_value(-UNKNOWN_VALUE));
  EXPECT_FALSE(is_unknown_value(1.7976931348623157e308));
  RunnerStart start{.idle = UNKNOWN_VALUE, .queue_duration = UNKNOWN_VALUE};
  EXPECT_EQ(count_unknown_values(start), 2u);
  start.queue_duration.reset();
  EXPECT_EQ(count_unknown_values(AnyEvent{start}), 1u);
  EXPECT_EQ(count_unknown_values(AnyEvent{Reconciliation{.active_runners = 3}}), 0u);
}

TEST(UnknownValue, LogRulesReadTheBareTokenInAnyFloatFieldWhateverTheSpacing) {
  EventParser parser(ParseRules::Log);
  for (const std::string tail :
       {R"("duration": Infinity})", R"("duration":Infinity})", "\"duration\":\tInfinity }",
        R"("duration": Infinity , "x": 1})", R"("x": "Infinity", "duration": Infinity})"}) {
    SCOPED_TRACE(tail);
    const ParsedLine& parsed = parser.read(kHead + tail);
    ASSERT_EQ(parsed.kind, ParsedLine::Kind::Event) << parsed.field << ": " << parsed.problem;
    const auto& installed = std::get<RunnerInstalled>(parsed.event);
    EXPECT_TRUE(is_unknown_value(installed.duration));
    EXPECT_EQ(installed.timestamp, 1740000000.5);
    EXPECT_EQ(installed.flavor, "s");
  }
  // Before `event`, the type is not known yet when the value is met.
  const ParsedLine& first =
      parser.read(R"({"duration": Infinity, "timestamp": 2, "event": "runner_installed", )"
                  R"("flavor": "s"})");
  ASSERT_EQ(first.kind, ParsedLine::Kind::Event) << first.field << ": " << first.problem;
  EXPECT_TRUE(is_unknown_value(std::get<RunnerInstalled>(first.event).duration));
  const ParsedLine& stop = parser.read(
      R"({"timestamp": 1, "event": "runner_stop", "flavor": "s", "workflow": "w", "repo": "r", )"
      R"("github_event": "e", "status": "normal", "job_duration": Infinity, "job_conclusion": "success"})");
  ASSERT_EQ(stop.kind, ParsedLine::Kind::Event) << stop.problem;
  EXPECT_TRUE(is_unknown_value(std::get<RunnerStop>(stop.event).job_duration));
  EXPECT_EQ(std::get<RunnerStop>(stop.event).job_conclusion, "success");
}

TEST(UnknownValue, EverythingElseThatLooksLikeItIsInvalidNamingTheField) {
  EventParser parser(ParseRules::Log);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kHead + R"("duration": -Infinity})", "duration"},
      {kHead + R"("duration": +Infinity})", "duration"},
      {kHead + R"("duration": NaN})", "duration"},
      {kHead + R"("duration": Infinity1})", "duration"},
      {kHead + R"("duration": INFINITY})", "duration"},
      {kHead + R"("duration": Inf})", "duration"},
      {kHead + R"("duration": {"v": Infinity}})", "duration"},
      {kHead + R"("duration": 1, "extra": {"v": Infinity}})", "extra"},
      {kHead + R"("duration": Infinity, "duration": 1})", "duration"},
      {R"({"timestamp": Infinity, "event": "runner_resized"})", "timestamp"},
      {R"({"x": Infinity, "timestamp": 1, "event": "runner_installed", "flavor": "s", )"
       R"("duration": 1})",
       "x"},
      {R"({"v": Infinity, "timestamp": 1, "event": "runner_resized"})", "v"},
      {R"({"v": Infinity, "timestamp": 1})", "v"},
      {R"({"idle_runners": Infinity, "timestamp": 1, "event": "reconciliation", "flavor": "s", )"
       R"("crashed_runners": 0, "duration": 1})",
       "idle_runners"},
      {R"({"event": "runner_resized", "v": Infinity})", "v"},
      {R"({"timestamp": 1, "event": "reconciliation", "flavor": "s", "crashed_runners": 0, )"
       R"("idle_runners": 0, "expected_runners": Infinity, "duration": 1})",
       "expected_runners"},
      {R"({"timestamp": 1, "event": "runner_stop", "flavor": "s", "workflow": "w", "repo": "r", )"
       R"("github_event": "e", "status": "normal", "job_duration": 1, "job_conclusion": Infinity})",
       "job_conclusion"},
  };
  for (const auto& [line, field] : cases) {
    SCOPED_TRACE(line);
    const ParsedLine& parsed = parser.read(line);
    EXPECT_EQ(parsed.kind, ParsedLine::Kind::Invalid);
    EXPECT_EQ(parsed.field, field) << parsed.problem;
    EXPECT_FALSE(parsed.problem.empty());
  }
  // Two tokens in one value: the line is no JSON object.
  EXPECT_EQ(parser.read(kHead + R"("duration": Infinity Infinity})").kind,
            ParsedLine::Kind::Invalid);
  EXPECT_EQ(parser.read(kHead + R"("duration": Infinity)").kind, ParsedLine::Kind::Invalid);
  EXPECT_EQ(parser.read("Infinity").kind, ParsedLine::Kind::Invalid);
}

// In place, followed by bytes that are not the parser's (as a reader hands
// lines over): a "}" or "x" right after the token must not change it.
TEST(UnknownValue, ReadInPlaceIsNotSwayedByTheBytesAfterTheLine) {
  EventParser parser(ParseRules::Log);
  const std::string line = kHead + R"("duration": Infinity})";
  for (const char after : {'}', 'x', ' ', '\0'}) {
    std::string buffer = line + std::string(EventParser::PADDING, after);
    const ParsedLine& parsed =
        parser.read_in_place(std::string_view(buffer).substr(0, line.size()));
    ASSERT_EQ(parsed.kind, ParsedLine::Kind::Event) << after;
    EXPECT_TRUE(is_unknown_value(std::get<RunnerInstalled>(parsed.event).duration));
  }
}

TEST(UnknownValue, NoWriterTakesIt) {
  EventParser input(ParseRules::Input);
  try {
    input.parse(kHead + R"("duration": Infinity})");
    ADD_FAILURE() << "Input rules took Infinity";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "duration");
    EXPECT_EQ(e.problem(), "must be a finite number");
  }
  try {
    input.parse(R"({"duration": Infinity, "timestamp": 1, "event": "runner_installed", )"
                R"("flavor": "s"})");
    ADD_FAILURE() << "Input rules took Infinity before the event's name";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "duration");
    EXPECT_EQ(e.problem(), "must be a finite number");
  }
  try {
    (void)to_line(RunnerInstalled{.timestamp = 1, .flavor = "s", .duration = UNKNOWN_VALUE});
    ADD_FAILURE() << "to_line wrote an unknown value";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "duration");
  }

  TempDir dir;
  const std::string log = dir / "metrics.log";
  auto result = run_cli({"issue", "runner-installed", "--log", log, "--timestamp", "1", "--flavor",
                         "s", "--duration", "Infinity"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("duration"), std::string::npos) << result.err;
  result = run_cli({"issue", "--stdin", "--log", log},
                   {.stdin_data = kHead + R"("duration": 1})" + "\n" + kHead +
                                  R"("duration": Infinity})" + "\n"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("line 2: duration: must be a finite number"), std::string::npos)
      << result.err;
  EXPECT_FALSE(read_file(log).has_value()) << "something was written";
}

TEST(UnknownValue, TheLaterFlagsWriteTheSuccessorsLine) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  auto result = run_cli({"issue", "reconciliation", "--log", log, "--timestamp", "1", "--flavor",
                         "s", "--crashed-runners", "0", "--idle-runners", "2",
                         "--expected-runners=4", "--active-runners", "1", "--duration", "3"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  result = run_cli({"issue",
                    "runner-stop",
                    "--log",
                    log,
                    "--timestamp",
                    "2",
                    "--flavor",
                    "s",
                    "--workflow",
                    "w",
                    "--repo",
                    "o/r",
                    "--github-event",
                    "push",
                    "--status",
                    "external-contributor-check-failure",
                    "--status-code",
                    "403",
                    "--job-duration",
                    "0",
                    "--job-conclusion",
                    "failure"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(log).value_or(""),
            "{\"timestamp\": 1.0, \"event\": \"reconciliation\", \"flavor\": \"s\", "
            "\"crashed_runners\": 0, \"idle_runners\": 2, \"active_runners\": 1, "
            "\"expected_runners\": 4, \"duration\": 3.0}\n"
            "{\"timestamp\": 2.0, \"event\": \"runner_stop\", \"flavor\": \"s\", \"workflow\": "
            "\"w\", \"repo\": \"o/r\", \"github_event\": \"push\", \"status\": "
            "\"external-contributor-check-failure\", \"status_info\": {\"code\": 403}, "
            "\"job_duration\": 0.0, \"job_conclusion\": \"failure\"}\n");
  for (const std::string flag : {"--active-runners=-1", "--expected-runners=1.0",
                                 "--active-runners=Infinity", "--expected-runners=true"}) {
    SCOPED_TRACE(flag);
    result = run_cli({"issue", "reconciliation", "--log", dir / "other.log", "--timestamp", "1",
                      "--flavor", "s", "--crashed-runners", "0", "--idle-runners", "2",
                      "--duration", "3", flag});
    EXPECT_EQ(result.exit_status, 2);
    const std::string field = flag.substr(2, flag.find('=') - 2);
    const std::string named = field == "active-runners" ? "active_runners" : "expected_runners";
    EXPECT_EQ(result.err.rfind("runner-metrics: " + named, 0), 0u) << result.err;
    EXPECT_FALSE(read_file(dir / "other.log").has_value());
  }
  result = run_cli({"issue", "reconciliation", "--help"});
  EXPECT_NE(result.out.find("--active-runners"), std::string::npos);
  EXPECT_NE(result.out.find("--expected-runners"), std::string::npos);
  EXPECT_NE(run_cli({"issue", "runner-stop", "--help"}).out.find("--job-conclusion"),
            std::string::npos);
}

}  // namespace
}  // namespace runner_metrics
