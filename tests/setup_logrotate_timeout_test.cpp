// SPDX-License-Identifier: Apache-2.0
// Every external command has a deadline: a systemctl that never finishes is
// killed, with what it started, after --timeout seconds (LogrotateSetup::
// timeout), and setup-logrotate exits 1 naming the command and the timeout.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/errors.hpp"
#include "runner_metrics/logrotate.hpp"
#include "support/process.hpp"

namespace {

using runner_metrics::LogrotateSetup;
using runner_metrics::LogrotateSetupError;
using namespace runner_metrics::testing;

// A systemctl that answers `enable` at once and hangs on `hanging_verb`:
// it starts a child that sleeps (and holds stderr open), writes the child's
// pid to PIDFILE, and waits for it. The timeouts below leave the shell more
// than a second to get that far on a loaded machine; the hang is 1000 s.
std::string fake_systemctl(const TempDir& dir, const std::string& hanging_verb) {
  const std::string path = dir / "systemctl";
  write_file(path, fmt::format("#!/bin/sh\n"
                               "if [ \"$1\" = {} ]; then\n"
                               "  sleep 1000 &\n"
                               "  echo $! > {}\n"
                               "  echo hanging >&2\n"
                               "  wait\n"
                               "fi\n"
                               "exit 0\n",
                               hanging_verb, dir / "pid"));
  ::chmod(path.c_str(), 0755);
  return path;
}

// Whether the process is gone (or a zombie nobody reaped yet: it no longer runs).
bool gone(const std::string& pid_text) {
  const std::string stat = read_file("/proc/" + pid_text + "/stat").value_or("");
  if (stat.empty()) return true;
  const std::size_t after_name = stat.rfind(')');
  return after_name != std::string::npos && stat.substr(after_name + 2, 1) == "Z";
}

bool gone_soon(const std::string& pid_text) {
  for (int i = 0; i < 200 && !gone(pid_text); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return gone(pid_text);
}

TEST(SetupLogrotateTimeout, AHangingEnableIsKilledWithWhatItStartedAndExits1NamingIt) {
  TempDir dir;
  const std::string systemctl = fake_systemctl(dir, "enable");
  const auto result = run_cli({"setup-logrotate", "--log", dir / "metrics.log", "--config",
                               dir / "cfg", "--systemctl", systemctl, "--timeout", "2"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.err, fmt::format("runner-metrics: \"{} enable logrotate.timer\" did not finish "
                                    "within the timeout of 2 s and was killed: hanging\n",
                                    systemctl));
  const std::string pid = read_file(dir / "pid").value_or("");
  ASSERT_FALSE(pid.empty());
  EXPECT_TRUE(gone_soon(pid.substr(0, pid.find('\n')))) << "the child of systemctl still runs";
}

TEST(SetupLogrotateTimeout, AHangingIsActiveIsAFailureOfItsOwnNotAnInactiveTimer) {
  TempDir dir;
  const std::string systemctl = fake_systemctl(dir, "is-active");
  const auto result = run_cli({"setup-logrotate", "--log", dir / "metrics.log", "--config",
                               dir / "cfg", "--systemctl", systemctl, "--timeout=1.5"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.err,
            fmt::format("runner-metrics: \"{} is-active --quiet logrotate.timer\" did not finish "
                        "within the timeout of 1.5 s and was killed: hanging\n",
                        systemctl));
}

TEST(SetupLogrotateTimeout, TheLibraryTakesTheTimeoutFromItsOptions) {
  TempDir dir;
  const std::string systemctl = fake_systemctl(dir, "enable");
  try {
    runner_metrics::setup_logrotate(LogrotateSetup{.config = dir / "cfg",
                                                   .log = dir / "metrics.log",
                                                   .systemctl = systemctl,
                                                   .timeout = std::chrono::milliseconds(1250)});
    FAIL() << "no error";
  } catch (const LogrotateSetupError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("\"{} enable logrotate.timer\" did not finish within the timeout of "
                          "1.25 s and was killed: hanging",
                          systemctl));
  }
}

TEST(SetupLogrotateTimeout, AFastSystemctlIsUnaffected) {
  TempDir dir;
  const std::string systemctl = fake_systemctl(dir, "nothing-hangs");
  const auto result = run_cli({"setup-logrotate", "--log", dir / "metrics.log", "--config",
                               dir / "cfg", "--systemctl", systemctl, "--timeout", "5"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(read_file(dir / "cfg").has_value());
}

TEST(SetupLogrotateTimeout, ATimeoutThatIsNotAPositiveNumberOfSecondsExits2) {
  TempDir dir;
  for (const std::string& text :
       std::vector<std::string>{"0", "-1", "01", "abc", "100000", "0.0001", ""}) {
    SCOPED_TRACE(text);
    const auto result = run_cli({"setup-logrotate", "--log", dir / "metrics.log", "--config",
                                 dir / "cfg", "--systemctl", "/bin/true", "--timeout=" + text});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_TRUE(result.err.starts_with("runner-metrics: --timeout: ")) << result.err;
    EXPECT_FALSE(read_file(dir / "cfg").has_value());
  }
}

}  // namespace
