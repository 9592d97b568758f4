// `runner-metrics setup-logrotate`: the ancestor's setup_logrotate(), with
// every path it touches overridable for tests and non-standard hosts.
#include <filesystem>
#include <memory>
#include <string>

#include "commands.hpp"
#include "runner_metrics/logrotate.hpp"

namespace runner_metrics::cli {

void add_setup_logrotate_command(CLI::App& app, Action& action) {
  struct Options {
    std::string log;
    LogrotateSetup setup;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "setup-logrotate", "Write the logrotate config for the metrics log and start logrotate.timer.");
  command->add_option("--log", options->log,
                      "Metrics log path (default: $RUNNER_METRICS_LOG, else "
                      "/var/log/github-runner-metrics.log).");
  command->add_option("--config", options->setup.config, "logrotate config to write.")
      ->capture_default_str();
  command->add_option("--systemctl", options->setup.systemctl, "systemctl to run.")
      ->capture_default_str();
  command->callback([options, &action] {
    action = [options] {
      // logrotate matches configs by absolute path.
      options->setup.log = std::filesystem::absolute(resolve_log_path(options->log));
      setup_logrotate(options->setup);
    };
  });
}

}  // namespace runner_metrics::cli
