// SPDX-License-Identifier: Apache-2.0
// Which metrics log a command means: issue writes it, setup-logrotate
// rotates it, serve follows it, and the readers default to it.
#pragma once

#include <string>

namespace runner_metrics::cli {

/// The metrics log: --log if given, else $RUNNER_METRICS_LOG, else the
/// ancestor's path.
std::string resolve_log_path(const std::string& flag);

}  // namespace runner_metrics::cli
