// SPDX-License-Identifier: Apache-2.0
// Having logrotate keep the metrics log small, as the ancestor's
// `setup_logrotate()` did (format.md §5). Needs root: it writes to /etc and asks
// systemd to enable a timer.
//
//   setup_logrotate();
//   → writes /etc/logrotate.d/github-runner-metrics (rotate 0: rotated files
//     are deleted, so a shipper never sends a line twice), runs
//     `systemctl enable logrotate.timer`, and starts the timer if it is not
//     already active.
//
//   setup_logrotate({.config = "/etc/logrotate.d/fleet", .log = "/srv/fleet-metrics.log"});
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "runner_metrics/errors.hpp"
#include "runner_metrics/metrics_log.hpp"

namespace runner_metrics {

/// The systemd unit that runs logrotate daily on Debian and Ubuntu.
inline constexpr std::string_view LOG_ROTATE_TIMER_SYSTEMD_SERVICE = "logrotate.timer";
inline constexpr std::string_view SYSTEMCTL_PATH = "/usr/bin/systemctl";
/// logrotate reads every file in /etc/logrotate.d, so this one needs no
/// change to /etc/logrotate.conf.
inline constexpr std::string_view LOGROTATE_CONFIG = "/etc/logrotate.d/github-runner-metrics";

/// Where setup_logrotate writes and what it runs. The defaults are the
/// ancestor's; the others exist for tests and unusual hosts.
struct LogrotateSetup {
  std::filesystem::path config = LOGROTATE_CONFIG;
  std::filesystem::path log = METRICS_LOG_PATH;
  std::filesystem::path systemctl = SYSTEMCTL_PATH;
  /// How long each systemctl command may take. One that has not finished
  /// by then is killed, with whatever it started (its process group), and
  /// setup_logrotate throws naming the command and the timeout.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

/// The config block for `log`, byte for byte as format.md §5 shows it:
///
///   /var/log/github-runner-metrics.log {
///       rotate 0
///       missingok
///       notifempty
///       create
///   }
///
/// A path with characters other than letters, digits and "/._-+:@," is
/// written in double quotes, which logrotate needs for spaces. A path holding
/// a control character or a double quote throws LogrotateSetupError: it could
/// not be written without letting the path add directives to a config that
/// root runs.
std::string logrotate_config(const std::filesystem::path& log);

/// Writes logrotate_config(setup.log) to setup.config atomically (a reader
/// sees the old file or the new one, never a part), then runs
/// `<systemctl> enable logrotate.timer`, `<systemctl> is-active --quiet
/// logrotate.timer` and, only if the timer is not active,
/// `<systemctl> start logrotate.timer`. Commands run without a shell.
///
/// Throws LogrotateSetupError on the first failure, in one line: the config
/// path and the OS error, or the failing command, its exit status (or
/// signal, or the timeout it overran) and what it printed on stderr. Steps
/// before the failure stay done.
void setup_logrotate(const LogrotateSetup& setup = {});

}  // namespace runner_metrics
