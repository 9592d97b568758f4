// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/logrotate.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "write/command.hpp"

namespace {

namespace fs = std::filesystem;
using runner_metrics::LogrotateSetup;
using runner_metrics::LogrotateSetupError;
using runner_metrics::MetricsLog;
using runner_metrics::RunnerInstalled;
using runner_metrics::detail::run_command;

constexpr const char* kLogrotate = "/usr/sbin/logrotate";

// A fresh directory under /tmp for one test, removed with all it holds.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/runner_metrics_logrotate_test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(fmt::format("mkdtemp: {}", std::strerror(errno)));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, std::string_view text, fs::perms perms = fs::perms(0644)) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  fs::permissions(path, perms);
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// format.md §5's block, written out here rather than taken from the library.
std::string spec_config(const fs::path& log) {
  return fmt::format(
      "{} {{\n"
      "    rotate 0\n"
      "    missingok\n"
      "    notifempty\n"
      "    create\n"
      "}}\n",
      log.string());
}

std::string installed_line(int timestamp) {
  return fmt::format(
      R"({{"timestamp": {}.0, "event": "runner_installed", "flavor": "s", "duration": 2.0}})"
      "\n",
      timestamp);
}

RunnerInstalled installed(int timestamp) {
  return RunnerInstalled{.timestamp = static_cast<double>(timestamp), .flavor = "s", .duration = 2};
}

// Stands in for systemctl: records each call's arguments as a line of
// `calls`, then prints, dies or exits as the test arranged for that
// subcommand (files named after it hold the stderr text and exit status).
class FakeSystemctl {
 public:
  explicit FakeSystemctl(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directory(dir_);
    write_file(path(),
               fmt::format(R"sh(#!/bin/sh
dir='{}'
printf '%s\n' "$*" >> "$dir/calls"
if [ -f "$dir/$1.stderr" ]; then cat "$dir/$1.stderr" >&2; fi
if [ -f "$dir/$1.signal" ]; then kill -KILL $$; fi
if [ -f "$dir/$1.status" ]; then exit "$(cat "$dir/$1.status")"; fi
exit 0
)sh",
                           dir_.string()),
               fs::perms(0755));
  }

  fs::path path() const { return dir_ / "systemctl"; }

  void exit_with(std::string_view subcommand, int status) const {
    write_file(dir_ / fmt::format("{}.status", subcommand), std::to_string(status));
  }
  void print_to_stderr(std::string_view subcommand, std::string_view text) const {
    write_file(dir_ / fmt::format("{}.stderr", subcommand), text);
  }
  void die_by_sigkill(std::string_view subcommand) const {
    write_file(dir_ / fmt::format("{}.signal", subcommand), "");
  }

  std::vector<std::string> calls() const {
    const fs::path calls = dir_ / "calls";
    return fs::exists(calls) ? lines_of(read_file(calls)) : std::vector<std::string>{};
  }

 private:
  fs::path dir_;
};

const std::vector<std::string> kEnable = {"enable logrotate.timer"};
const std::vector<std::string> kEnableIsActive = {"enable logrotate.timer",
                                                  "is-active --quiet logrotate.timer"};
const std::vector<std::string> kEnableIsActiveStart = {
    "enable logrotate.timer", "is-active --quiet logrotate.timer", "start logrotate.timer"};

// A config dir, a log dir (mode 0755, as logrotate wants a log's directory)
// and a fake systemctl, all in a fresh temp dir.
class LogrotateTest : public ::testing::Test {
 protected:
  LogrotateTest() {
    fs::create_directory(etc_);
    fs::create_directory(log_dir_);
    fs::permissions(log_dir_, fs::perms(0755));
  }

  LogrotateSetup setup() const {
    return {.config = config_, .log = log_, .systemctl = fake_.path()};
  }

  TempDir tmp_;
  fs::path etc_ = tmp_.path() / "etc";
  fs::path config_ = etc_ / "github-runner-metrics";
  fs::path log_dir_ = tmp_.path() / "log";
  fs::path log_ = log_dir_ / "metrics.log";
  fs::path state_ = tmp_.path() / "logrotate.state";
  FakeSystemctl fake_{tmp_.path() / "fake"};
};

class SetupLogrotate : public LogrotateTest {};

// The real logrotate binary, run on what setup_logrotate wrote.
class RealLogrotate : public LogrotateTest {
 protected:
  // The written config, but keeping one rotated file to look into.
  fs::path config_keeping_one() const {
    std::string text = read_file(config_);
    const auto at = text.find("rotate 0");
    if (at == std::string::npos) throw std::runtime_error("no 'rotate 0' in the config");
    text.replace(at, 8, "rotate 1");
    const fs::path path = tmp_.path() / "keep-one.conf";
    write_file(path, text);
    return path;
  }

  runner_metrics::detail::CommandResult force_rotation(const fs::path& config) const {
    return run_command({kLogrotate, "-f", "-s", state_.string(), config.string()});
  }
};

TEST(LogrotateConfig, IsTheSpecBlockForTheLog) {
  EXPECT_EQ(runner_metrics::logrotate_config("/var/log/github-runner-metrics.log"),
            "/var/log/github-runner-metrics.log {\n"
            "    rotate 0\n"
            "    missingok\n"
            "    notifempty\n"
            "    create\n"
            "}\n");
}

TEST(LogrotateConfig, QuotesAPathWithASpace) {
  EXPECT_EQ(runner_metrics::logrotate_config("/srv/runner metrics.log"),
            "\"/srv/runner metrics.log\" {\n"
            "    rotate 0\n"
            "    missingok\n"
            "    notifempty\n"
            "    create\n"
            "}\n");
}

TEST(LogrotateConfig, RejectsPathsLogrotateWouldNotTakeLiterally) {
  for (const char* path : {"", "metrics.log", "/var/log/a\nb.log", "/var/log/a\"b.log",
                           "/var/log/a}b.log", "/var/log/*.log", "/var/log/a?.log"}) {
    EXPECT_THROW(runner_metrics::logrotate_config(path), LogrotateSetupError) << path;
  }
}

TEST(LogrotateDefaults, AreTheAncestorsPathsAndUnit) {
  const LogrotateSetup defaults;
  EXPECT_EQ(defaults.config.string(), "/etc/logrotate.d/github-runner-metrics");
  EXPECT_EQ(defaults.log.string(), "/var/log/github-runner-metrics.log");
  EXPECT_EQ(defaults.systemctl.string(), "/usr/bin/systemctl");
  EXPECT_EQ(runner_metrics::LOG_ROTATE_TIMER_SYSTEMD_SERVICE, "logrotate.timer");
}

TEST_F(SetupLogrotate, WritesExactConfigAtomically) {
  // A tight umask must not leave a config that only root can read.
  struct TightUmask {
    mode_t old = ::umask(077);
    ~TightUmask() { ::umask(old); }
  };
  {
    const TightUmask tight;
    runner_metrics::setup_logrotate(setup());
  }

  EXPECT_EQ(read_file(config_), spec_config(log_));
  EXPECT_EQ(fs::status(config_).permissions(), fs::perms(0644));
  EXPECT_EQ(entries(etc_), std::vector<std::string>{"github-runner-metrics"});
}

TEST_F(SetupLogrotate, ReplacesAnExistingConfigWithANewFile) {
  write_file(config_, "old config\n");
  // A second name for the old file: written in place, it would change too.
  const fs::path old_file = tmp_.path() / "old-config-link";
  fs::create_hard_link(config_, old_file);

  runner_metrics::setup_logrotate(setup());

  EXPECT_EQ(read_file(config_), spec_config(log_));
  EXPECT_EQ(read_file(old_file), "old config\n");
  EXPECT_EQ(entries(etc_), std::vector<std::string>{"github-runner-metrics"});
}

TEST_F(SetupLogrotate, ReplacesATempFileLeftByACrashedRun) {
  const fs::path leftover = fmt::format("{}.tmp.{}~", config_.string(), ::getpid());
  write_file(leftover, "half a config", fs::perms(0600));

  runner_metrics::setup_logrotate(setup());

  EXPECT_EQ(read_file(config_), spec_config(log_));
  EXPECT_EQ(entries(etc_), std::vector<std::string>{"github-runner-metrics"});
}

TEST_F(SetupLogrotate, EnablesTheTimerAndLeavesAnActiveOneAlone) {
  runner_metrics::setup_logrotate(setup());
  EXPECT_EQ(fake_.calls(), kEnableIsActive);
}

TEST_F(SetupLogrotate, StartsTheTimerWhenItIsNotActive) {
  fake_.exit_with("is-active", 3);
  runner_metrics::setup_logrotate(setup());
  EXPECT_EQ(fake_.calls(), kEnableIsActiveStart);
}

TEST_F(SetupLogrotate, EnableFailureThrowsWithCommandAndStderrAndRunsNothingMore) {
  fake_.exit_with("enable", 1);
  fake_.print_to_stderr("enable",
                        "Failed to enable unit: Unit file logrotate.timer does not exist.\n");
  try {
    runner_metrics::setup_logrotate(setup());
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("\"{} enable logrotate.timer\" failed with exit status 1: Failed to "
                          "enable unit: Unit file logrotate.timer does not exist.",
                          fake_.path().string()));
  }
  EXPECT_EQ(fake_.calls(), kEnable);
  EXPECT_EQ(read_file(config_), spec_config(log_));
  EXPECT_EQ(entries(etc_), std::vector<std::string>{"github-runner-metrics"});
}

TEST_F(SetupLogrotate, FailureMessageIsOneLineWhateverStderrHolds) {
  fake_.exit_with("enable", 4);
  fake_.print_to_stderr("enable", "  first line  \n\n\tsecond line\r\nthird\n");
  try {
    runner_metrics::setup_logrotate(setup());
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("\"{} enable logrotate.timer\" failed with exit status 4: first line "
                          "second line third",
                          fake_.path().string()));
  }
}

TEST_F(SetupLogrotate, StartFailureThrowsWithCommandAndStderr) {
  fake_.exit_with("is-active", 3);
  fake_.exit_with("start", 5);
  fake_.print_to_stderr("start", "Job for logrotate.timer failed.\n");
  try {
    runner_metrics::setup_logrotate(setup());
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("\"{} start logrotate.timer\" failed with exit status 5: Job for "
                          "logrotate.timer failed.",
                          fake_.path().string()));
  }
  EXPECT_EQ(fake_.calls(), kEnableIsActiveStart);
}

TEST_F(SetupLogrotate, CommandKilledBySignalThrows) {
  fake_.die_by_sigkill("enable");
  try {
    runner_metrics::setup_logrotate(setup());
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("\"{} enable logrotate.timer\" was killed by signal 9 (Killed)",
                          fake_.path().string()));
  }
  EXPECT_EQ(fake_.calls(), kEnable);
}

TEST_F(SetupLogrotate, MissingSystemctlThrows) {
  LogrotateSetup missing = setup();
  missing.systemctl = tmp_.path() / "no-such-systemctl";
  try {
    runner_metrics::setup_logrotate(missing);
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("\"{} enable logrotate.timer\" could not be run: {}",
                          missing.systemctl.string(), std::strerror(ENOENT)));
  }
  EXPECT_EQ(entries(etc_), std::vector<std::string>{"github-runner-metrics"});
}

TEST_F(SetupLogrotate, MissingConfigDirectoryThrowsNamingTheConfigBeforeAnyCommand) {
  LogrotateSetup missing = setup();
  missing.config = tmp_.path() / "no-such-dir" / "github-runner-metrics";
  try {
    runner_metrics::setup_logrotate(missing);
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("cannot write logrotate config {}: {}",
                                                 missing.config.string(), std::strerror(ENOENT)));
  }
  EXPECT_TRUE(fake_.calls().empty());
  EXPECT_FALSE(fs::exists(tmp_.path() / "no-such-dir"));
}

TEST_F(SetupLogrotate, ConfigPathThatIsADirectoryThrowsAndLeavesNoTempFile) {
  fs::create_directory(config_);
  try {
    runner_metrics::setup_logrotate(setup());
    FAIL() << "no exception";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("cannot write logrotate config {}: {}",
                                                 config_.string(), std::strerror(EISDIR)));
  }
  EXPECT_EQ(entries(etc_), std::vector<std::string>{"github-runner-metrics"});
  EXPECT_TRUE(fs::is_directory(config_));
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(SetupLogrotate, RejectedLogPathWritesNothingAndRunsNothing) {
  LogrotateSetup bad = setup();
  bad.log = log_dir_ / "a{b}.log";
  EXPECT_THROW(runner_metrics::setup_logrotate(bad), LogrotateSetupError);
  EXPECT_TRUE(entries(etc_).empty());
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(RealLogrotate, AcceptsTheWrittenConfig) {
  runner_metrics::setup_logrotate(setup());
  write_file(log_, installed_line(1));

  const auto result = run_command({kLogrotate, "-d", "-s", state_.string(), config_.string()});

  EXPECT_EQ(result.exit_status, 0) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("considering log " + log_.string()), std::string::npos)
      << result.stderr_text;
  EXPECT_EQ(result.stderr_text.find("error"), std::string::npos) << result.stderr_text;
}

TEST_F(RealLogrotate, AcceptsTheConfigForALogPathWithASpace) {
  LogrotateSetup spaced = setup();
  spaced.log = log_dir_ / "runner metrics.log";
  runner_metrics::setup_logrotate(spaced);
  write_file(spaced.log, installed_line(1));

  const auto result = run_command({kLogrotate, "-d", "-s", state_.string(), config_.string()});

  EXPECT_EQ(result.exit_status, 0) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("considering log " + spaced.log.string() + "\n"),
            std::string::npos)
      << result.stderr_text;
}

TEST_F(RealLogrotate, SkipsATempFileLeftBesideTheConfig) {
  runner_metrics::setup_logrotate(setup());
  const fs::path leftover = fmt::format("{}.tmp.{}~", config_.string(), ::getpid());
  fs::copy_file(config_, leftover);

  const auto result = run_command({kLogrotate, "-d", "-s", state_.string(), etc_.string()});
  EXPECT_EQ(result.exit_status, 0) << result.stderr_text;
  EXPECT_EQ(result.stderr_text.find("error"), std::string::npos) << result.stderr_text;

  // The same file under a plain name is read as a second block for the log,
  // so the check above is not vacuous.
  fs::rename(leftover, etc_ / "copy");
  const auto control = run_command({kLogrotate, "-d", "-s", state_.string(), etc_.string()});
  EXPECT_NE(control.exit_status, 0) << control.stderr_text;
}

TEST_F(RealLogrotate, ForcedRotationSendsTheNextEventToTheNewFile) {
  runner_metrics::setup_logrotate(setup());
  const fs::path config = config_keeping_one();
  MetricsLog log(log_);
  log.append(installed(1));
  log.append(installed(2));

  const auto result = force_rotation(config);
  ASSERT_EQ(result.exit_status, 0) << result.stderr_text;
  const fs::path rotated = log_.string() + ".1";
  EXPECT_EQ(read_file(rotated), installed_line(1) + installed_line(2));
  EXPECT_EQ(read_file(log_), "");

  log.append(installed(3));
  EXPECT_EQ(read_file(log_), installed_line(3));
  EXPECT_EQ(read_file(rotated), installed_line(1) + installed_line(2));
  EXPECT_EQ(entries(log_dir_), (std::vector<std::string>{"metrics.log", "metrics.log.1"}));
}

TEST_F(RealLogrotate, ForcedRotationWithTheProductionConfigKeepsOnlyTheNewFile) {
  runner_metrics::setup_logrotate(setup());
  MetricsLog log(log_);
  log.append(installed(1));

  const auto result = force_rotation(config_);
  ASSERT_EQ(result.exit_status, 0) << result.stderr_text;
  EXPECT_EQ(entries(log_dir_), std::vector<std::string>{"metrics.log"});
  EXPECT_EQ(read_file(log_), "");

  log.append(installed(2));
  EXPECT_EQ(read_file(log_), installed_line(2));
  EXPECT_EQ(entries(log_dir_), std::vector<std::string>{"metrics.log"});
}

TEST_F(RealLogrotate, RotationWhileAnotherThreadAppendsLosesAndTearsNoLine) {
  runner_metrics::setup_logrotate(setup());
  const fs::path config = config_keeping_one();
  MetricsLog log(log_);

  std::atomic<int> appended{0};
  std::atomic<bool> rotated{false};
  std::atomic<bool> writer_failed{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      // Keeps appending through the rotation, then 1000 more.
      for (int after = 0; after < 1000;) {
        log.append(installed(appended.load()));
        appended.fetch_add(1);
        if (rotated.load()) ++after;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
      writer_failed.store(true);
    }
  });
  while (appended.load() < 1000 && !writer_failed.load()) std::this_thread::yield();
  const auto result = force_rotation(config);
  rotated.store(true);
  writer.join();

  ASSERT_EQ(writer_error, "");
  ASSERT_EQ(result.exit_status, 0) << result.stderr_text;
  // Every line, wherever it went (logrotate moves a file that appeared during
  // its rename aside as <log>-<date>.backup), exactly once and whole.
  std::vector<int> seen;
  std::vector<int> rotated_lines;
  std::vector<int> new_lines;
  for (const std::string& name : entries(log_dir_)) {
    for (const std::string& line : lines_of(read_file(log_dir_ / name))) {
      const int timestamp = std::atoi(line.c_str() + std::strlen(R"({"timestamp": )"));
      ASSERT_EQ(line + "\n", installed_line(timestamp)) << name;
      seen.push_back(timestamp);
      if (name == "metrics.log.1") rotated_lines.push_back(timestamp);
      if (name == "metrics.log") new_lines.push_back(timestamp);
    }
  }
  std::sort(seen.begin(), seen.end());
  std::vector<int> expected(static_cast<std::size_t>(appended.load()));
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i);
  EXPECT_EQ(seen, expected);
  ASSERT_FALSE(rotated_lines.empty());
  ASSERT_FALSE(new_lines.empty());
  EXPECT_LT(*std::max_element(rotated_lines.begin(), rotated_lines.end()),
            *std::min_element(new_lines.begin(), new_lines.end()));
}

}  // namespace
