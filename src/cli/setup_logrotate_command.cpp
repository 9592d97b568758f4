// SPDX-License-Identifier: Apache-2.0
// `runner-metrics setup-logrotate`: the ancestor's setup_logrotate(), with
// every path it touches overridable for tests and non-standard hosts.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/flag_value.hpp"
#include "runner_metrics/logrotate.hpp"

namespace runner_metrics::cli {

namespace {

// A day is far more than systemctl ever needs; the bound keeps the
// conversion to milliseconds exact.
constexpr double kMaxTimeoutSeconds = 86400;

std::chrono::milliseconds timeout_flag(const std::string& text) {
  double seconds = 0;
  if (const auto failure = parse_flag_value(text, seconds, "--timeout", Range::NonNegative)) {
    throw ValidationError(failure->field,
                          fmt::format("{} ({})", failure->problem, text.substr(0, 64)));
  }
  const auto ms = std::llround(seconds * 1000);
  if (ms < 1 || seconds > kMaxTimeoutSeconds) {
    throw ValidationError("--timeout", fmt::format("must be from 0.001 to {:.0f} seconds ({})",
                                                   kMaxTimeoutSeconds, text.substr(0, 64)));
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

void add_setup_logrotate_command(CLI::App& app, Action& action) {
  struct Options {
    std::string log;
    std::string timeout = "30";
    LogrotateSetup setup;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "setup-logrotate",
      "Write the logrotate config for the metrics log and start logrotate.timer.");
  command->add_option("--log", options->log,
                      "Metrics log path (default: $RUNNER_METRICS_LOG, else "
                      "/var/log/github-runner-metrics.log).");
  command->add_option("--config", options->setup.config, "logrotate config to write.")
      ->capture_default_str();
  command->add_option("--systemctl", options->setup.systemctl, "systemctl to run.")
      ->capture_default_str();
  command
      ->add_option("--timeout", options->timeout,
                   "Seconds each systemctl command may take before it is killed (exit 1).")
      ->type_name("SECONDS")
      ->capture_default_str();
  command->callback([options, &action] {
    options->setup.timeout = timeout_flag(options->timeout);
    action = [options] {
      // logrotate matches configs by absolute path.
      options->setup.log = std::filesystem::absolute(resolve_log_path(options->log));
      setup_logrotate(options->setup);
    };
  });
}

}  // namespace runner_metrics::cli
