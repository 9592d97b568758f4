// SPDX-License-Identifier: Apache-2.0
// The subcommands of `runner-metrics`. Each registers its options on the
// application and returns the action to run once the command line parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "log_path.hpp"  // every command that takes --log resolves it the same way

namespace runner_metrics::cli {

using Action = std::function<void()>;

/// `issue TYPE FIELD-FLAGS...` and `issue --stdin`.
void add_issue_command(CLI::App& app, Action& action);

/// `setup-logrotate`.
void add_setup_logrotate_command(CLI::App& app, Action& action);

/// `validate [FILE...]`.
void add_validate_command(CLI::App& app, Action& action);

/// `summary [FILE...] [--since T] [--until T] [--by flavor] [--format text|json]`.
void add_summary_command(CLI::App& app, Action& action);

/// `report [FILE...] --output FILE.html [--since T] [--until T] [--by flavor] [--interval W]`.
void add_report_command(CLI::App& app, Action& action);

/// `serve [--log PATH] [--listen HOST:PORT] [--max-label-values N]`.
void add_serve_command(CLI::App& app, Action& action);

}  // namespace runner_metrics::cli
