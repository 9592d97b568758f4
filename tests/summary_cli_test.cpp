// SPDX-License-Identifier: Apache-2.0
// `runner-metrics summary` (format.md §7): the exact JSON of a hand-built log,
// the window at its edges in both time forms, grouping, junk, exit
// statuses, an independent Python computation on a large random log, the
// progress bar only on a terminal, and memory that stays flat.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "support/log_builder.hpp"
#include "support/other_user.hpp"
#include "support/peak_memory.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z

std::string hand_built_log() {
  return installed_line(kT0, "small", 10) + installed_line(kT0 + 1, "small", 20) +
         installed_line(kT0 + 2, "large", 30) + start_line(kT0 + 3, "small", 5, 2.5) +
         start_line(kT0 + 4, "large", 7, std::nullopt) + stop_line(kT0 + 5, "small", "normal", 90) +
         stop_line(kT0 + 6, "large", "abnormal", 5) +
         reconciliation_line(kT0 + 7, "small", 1, 3, 4) +
         reconciliation_line(kT0 + 8, "large", 2, 4, 7200) +
         R"({"timestamp": 1, "event": "runner_resized"})"
         "\n" +
         "junk\n";
}

const std::string kHandBuiltJson =
    R"({"lines": {"total": 11, "valid": 9, "other": 1, "invalid": 1}, "groups": [{"flavor": null, )"
    R"("counts": {"runner_installed": 3, "runner_start": 2, "runner_stop": 2, "reconciliation": 2, "crashed_runners": 3}, )"
    R"("runner_stop_status": {"abnormal": 1, "normal": 1}, "runner_stop_conclusion": {}, )"
    R"("runner_stop_codes": {"abnormal": {"137": 1}}, "github_events": {"pull_request": 2}, )"
    R"("repos": {"canonical/github-runner-operator": 2}, "idle_runners_last": 7, )"
    R"("active_runners_last": null, "expected_runners_last": null, "reconciliation_interval": null, )"
    R"("queue_under_60s": 1, "durations": {)"
    R"("installation": {"count": 3, "unknown": 0, "min": 10.0, "max": 30.0, "avg": 20.0, "p50": 20.0, "p95": 30.0, "p99": 30.0}, )"
    R"("idle": {"count": 2, "unknown": 0, "min": 5.0, "max": 7.0, "avg": 6.0, "p50": 5.0, "p95": 7.0, "p99": 7.0}, )"
    R"("queue": {"count": 1, "unknown": 0, "min": 2.5, "max": 2.5, "avg": 2.5, "p50": 2.5, "p95": 2.5, "p99": 2.5}, )"
    R"("job": {"count": 1, "unknown": 0, "min": 90.0, "max": 90.0, "avg": 90.0, "p50": 90.0, "p95": 90.0, "p99": 90.0}, )"
    R"("reconciliation": {"count": 2, "unknown": 0, "min": 4.0, "max": 7200.0, "avg": 3602.0, "p50": 4.0, "p95": 7200.0, "p99": 7200.0}}}]})"
    "\n";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void expect_one_line_naming(const ProcessResult& result, const std::string& part) {
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(contains(result.err, part)) << "stderr does not name " << part << ": " << result.err;
}

TEST(SummaryCli, JsonOfAHandBuiltLogIsExactlyTheSpecObject) {
  TempDir dir;
  write_file(dir / "log", hand_built_log());
  const auto result = run_cli({"summary", "--format", "json", dir / "log"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, kHandBuiltJson);
  EXPECT_EQ(result.err, "");
}

TEST(SummaryCli, TextIsTheDefaultAndAReadableTable) {
  TempDir dir;
  write_file(dir / "log", hand_built_log());
  const auto result = run_cli({"summary", dir / "log"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("lines  11 total  9 valid  1 other  1 invalid\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "\nall flavors\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "idle runners at last reconciliation")) << result.out;
  EXPECT_TRUE(contains(result.out, "1.50 min")) << result.out;
  EXPECT_TRUE(contains(result.out, "2.00 h")) << result.out;
}

TEST(SummaryCli, DefaultLogIsRunnerMetricsLog) {
  TempDir dir;
  write_file(dir / "log", hand_built_log());
  const auto result =
      run_cli({"summary", "--format=json"}, {.env = {{"RUNNER_METRICS_LOG", dir / "log"}}});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, kHandBuiltJson);
}

// installation counts for a window given on the command line.
std::string installations(const std::string& log, const std::vector<std::string>& window) {
  std::vector<std::string> args = {"summary", "--format", "json", log};
  args.insert(args.end(), window.begin(), window.end());
  const auto result = run_cli(args);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const auto at = result.out.find(R"("runner_installed": )");
  return result.out.substr(at + 20, result.out.find(',', at) - at - 20);
}

TEST(SummaryCli, SinceAndUntilTakeUnixSecondsOrIso8601AndKeepSinceButNotUntil) {
  TempDir dir;
  const double t1 = kT0 + 3600;
  write_file(dir / "log", installed_line(kT0 - 0.001, "s", 1) + installed_line(kT0, "s", 1) +
                              installed_line(t1 - 0.001, "s", 1) + installed_line(t1, "s", 1));
  const std::string log = dir / "log";
  EXPECT_EQ(installations(log, {}), "4");
  EXPECT_EQ(installations(log, {"--since", "1795615200", "--until", "1795618800"}), "2");
  EXPECT_EQ(installations(log, {"--since=2026-11-25T14:00:00Z", "--until=2026-11-25T15:00:00Z"}),
            "2");
  EXPECT_EQ(installations(log, {"--since", "2026-11-25T16:00:00+02:00", "--until",
                                "2026-11-25T14:00:00-01:00"}),
            "2");
  EXPECT_EQ(installations(log, {"--since", "2026-11-25T13:59:59.999Z"}), "4");
  EXPECT_EQ(installations(log, {"--since", "2026-11-25T14:00:00.001Z"}), "2");
  EXPECT_EQ(installations(log, {"--since", "2026-11-25"}), "4");
  EXPECT_EQ(installations(log, {"--until", "2026-11-25"}), "0");
  EXPECT_EQ(installations(log, {"--since", "1.7956152e9", "--until", "1795615200"}), "0");
  // Lines are counted whatever the window.
  const auto result = run_cli({"summary", "--format=json", "--since=2030-01-01", log});
  EXPECT_TRUE(result.out.starts_with(R"({"lines": {"total": 4, "valid": 4,)")) << result.out;
}

TEST(SummaryCli, ABadTimeOrOptionExits2WithOneLineNamingTheFlag) {
  TempDir dir;
  write_file(dir / "log", hand_built_log());
  for (const auto& [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--since", "yesterday"}, "--since"},
           {{"--until", "2026-13-01"}, "--until"},
           {{"--since=1e999"}, "--since"},
           {{"--since", "2026-11-26", "--until", "2026-11-25"}, "--until"},
           {{"--by", "repo"}, "--by"},
           {{"--format", "yaml"}, "--format"},
           {{"--since"}, "--since"},
           {{"--max-label-values", "0"}, "--max-label-values"},
           {{"--max-label-values", "-1"}, "--max-label-values"},
           {{"--max-label-values", "1000001"}, "--max-label-values"},
           {{"--max-label-values", "ten"}, "--max-label-values"},
           {{"--max-label-values", "010"}, "--max-label-values"},  // not octal 8
           {{"--max-label-values", "0x10"}, "--max-label-values"},
           {{"--max-label-values", "1e3"}, "--max-label-values"},
           {{"--max-label-values", "99999999999999999999999"}, "--max-label-values"},
       }) {
    std::vector<std::string> argv = {"summary", dir / "log"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run_cli(argv);
    SCOPED_TRACE(fmt::format("{}", fmt::join(argv, " ")));
    EXPECT_EQ(result.exit_status, 2);
    expect_one_line_naming(result, flag);
    EXPECT_EQ(result.out, "");
  }
}

TEST(SummaryCli, ByFlavorGivesOneGroupPerFlavorSortedByFlavor) {
  TempDir dir;
  write_file(dir / "log", hand_built_log());
  const auto result = run_cli({"summary", "--by", "flavor", "--format", "json", dir / "log"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const auto large = result.out.find(
      R"({"flavor": "large", "counts": {"runner_installed": 1, )"
      R"("runner_start": 1, "runner_stop": 1, "reconciliation": 1, )"
      R"("crashed_runners": 2}, "runner_stop_status": {"abnormal": 1}, )"
      R"("runner_stop_conclusion": {}, "runner_stop_codes": {"abnormal": {"137": 1}}, )"
      R"("github_events": {"pull_request": 1}, )"
      R"("repos": {"canonical/github-runner-operator": 1}, "idle_runners_last": 4, )");
  const auto small = result.out.find(R"({"flavor": "small", "counts": {"runner_installed": 2, )");
  EXPECT_NE(large, std::string::npos) << result.out;
  EXPECT_NE(small, std::string::npos) << result.out;
  EXPECT_LT(large, small);
  const auto text = run_cli({"summary", "--by=flavor", dir / "log"});
  EXPECT_LT(text.out.find("\nflavor large\n"), text.out.find("\nflavor small\n")) << text.out;
}

TEST(SummaryCli, JunkIsCountedAsTheSpecSaysAndNeverCrashes) {
  TempDir dir;
  const testing::JunkLog junk = testing::junk_log();
  write_file(dir / "junk.log", junk.text);
  write_file(dir / "empty.log", "");
  const auto result = run_cli(
      {"summary", "--format", "json", dir / "empty.log", dir / "junk.log", dir / "empty.log"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with(
      fmt::format(R"({{"lines": {{"total": {}, "valid": {}, "other": {}, "invalid": {}}}, )",
                  junk.total(), junk.valid, junk.other, junk.invalid)))
      << result.out.substr(0, 200);
  EXPECT_TRUE(contains(
      result.out,
      R"("runner_installed": 2, "runner_start": 1, "runner_stop": 0, "reconciliation": 1, )"))
      << result.out;
}

TEST(SummaryCli, ReadsStandardInputAmongFilesInOrder) {
  TempDir dir;
  write_file(dir / "a.log", reconciliation_line(5, "s", 0, 1, 1));
  write_file(dir / "b.log", reconciliation_line(5, "s", 0, 3, 1));
  const auto result = run_cli({"summary", "--format=json", dir / "a.log", "-", dir / "b.log"},
                              {.stdin_data = reconciliation_line(5, "s", 0, 2, 1) + "junk"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(
      result.out.starts_with(R"({"lines": {"total": 4, "valid": 3, "other": 0, "invalid": 1})"))
      << result.out;
  EXPECT_TRUE(contains(result.out, R"("idle_runners_last": 3,)"))
      << result.out;  // the last file wins the tie

  const auto only_stdin =
      run_cli({"summary", "--format=json", "-"}, {.stdin_data = hand_built_log()});
  EXPECT_EQ(only_stdin.out, kHandBuiltJson);
}

TEST(SummaryCli, AFileThatCannotBeReadExits1NamingThePath) {
  TempDir dir;
  write_file(dir / "a.log", hand_built_log());
  auto result = run_cli({"summary", dir / "a.log", dir / "missing.log"});
  EXPECT_EQ(result.exit_status, 1);
  expect_one_line_naming(result, dir / "missing.log");
  EXPECT_TRUE(contains(result.err, "No such file or directory")) << result.err;
  EXPECT_EQ(result.out, "");

  result = run_cli({"summary", dir.path()});
  EXPECT_EQ(result.exit_status, 1);
  expect_one_line_naming(result, dir.path());
}

TEST(SummaryCli, AFileTheUserMayNotReadExits1NamingPermissionDenied) {
  if (::geteuid() != 0) GTEST_SKIP() << "running the CLI as nobody needs root";
  TempDir dir;
  write_file(dir / "a.log", hand_built_log());
  ::chmod((dir / "a.log").c_str(), 0600);
  const auto result = run_cli({"summary", dir / "a.log"}, {.uid = testing::kNobody});
  EXPECT_EQ(result.exit_status, 1) << result.err;
  expect_one_line_naming(result, "Permission denied");
  expect_one_line_naming(result, dir / "a.log");
}

TEST(SummaryCli, HelpDocumentsTheExitStatuses) {
  const auto result = run_cli({"summary", "--help"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(contains(result.out, "Exit status: 0 success; 2 bad usage")) << result.out;
  EXPECT_TRUE(contains(result.out, "--since")) << result.out;
  EXPECT_TRUE(contains(result.out, "ISO 8601")) << result.out;
}

// ---------------------------------------------------------------------------
// An independent computation: Python's json module on the same log.

void expect_same_json(simdjson::dom::element actual, simdjson::dom::element expected,
                      const std::string& path, const std::string& key, int& numbers) {
  using simdjson::dom::element_type;
  const auto is_number = [](element_type t) {
    return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
  };
  if (is_number(actual.type()) && is_number(expected.type())) {
    const double a = double(actual);
    const double e = double(expected);
    ++numbers;
    if (key == "p50" || key == "p95" || key == "p99") {
      EXPECT_LE(std::abs(a - e), 0.01 * std::abs(e)) << path << ": " << a << " vs " << e;
    } else if (key == "avg") {
      EXPECT_LE(std::abs(a - e), 1e-9 * std::abs(e)) << path << ": " << a << " vs " << e;
    } else {
      EXPECT_EQ(a, e) << path;
    }
    return;
  }
  ASSERT_EQ(actual.type(), expected.type()) << path;
  switch (actual.type()) {
    case element_type::OBJECT: {
      std::vector<std::string> actual_keys;
      std::vector<std::string> expected_keys;
      for (auto field : simdjson::dom::object(actual)) actual_keys.emplace_back(field.key);
      for (auto field : simdjson::dom::object(expected)) expected_keys.emplace_back(field.key);
      ASSERT_EQ(actual_keys, expected_keys) << path;  // same members, same order
      for (const std::string& name : actual_keys) {
        expect_same_json(actual[name], expected[name], path + "." + name, name, numbers);
      }
      break;
    }
    case element_type::ARRAY: {
      const simdjson::dom::array a(actual);
      const simdjson::dom::array e(expected);
      ASSERT_EQ(a.size(), e.size()) << path;
      for (std::size_t i = 0; i < a.size(); ++i) {
        expect_same_json(a.at(i), e.at(i), fmt::format("{}[{}]", path, i), key, numbers);
      }
      break;
    }
    case element_type::STRING:
      EXPECT_EQ(std::string_view(actual), std::string_view(expected)) << path;
      break;
    default:
      EXPECT_EQ(simdjson::to_string(actual), simdjson::to_string(expected)) << path;
  }
}

// Timestamps of the valid events, in line order.
std::vector<double> timestamps(const std::string& log) {
  EventParser parser(ParseRules::Log);
  std::vector<double> found;
  for (std::size_t at = 0, end; at < log.size(); at = end + 1) {
    end = std::min(log.find('\n', at), log.size());
    const ParsedLine& line = parser.read(std::string_view(log).substr(at, end - at));
    if (line.kind == ParsedLine::Kind::Event) {
      found.push_back(std::visit([](const auto& e) { return e.timestamp; }, line.event));
    }
  }
  return found;
}

// Runs `summary --format json` and the Python oracle with each of
// `variants` (flags as summary takes them) on `files`; expects the same
// JSON, and returns what the oracle printed for each variant.
std::vector<std::string> expect_oracle_agrees(const std::vector<std::string>& files,
                                              const std::vector<std::vector<std::string>>& variants,
                                              int min_numbers) {
  std::vector<std::string> printed;
  for (const auto& flags : variants) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(flags, " ")));
    std::vector<std::string> ours = {"summary", "--format", "json"};
    std::vector<std::string> oracle = {
        "/usr/bin/python3", RUNNER_METRICS_SOURCE_DIR "/tests/support/summary_oracle.py"};
    for (std::size_t i = 0; i < flags.size(); i += 2) {
      ours.push_back(flags[i]);
      ours.push_back(flags[i + 1]);
      oracle.push_back(flags[i] == "--by" ? "--by-flavor" : flags[i]);
      if (flags[i] != "--by") oracle.push_back(flags[i + 1]);
    }
    for (const std::string& file : files) {
      ours.push_back(file);
      oracle.push_back(file);
    }
    const auto actual = run_cli(ours);
    EXPECT_EQ(actual.exit_status, 0) << actual.err;
    const auto expected = run_process(oracle);
    EXPECT_EQ(expected.exit_status, 0) << expected.err;
    printed.push_back(expected.out);

    simdjson::dom::parser actual_parser;
    simdjson::dom::parser expected_parser;
    simdjson::dom::element actual_json;
    simdjson::dom::element expected_json;
    EXPECT_EQ(actual_parser.parse(actual.out).get(actual_json), simdjson::SUCCESS) << actual.out;
    EXPECT_EQ(expected_parser.parse(expected.out).get(expected_json), simdjson::SUCCESS);
    if (::testing::Test::HasFailure()) break;
    int numbers = 0;
    expect_same_json(actual_json, expected_json, "", "", numbers);
    EXPECT_GE(numbers, min_numbers);  // every number of at least one group
  }
  return printed;
}

TEST(SummaryCli, AgreesWithAnIndependentPythonComputationOnALargeRandomLog) {
  TempDir dir;
  const std::string log = testing::random_log({.lines = 120000, .seed = 42});
  write_file(dir / "a.log", log);
  write_file(dir / "b.log", testing::random_log({.lines = 5000, .seed = 43}));
  const std::vector<double> times = timestamps(log);
  ASSERT_GT(times.size(), 90000u);
  // Window edges on timestamps that are in the log.
  const std::string since = fmt::format("{}", times[times.size() / 3]);
  const std::string until = fmt::format("{}", times[times.size() * 2 / 3]);
  const auto printed = expect_oracle_agrees(
      {dir / "a.log", dir / "b.log"},
      {{}, {"--by", "flavor"}, {"--since", since, "--until", until, "--by", "flavor"}}, 49);
  for (const std::string& out : printed) {
    // The log has everything the comparison should cover.
    EXPECT_TRUE(contains(out, R"("total": 125000)")) << out.substr(0, 100);
    EXPECT_FALSE(contains(out, R"("invalid": 0)"));
    EXPECT_FALSE(contains(out, R"("other": 0)"));
  }
}

// Every generation of the ancestor's writer in one log of 120,000 lines
// (tests/support/generations_log.py): the later fields, Infinity, the 2026
// statuses, other writers' events and invalid lines; plain, by flavor,
// windowed, and with a cap smaller than the repositories it holds.
TEST(SummaryCli, AgreesWithThePythonComputationOnALogOfEveryGeneration) {
  TempDir dir;
  const auto made = run_process({"/usr/bin/python3",
                                 RUNNER_METRICS_SOURCE_DIR "/tests/support/generations_log.py",
                                 "120000", "14", dir / "fleet.log", "--repos", "500"});
  ASSERT_EQ(made.exit_status, 0) << made.err;
  const auto printed =
      expect_oracle_agrees({dir / "fleet.log"},
                           {{},
                            {"--by", "flavor"},
                            // 2024-06-01 to 2025-06-01: job_conclusion throughout, the runner
                            // counts from October, Infinity from January.
                            {"--since", "1717200000", "--until", "1748736000", "--by", "flavor"},
                            {"--since", "1717200000", "--until", "1748736000"},
                            {"--max-label-values", "7"},
                            {"--max-label-values", "3", "--by", "flavor"}},
                           60);
  ASSERT_EQ(printed.size(), 6u);
  for (const std::string& out : printed) {
    EXPECT_TRUE(contains(out, R"("total": 120000)")) << out.substr(0, 100);
    EXPECT_FALSE(contains(out, R"("invalid": 0})"));
    EXPECT_FALSE(contains(out, R"("active_runners_last": null)")) << "every group has them";
    EXPECT_FALSE(contains(out, R"("reconciliation_interval": null)"));
    EXPECT_FALSE(contains(out, R"("runner_stop_conclusion": {})"));
  }
  EXPECT_TRUE(contains(printed[0], R"("external-contributor-check-failure": )"));
  EXPECT_FALSE(contains(printed[2], R"("external-contributor-check-failure": )"))
      << "a 2026 status";
  // Infinity: the installations of 2025 on that have no known duration.
  const std::string installation = R"("installation": {"count": )";
  const std::size_t at = printed[0].find(installation);
  ASSERT_NE(at, std::string::npos);
  const std::size_t unknown = printed[0].find(R"("unknown": )", at) + 11;
  EXPECT_GT(std::stoul(printed[0].substr(unknown, 12)), 100u) << printed[0].substr(at, 80);
  // The cap: 7 repositories of the 500 and "other"; 3 statuses a flavor and "other".
  EXPECT_TRUE(contains(printed[4], R"("repos": {"owner-0/repo-0": )")) << printed[4];
  EXPECT_TRUE(contains(printed[4], R"("runner_stop_codes": {"abnormal": {"-9": )"));
  EXPECT_TRUE(contains(printed[4], R"(, "other": {"other": )"));
}

// ---------------------------------------------------------------------------
// Progress and memory on a log larger than the progress threshold.

struct Measured {
  int exit_status = -1;
  std::string terminal;  // what the program wrote to its terminal (stderr)
  std::string err;       // stderr when not a terminal
  long max_rss_kib = 0;
};

// Runs the CLI with stdout to /dev/null and stderr to a pseudo-terminal or
// a file; reports its peak memory.
Measured run_measured(const std::vector<std::string>& args, bool on_terminal) {
  TempDir io;
  const std::string err_path = io / "stderr";
  std::vector<std::string> command = {RUNNER_METRICS_CLI};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<std::string> argv = under_time(command, io / "rss");
  std::vector<char*> c_argv;
  for (std::string& arg : argv) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  Measured measured;
  int terminal = -1;
  const pid_t pid = on_terminal ? ::forkpty(&terminal, nullptr, nullptr, nullptr) : ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    if (!on_terminal) {
      const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(err, 2);
    }
    ::execv(c_argv[0], c_argv.data());
    ::_exit(127);
  }
  if (pid < 0) return measured;
  if (on_terminal) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(terminal, buffer, sizeof buffer);
      if (n > 0) {
        measured.terminal.append(buffer, static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        break;  // EIO once the child has closed the terminal
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (terminal >= 0) ::close(terminal);
  measured.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  measured.max_rss_kib = peak_rss_kib(io / "rss");
  measured.err = read_file(err_path).value_or("");
  return measured;
}

TEST(SummaryCli, ProgressBarOnlyOnATerminalForInputOver64MiBAndMemoryStaysFlat) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  const std::string chunk = testing::random_log({.lines = 20000, .seed = 8});
  {
    // Appended chunk by chunk: the test holds no whole log.
    std::ofstream out(dir / "big.log", std::ios::binary);
    for (std::size_t size = 0; size <= 72u * 1024 * 1024; size += chunk.size()) out << chunk;
  }
  write_file(dir / "small.log", chunk);

  const Measured piped = run_measured({"summary", dir / "big.log"}, false);
  EXPECT_EQ(piped.exit_status, 0) << piped.err;
  EXPECT_EQ(piped.err, "");
#if !defined(__SANITIZE_ADDRESS__)  // the sanitizer's shadow and quarantine dwarf the program
  // Two readers' 4 MiB buffers and the program, not the 72 MiB log.
  EXPECT_GT(piped.max_rss_kib, 0) << "no peak memory from /usr/bin/time";
  EXPECT_LT(piped.max_rss_kib, 40 * 1024);
#endif

  const Measured shown = run_measured({"summary", dir / "big.log"}, true);
  EXPECT_EQ(shown.exit_status, 0) << shown.terminal;
  EXPECT_TRUE(contains(shown.terminal, " MiB [")) << shown.terminal;
  EXPECT_TRUE(contains(shown.terminal, "MiB/s")) << shown.terminal;
  EXPECT_TRUE(contains(shown.terminal, "ETA ")) << shown.terminal;
  EXPECT_TRUE(contains(shown.terminal, "\r\x1b[K")) << "the bar is cleared at the end";

  const Measured small = run_measured({"summary", dir / "small.log"}, true);
  EXPECT_EQ(small.exit_status, 0);
  EXPECT_FALSE(contains(small.terminal, "MiB/s")) << small.terminal;
}

}  // namespace
}  // namespace runner_metrics
