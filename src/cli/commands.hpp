// The subcommands of `runner-metrics`. Each registers its options on the
// application and returns the action to run once the command line parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace runner_metrics::cli {

using Action = std::function<void()>;

/// `issue TYPE FIELD-FLAGS...` and `issue --stdin`.
void add_issue_command(CLI::App& app, Action& action);

/// `setup-logrotate`.
void add_setup_logrotate_command(CLI::App& app, Action& action);

/// The metrics log: --log if given, else $RUNNER_METRICS_LOG, else the
/// ancestor's path.
std::string resolve_log_path(const std::string& flag);

}  // namespace runner_metrics::cli
