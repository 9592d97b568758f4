// SPDX-License-Identifier: Apache-2.0
#include "log_path.hpp"

#include <cstdlib>

#include "runner_metrics/metrics_log.hpp"

namespace runner_metrics::cli {

std::string resolve_log_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("RUNNER_METRICS_LOG"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::string(METRICS_LOG_PATH);
}

}  // namespace runner_metrics::cli
