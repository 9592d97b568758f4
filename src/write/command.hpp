// SPDX-License-Identifier: Apache-2.0
// Running a program the way setup steps need: no shell (so no quoting and
// no PATH surprises), and what it printed on stderr kept for the error
// message.
//
//   auto result = run_command({"/usr/bin/systemctl", "enable", "logrotate.timer"});
//   if (!result.succeeded()) ... describe_failure({...}, result) ...
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace runner_metrics::detail {

struct CommandResult {
  int exit_status = 0;  ///< -1 when a signal ended the program.
  int signal = 0;       ///< The signal that ended the program, or 0.
  /// It had not finished after the timeout: its process group was killed.
  std::chrono::milliseconds timed_out_after{0};
  std::string stderr_text;

  bool succeeded() const noexcept {
    return exit_status == 0 && signal == 0 && timed_out_after.count() == 0;
  }
};

/// Runs argv[0] (a path; PATH is not searched) with stdin and stdout on
/// /dev/null, in a process group of its own, and waits for it at most
/// `timeout`: then the whole group (the program and whatever it started) is
/// killed with SIGKILL and reaped. Keeps the first 64 KiB of its stderr.
/// Throws std::system_error if the program could not be started.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// The command as a user would type it, for messages: argv joined by spaces.
std::string command_line(const std::vector<std::string>& argv);

/// `"<command>" failed with exit status 1: <stderr>`, on one line: stderr's
/// lines are trimmed and joined by spaces, so the message fits a log line.
std::string describe_failure(const std::vector<std::string>& argv, const CommandResult& result);

}  // namespace runner_metrics::detail
