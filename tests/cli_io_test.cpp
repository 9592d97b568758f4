// SPDX-License-Identifier: Apache-2.0
// The `runner-metrics` binary at its edges with the system (format.md §4, §6):
// log paths that cannot be written, log path resolution, the --flag=value
// form, invalid input, help and version, and `issue --stdin` input shapes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/other_user.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using runner_metrics::Reconciliation;
using runner_metrics::RunnerInstalled;
using runner_metrics::RunnerStart;
using runner_metrics::to_line;
using namespace runner_metrics::testing;

// `issue runner-installed` with a fixed timestamp, writing to `log`.
std::vector<std::string> issue_installed(const std::string& log) {
  return {"issue", "runner-installed", "--log", log,          "--timestamp",
          "123",   "--flavor",         "small", "--duration", "456"};
}

const std::string kInstalledLine =
    "{\"timestamp\": 123.0, \"event\": \"runner_installed\", \"flavor\": \"small\", "
    "\"duration\": 456.0}\n";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The error is exactly one line, and it names `part`.
void expect_one_line_naming(const ProcessResult& result, const std::string& part) {
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_FALSE(result.err.empty() || result.err.back() != '\n') << result.err;
  EXPECT_TRUE(contains(result.err, part)) << "stderr does not name " << part << ": " << result.err;
}

// ---------------------------------------------------------------------------
// Logs that cannot be written: exit 1, one line naming the path

TEST(CliIo, MissingLogDirectoryExits1NamingThePathAndCreatesNothing) {
  TempDir dir;
  const std::string missing = dir / "missing";
  const std::string log = missing + "/metrics.log";
  const ProcessResult result = run_cli(issue_installed(log));
  EXPECT_EQ(result.exit_status, 1) << result.err;
  expect_one_line_naming(result, log);
  EXPECT_TRUE(contains(result.err, "No such file or directory")) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(missing));
}

TEST(CliIo, LogPathThatIsADirectoryExits1NamingThePath) {
  TempDir dir;
  const std::string log = dir / "a-directory";
  fs::create_directory(log);
  const ProcessResult result = run_cli(issue_installed(log));
  EXPECT_EQ(result.exit_status, 1) << result.err;
  expect_one_line_naming(result, log);
  EXPECT_TRUE(contains(result.err, "Is a directory")) << result.err;
  EXPECT_TRUE(fs::is_empty(log));
}

TEST(CliIo, DevFullExits1NamingThePathAndNoSpaceLeftOnDevice) {
  const ProcessResult result = run_cli(issue_installed("/dev/full"));
  EXPECT_EQ(result.exit_status, 1) << result.err;
  expect_one_line_naming(result, "/dev/full");
  EXPECT_TRUE(contains(result.err, "No space left on device")) << result.err;
}

TEST(CliIo, LogDirectoryNotWritableByTheUserExits1NamingPathAndPermissionDenied) {
  if (::geteuid() != 0) GTEST_SKIP() << "running the CLI as nobody needs root";
  TempDir dir;  // root-owned, 0755
  const std::string locked = dir / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms(0755));
  const std::string log = locked + "/metrics.log";

  const ProcessResult result = run_cli(issue_installed(log), {.uid = kNobody});

  ASSERT_NE(result.exit_status, 126) << "could not switch to uid " << kNobody;
  ASSERT_NE(result.exit_status, 127) << "uid " << kNobody << " could not execute the CLI";
  EXPECT_EQ(result.exit_status, 1) << result.err;
  expect_one_line_naming(result, log);
  EXPECT_TRUE(contains(result.err, "Permission denied")) << result.err;
  EXPECT_FALSE(fs::exists(log));
  EXPECT_TRUE(fs::is_empty(locked));
}

// ---------------------------------------------------------------------------
// Which log: --log, else $RUNNER_METRICS_LOG

TEST(CliIo, EnvironmentVariableNamesTheLogWhenNoLogFlagIsGiven) {
  TempDir dir;
  const std::string env_log = dir / "from-env.log";
  ProcessOptions options;
  options.env["RUNNER_METRICS_LOG"] = env_log;
  const ProcessResult result = run_cli(
      {"issue", "runner-installed", "--timestamp", "123", "--flavor", "small", "--duration", "456"},
      options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(env_log), kInstalledLine);
}

TEST(CliIo, LogFlagWinsOverTheEnvironmentVariable) {
  TempDir dir;
  const std::string env_log = dir / "from-env.log";
  const std::string flag_log = dir / "from-flag.log";
  ProcessOptions options;
  options.env["RUNNER_METRICS_LOG"] = env_log;
  const ProcessResult result = run_cli(issue_installed(flag_log), options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(flag_log), kInstalledLine);
  EXPECT_FALSE(fs::exists(env_log));
}

TEST(CliIo, StdinBatchAlsoUsesTheEnvironmentVariableWhenNoLogFlagIsGiven) {
  TempDir dir;
  const std::string env_log = dir / "from-env.log";
  ProcessOptions options;
  options.env["RUNNER_METRICS_LOG"] = env_log;
  options.stdin_data = kInstalledLine;
  const ProcessResult result = run_cli({"issue", "--stdin"}, options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(env_log), kInstalledLine);
}

// ---------------------------------------------------------------------------
// --flag=value

TEST(CliIo, EqualsFormWritesAValueBeginningWithDashAsIsAndAnEmptyFlavor) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const ProcessResult result = run_cli(
      {"issue", "runner-start", "--log=" + log, "--timestamp=5", "--flavor=", "--workflow=-nightly",
       "--repo=owner/name", "--github-event=push", "--idle=1.5", "--queue-duration=-0.0"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const RunnerStart expected{.timestamp = 5,
                             .flavor = "",
                             .workflow = "-nightly",
                             .repo = "owner/name",
                             .github_event = "push",
                             .idle = 1.5,
                             .queue_duration = -0.0};
  EXPECT_EQ(read_file(log), to_line(expected));
  EXPECT_EQ(read_file(log),
            "{\"timestamp\": 5.0, \"event\": \"runner_start\", \"flavor\": \"\", \"workflow\": "
            "\"-nightly\", \"repo\": \"owner/name\", \"github_event\": \"push\", \"idle\": 1.5, "
            "\"queue_duration\": -0.0}\n");
}

TEST(CliIo, EqualsFormAcceptsAValueThatItselfContainsEquals) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const ProcessResult result = run_cli({"issue", "runner-installed", "--log", log, "--timestamp",
                                        "1", "--flavor=a=b", "--duration", "2"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(log),
            to_line(RunnerInstalled{.timestamp = 1, .flavor = "a=b", .duration = 2}));
}

// ---------------------------------------------------------------------------
// Invalid input: exit 2, one line naming the field, nothing written

struct InvalidFlags {
  const char* name;
  std::vector<std::string> args;  // after `issue` and before --log
  std::string field;
};

TEST(CliIo, InvalidFlagValueExits2NamingTheFieldAndWritesNothing) {
  const std::vector<InvalidFlags> cases = {
      {"negative duration", {"runner-installed", "--flavor", "s", "--duration", "-1"}, "duration"},
      {"missing required flag", {"runner-installed", "--duration", "1"}, "flavor"},
      {"invalid UTF-8", {"runner-installed", "--flavor", "\xff", "--duration", "1"}, "flavor"},
      {"number as text", {"runner-installed", "--flavor", "s", "--duration", "fast"}, "duration"},
      {"infinite timestamp",
       {"runner-installed", "--flavor", "s", "--duration", "1", "--timestamp", "1e400"},
       "timestamp"},
      {"fractional count",
       {"reconciliation", "--flavor", "s", "--crashed-runners", "1.5", "--idle-runners", "1",
        "--duration", "1"},
       "crashed_runners"},
      {"negative count",
       {"reconciliation", "--flavor", "s", "--crashed-runners", "0", "--idle-runners=-1",
        "--duration", "1"},
       "idle_runners"},
      {"non-integer status code",
       {"runner-stop", "--flavor", "s", "--workflow", "w", "--repo", "r", "--github-event", "e",
        "--status", "abnormal", "--status-code", "abc", "--job-duration", "1"},
       "status_info.code"},
      {"negative queue duration",
       {"runner-start", "--flavor", "s", "--workflow", "w", "--repo", "r", "--github-event", "e",
        "--idle", "1", "--queue-duration=-3"},
       "queue_duration"},
  };
  for (const InvalidFlags& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const std::string log = dir / "metrics.log";
    std::vector<std::string> args{"issue"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"--log", log});
    const ProcessResult result = run_cli(args);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    expect_one_line_naming(result, c.field);
    EXPECT_FALSE(fs::exists(log));
  }
}

// ---------------------------------------------------------------------------
// Help, version, unknown commands

TEST(CliIo, HelpOnIssueEachTypeAndSetupLogrotateExits0AndPrintsUsage) {
  const std::vector<std::vector<std::string>> commands = {
      {"issue", "--help"},
      {"issue", "runner-installed", "--help"},
      {"issue", "runner-start", "--help"},
      {"issue", "runner-stop", "--help"},
      {"issue", "reconciliation", "--help"},
      {"setup-logrotate", "--help"},
  };
  for (const std::vector<std::string>& args : commands) {
    SCOPED_TRACE(args[args.size() - 2] + " " + args.back());
    const ProcessResult result = run_cli(args);
    EXPECT_EQ(result.exit_status, 0) << result.err;
    const std::string usage =
        "Usage: runner-metrics " + (args.size() == 2 ? args[0] : args[0] + " " + args[1]);
    EXPECT_TRUE(contains(result.out, usage)) << "no \"" << usage << "\" in: " << result.out;
  }
}

TEST(CliIo, HelpOnAnEventTypeListsItsFieldFlags) {
  const ProcessResult result = run_cli({"issue", "runner-stop", "--help"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  for (const char* flag : {"--flavor", "--workflow", "--repo", "--github-event", "--status",
                           "--status-code", "--job-duration", "--timestamp", "--event"}) {
    EXPECT_TRUE(contains(result.out, flag)) << flag << " missing from: " << result.out;
  }
}

TEST(CliIo, VersionPrintsNameAndVersion) {
  const ProcessResult result = run_cli({"--version"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "runner-metrics 1.0.0\n");
}

TEST(CliIo, UnknownSubcommandExits2WithOneErrorLine) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"bogus"}, {"issue", "runner-exploded"}}) {
    SCOPED_TRACE(args.back());
    const ProcessResult result = run_cli(args);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

// ---------------------------------------------------------------------------
// issue --stdin input shapes

TEST(CliIo, StdinLineLongerThan1MiBExits2AndWritesNothing) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ProcessOptions options;
  // A valid first line: the whole batch is rejected, not just the long line.
  options.stdin_data = kInstalledLine +
                       "{\"timestamp\": 1.0, \"event\": \"runner_installed\", \"flavor\": \"" +
                       std::string(1024 * 1024 + 10, 'x') + "\", \"duration\": 1.0}\n";
  const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
  EXPECT_EQ(result.exit_status, 2) << result.err.substr(0, 300);
  // The readers' verdict on such a line: too long, whatever it holds.
  EXPECT_EQ(result.err, "runner-metrics: line 2: line is longer than 1048576 bytes\n");
  EXPECT_FALSE(fs::exists(log));
}

TEST(CliIo, StdinLineUnder1MiBWhoseEscapesMakeTheWrittenLineLongerExits2NamingTheField) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ProcessOptions options;
  // 300,000 "é" are 600,000 bytes of input and 1,800,000 escaped.
  std::string flavor;
  for (int i = 0; i < 300000; ++i) flavor += "\xc3\xa9";
  options.stdin_data = kInstalledLine +
                       "{\"timestamp\": 1.0, \"event\": \"runner_installed\", \"flavor\": \"" +
                       flavor + "\", \"duration\": 1.0}\n";
  const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
  EXPECT_EQ(result.exit_status, 2) << result.err.substr(0, 300);
  expect_one_line_naming(result, "flavor");
  EXPECT_TRUE(contains(result.err, "line 2")) << result.err.substr(0, 300);
  EXPECT_LT(result.err.size(), 1000u) << "the error line echoes the whole input";
  EXPECT_FALSE(fs::exists(log));
}

TEST(CliIo, StdinWithCrlfLineEndingsIsAccepted) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const Reconciliation reconciliation{
      .timestamp = 2, .flavor = "s", .crashed_runners = 1, .idle_runners = 2, .duration = 2.5};
  ProcessOptions options;
  options.stdin_data =
      "{\"timestamp\": 123.0, \"event\": \"runner_installed\", \"flavor\": \"small\", "
      "\"duration\": 456.0}\r\n\r\n"
      "{\"timestamp\": 2, \"event\": \"reconciliation\", \"flavor\": \"s\", \"crashed_runners\": "
      "1, \"idle_runners\": 2, \"duration\": 2.5}\r\n";
  const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(log), kInstalledLine + to_line(reconciliation));
}

TEST(CliIo, EmptyStdinExits0AndCreatesNoFile) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const ProcessResult result = run_cli({"issue", "--stdin", "--log", log});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_FALSE(fs::exists(log));
}

TEST(CliIo, StdinOfOnlyBlankLinesExits0AndCreatesNoFile) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ProcessOptions options;
  options.stdin_data = "\n  \n\t\r\n\n";
  const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_FALSE(fs::exists(log));
}

TEST(CliIo, StdinAppendsToAnExistingLogAfterItsContent) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  write_file(log, kInstalledLine);
  ProcessOptions options;
  options.stdin_data = kInstalledLine + kInstalledLine;
  const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(log), kInstalledLine + kInstalledLine + kInstalledLine);
}

}  // namespace
