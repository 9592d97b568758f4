// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/logrotate.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <string_view>
#include <system_error>
#include <vector>

#include "write/atomic_file.hpp"
#include "write/command.hpp"

namespace runner_metrics {

namespace {

[[noreturn]] void throw_bad_log_path(const std::filesystem::path& log, std::string_view why) {
  throw LogrotateSetupError(fmt::format(
      "metrics log path \"{}\" cannot go in a logrotate config: {}", log.string(), why));
}

// logrotate reads the path as a (quoted) glob, so some characters would make
// it rotate other files, break the block, or start new directives in a config
// that root runs.
void check_log_path(const std::filesystem::path& log) {
  const std::string& path = log.native();
  // logrotate runs from /, not from our working directory.
  if (!log.is_absolute()) throw_bad_log_path(log, "it is not absolute");
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw_bad_log_path(log, "it holds a control character");
    }
    if (std::string_view("\"{}*?[]").find(c) != std::string_view::npos) {
      throw_bad_log_path(log, fmt::format("it holds '{}', which logrotate reads as syntax", c));
    }
  }
}

bool needs_quotes(const std::string& path) {
  for (const char c : path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("/._-+:@,").find(c) != std::string_view::npos;
    if (!plain) return true;
  }
  return false;
}

[[noreturn]] void throw_config_error(const std::filesystem::path& config, int error) {
  throw LogrotateSetupError(
      fmt::format("cannot write logrotate config {}: {}", config.string(), std::strerror(error)));
}

void write_config_atomically(const std::filesystem::path& config, std::string_view text) {
  // The temp name is per process; this keeps two threads off the same one.
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  try {
    // The temp file sits beside the config, in a directory logrotate reads
    // whole. A name ending in "~" is on logrotate's default taboo list, so a
    // temp file left by a crash is skipped; under any other name logrotate
    // would read it as a second block for the same log and report an error
    // on every run. The mode is the usual one of a file in /etc/logrotate.d,
    // whatever the umask, and the config survives a power cut.
    detail::AtomicFile file(
        config,
        {.temporary_suffix = fmt::format(".tmp.{}~", ::getpid()), .mode = 0644, .durable = true});
    file.write(text);
    file.commit();
  } catch (const std::system_error& e) {
    throw_config_error(config, e.code().value());
  }
}

detail::CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  try {
    return detail::run_command(argv, timeout);
  } catch (const std::system_error& e) {
    throw LogrotateSetupError(
        fmt::format("\"{}\" could not be run: {}", detail::command_line(argv), e.code().message()));
  }
}

void run_or_throw(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  const detail::CommandResult result = run(argv, timeout);
  if (!result.succeeded()) throw LogrotateSetupError(detail::describe_failure(argv, result));
}

}  // namespace

std::string logrotate_config(const std::filesystem::path& log) {
  check_log_path(log);
  const std::string& path = log.native();
  return (needs_quotes(path) ? fmt::format("\"{}\"", path) : path) +
         " {\n"
         "    rotate 0\n"
         "    missingok\n"
         "    notifempty\n"
         "    create\n"
         "}\n";
}

void setup_logrotate(const LogrotateSetup& setup) {
  write_config_atomically(setup.config, logrotate_config(setup.log));

  const std::string systemctl = setup.systemctl.string();
  const std::string timer(LOG_ROTATE_TIMER_SYSTEMD_SERVICE);
  run_or_throw({systemctl, "enable", timer}, setup.timeout);
  const std::vector<std::string> is_active{systemctl, "is-active", "--quiet", timer};
  const detail::CommandResult active = run(is_active, setup.timeout);
  // A hung `is-active` says nothing about the timer; it is a failure of its own.
  if (active.timed_out_after.count() != 0) {
    throw LogrotateSetupError(detail::describe_failure(is_active, active));
  }
  if (!active.succeeded()) run_or_throw({systemctl, "start", timer}, setup.timeout);
}

}  // namespace runner_metrics
