// SPDX-License-Identifier: Apache-2.0
// Exit statuses that never lie: unreadable standard input, empty path
// options, lost output, a closed stderr, numbers that are not JSON numbers.
// Each case runs the real binary with its standard descriptors set up as an
// attacker or an unlucky script would leave them.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace {

using namespace runner_metrics::testing;

// How one standard descriptor is set up: a path opened with `flags`, or
// closed when `path` is empty.
struct Stream {
  std::string path;
  int flags = O_RDONLY;
};

Stream closed() { return {}; }
Stream reading(const std::string& path) { return {path, O_RDONLY}; }
Stream writing(const std::string& path) { return {path, O_WRONLY | O_CREAT | O_TRUNC}; }

struct Outcome {
  int exit_status = -1;  // -1: killed by a signal
};

Outcome run_with(const std::vector<std::string>& args, const Stream& in, const Stream& out,
                 const Stream& err, const std::string& log_env) {
  std::vector<std::string> argv{RUNNER_METRICS_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (const std::string& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
  raw.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const Stream* streams[] = {&in, &out, &err};
    for (int fd = 0; fd < 3; ++fd) {
      ::close(fd);
      if (streams[fd]->path.empty()) continue;
      const int opened = ::open(streams[fd]->path.c_str(), streams[fd]->flags, 0600);
      if (opened != fd && (opened < 0 || ::dup2(opened, fd) < 0)) ::_exit(126);
      if (opened != fd) ::close(opened);
    }
    ::setenv("RUNNER_METRICS_LOG", log_env.c_str(), 1);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

class ExitStatus : public ::testing::Test {
 protected:
  Outcome run(const std::vector<std::string>& args, const Stream& in, const Stream& out,
              const Stream& err) {
    return run_with(args, in, out, err, default_log_);
  }
  std::string err_text() const { return read_file(dir_ / "err").value_or(""); }

  TempDir dir_;
  std::string default_log_ = dir_ / "default.log";  // what an empty --log used to mean
  std::string log_ = dir_ / "metrics.log";
};

const std::string kLine =
    R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0})"
    "\n";

TEST_F(ExitStatus, IssueStdinFromADirectoryExits1NamingStandardInput) {
  const auto outcome = run({"issue", "--stdin", "--log", log_}, reading(dir_.path()),
                           writing(dir_ / "out"), writing(dir_ / "err"));
  EXPECT_EQ(outcome.exit_status, 1);
  EXPECT_EQ(err_text(), "runner-metrics: standard input: Is a directory\n");
  EXPECT_FALSE(std::filesystem::exists(log_));
}

TEST_F(ExitStatus, IssueStdinFromAClosedDescriptorExits1NamingStandardInput) {
  const auto outcome = run({"issue", "--stdin", "--log", log_}, closed(), writing(dir_ / "out"),
                           writing(dir_ / "err"));
  EXPECT_EQ(outcome.exit_status, 1);
  EXPECT_EQ(err_text(), "runner-metrics: standard input: Bad file descriptor\n");
  EXPECT_FALSE(std::filesystem::exists(log_));
}

TEST_F(ExitStatus, AnEmptyPathOptionOfAnyCommandExits2AndWritesNothing) {
  write_file(dir_ / "in", kLine);
  const std::vector<std::vector<std::string>> commands{
      {"issue", "--log", "", "--stdin"},
      {"issue", "--log=", "--stdin"},
      {"issue", "runner-installed", "--log", "", "--flavor", "s", "--duration", "1"},
      {"issue", "runner-installed", "--flavor", "s", "--duration", "1", "--log="},
      {"setup-logrotate", "--log", "", "--config", dir_ / "cfg", "--systemctl", "/bin/true"},
      {"setup-logrotate", "--config", "", "--systemctl", "/bin/true"},
      {"setup-logrotate", "--config", dir_ / "cfg", "--systemctl", ""},
      {"serve", "--log", "", "--listen", "127.0.0.1:0"},
      {"report", "--output", "", dir_ / "in"},
      {"report", "-o", "", dir_ / "in"},
  };
  for (const auto& args : commands) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    const auto outcome =
        run(args, reading(dir_ / "in"), writing(dir_ / "out"), writing(dir_ / "err"));
    EXPECT_EQ(outcome.exit_status, 2);
    EXPECT_TRUE(err_text().starts_with("runner-metrics: --")) << err_text();
    EXPECT_NE(err_text().find(": must not be empty (a path)\n"), std::string::npos) << err_text();
    EXPECT_FALSE(std::filesystem::exists(default_log_));
    EXPECT_FALSE(std::filesystem::exists(dir_ / "cfg"));
  }
}

TEST_F(ExitStatus, HelpAndVersionIntoAFullDiskExit1) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"},
                                               {"--version"},
                                               {"issue", "--help"},
                                               {"issue", "runner-stop", "--help"},
                                               {"validate", "--help"}}) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    EXPECT_EQ(run(args, closed(), writing("/dev/full"), writing(dir_ / "err")).exit_status, 1);
    EXPECT_EQ(err_text(), "runner-metrics: cannot write standard output\n");
    EXPECT_EQ(run(args, closed(), writing(dir_ / "out"), writing(dir_ / "err")).exit_status, 0);
    EXPECT_FALSE(read_file(dir_ / "out").value_or("").empty());
  }
}

TEST_F(ExitStatus, OutputToAClosedStdoutExits1) {
  write_file(log_, kLine);
  EXPECT_EQ(run({"--version"}, closed(), closed(), writing(dir_ / "err")).exit_status, 1);
  EXPECT_EQ(run({"validate", log_}, closed(), closed(), writing(dir_ / "err")).exit_status, 1);
  EXPECT_EQ(run({"summary", log_}, closed(), closed(), writing(dir_ / "err")).exit_status, 1);
}

TEST_F(ExitStatus, InvalidInputExits2EvenWithStderrClosedOrFull) {
  write_file(dir_ / "in", "{\"timestamp\": 1, \"event\": \"runner_installed\"}\n");
  write_file(dir_ / "bad.log", "junk\n");
  for (const Stream& err : {closed(), writing("/dev/full")}) {
    SCOPED_TRACE(err.path);
    EXPECT_EQ(run({"issue", "runner-installed", "--log", log_, "--flavor", "s", "--duration", "-1"},
                  closed(), writing(dir_ / "out"), err)
                  .exit_status,
              2);
    EXPECT_EQ(
        run({"issue", "--stdin", "--log", log_}, reading(dir_ / "in"), writing(dir_ / "out"), err)
            .exit_status,
        2);
    EXPECT_EQ(run({"validate", dir_ / "bad.log"}, closed(), writing(dir_ / "out"), err).exit_status,
              2);
    EXPECT_EQ(run({"no-such-command"}, closed(), writing(dir_ / "out"), err).exit_status, 2);
    EXPECT_FALSE(std::filesystem::exists(log_));
  }
}

TEST_F(ExitStatus, WithStderrClosedTheLogNeverTakesItsPlace) {
  // With 0, 1 and 2 closed, the log would be opened as descriptor 0, 1 or 2,
  // and anything printed would land in it. The file must hold the event and
  // nothing else, and a failure must still be exit 1.
  const auto outcome = run({"issue", "runner-installed", "--log", log_, "--timestamp", "1",
                            "--flavor", "s", "--duration", "2"},
                           closed(), closed(), closed());
  EXPECT_EQ(outcome.exit_status, 0);
  EXPECT_EQ(read_file(log_).value_or(""), kLine);
  const auto failing = run({"issue", "runner-installed", "--log", dir_.path(), "--timestamp", "1",
                            "--flavor", "s", "--duration", "2"},
                           closed(), closed(), closed());
  EXPECT_EQ(failing.exit_status, 1);
}

TEST_F(ExitStatus, MalformedNumbersInFlagsAreNotAJsonNumberNamingTheField) {
  for (const std::string& text :
       std::vector<std::string>{"01", "1.", ".5", "+1", " 1", "1 ", "-", "1e", "0x10", "1,2", ""}) {
    SCOPED_TRACE("[" + text + "]");
    const auto duration = run_cli(
        {"issue", "runner-installed", "--log", log_, "--flavor", "s", "--duration=" + text});
    EXPECT_EQ(duration.exit_status, 2);
    EXPECT_EQ(duration.err, fmt::format("runner-metrics: duration: is not a JSON number "
                                        "(--duration {})\n",
                                        text));
    const auto crashed =
        run_cli({"issue", "reconciliation", "--log", log_, "--flavor", "s",
                 "--crashed-runners=" + text, "--idle-runners", "1", "--duration", "1"});
    EXPECT_EQ(crashed.exit_status, 2);
    EXPECT_EQ(crashed.err, fmt::format("runner-metrics: crashed_runners: is not a JSON number "
                                       "(--crashed-runners {})\n",
                                       text));
    const auto timestamp = run_cli({"issue", "runner-installed", "--log", log_, "--flavor", "s",
                                    "--duration", "1", "--timestamp=" + text});
    EXPECT_EQ(timestamp.exit_status, 2);
    EXPECT_EQ(timestamp.err, fmt::format("runner-metrics: timestamp: is not a JSON number "
                                         "(--timestamp {})\n",
                                         text));
    EXPECT_FALSE(std::filesystem::exists(log_));
  }
}

TEST_F(ExitStatus, MalformedNumbersInJsonLinesAreNotAJsonNumberNamingTheField) {
  for (const std::string& text :
       std::vector<std::string>{"01", "1.", ".5", "+1", "-", "-01", "1.e5", "00"}) {
    SCOPED_TRACE(text);
    const std::string crashed = fmt::format(
        R"({{"timestamp": 1, "event": "reconciliation", "flavor": "s", "crashed_runners": {}, )"
        R"("idle_runners": 1, "duration": 1}})",
        text);
    const std::string duration = fmt::format(
        R"({{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": {}}})", text);
    const auto issued =
        run_cli({"issue", "--stdin", "--log", log_}, {.stdin_data = kLine + crashed + "\n"});
    EXPECT_EQ(issued.exit_status, 2);
    EXPECT_EQ(issued.err, "runner-metrics: line 2: crashed_runners: is not a JSON number\n");
    const auto issued_duration =
        run_cli({"issue", "--stdin", "--log", log_}, {.stdin_data = duration + "\n"});
    EXPECT_EQ(issued_duration.exit_status, 2);
    EXPECT_EQ(issued_duration.err, "runner-metrics: line 1: duration: is not a JSON number\n");
    EXPECT_FALSE(std::filesystem::exists(log_));

    write_file(dir_ / "read.log", kLine + crashed + "\n" + duration + "\n");
    const auto validated = run_cli({"validate", dir_ / "read.log"});
    EXPECT_EQ(validated.exit_status, 2);
    EXPECT_EQ(validated.out, fmt::format("{0}:2: crashed_runners: is not a JSON number\n"
                                         "{0}:3: duration: is not a JSON number\n"
                                         "3 lines: 1 valid, 0 other, 2 invalid\n",
                                         dir_ / "read.log"));
  }
}

}  // namespace
