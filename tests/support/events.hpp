// SPDX-License-Identifier: Apache-2.0
// Events with exact values for the aggregation tests: only what a test
// varies is an argument; workflow, repo and github_event are fixed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "runner_metrics/events.hpp"

namespace runner_metrics::testing {

inline RunnerInstalled installed(double timestamp, std::string flavor, double duration) {
  return {.timestamp = timestamp, .flavor = std::move(flavor), .duration = duration};
}

inline RunnerStart start(double timestamp, std::string flavor, double idle,
                         std::optional<double> queue = std::nullopt) {
  return {.timestamp = timestamp,
          .flavor = std::move(flavor),
          .workflow = "w",
          .repo = "o/r",
          .github_event = "push",
          .idle = idle,
          .queue_duration = queue};
}

inline RunnerStop stop(double timestamp, std::string flavor, std::string status, double job) {
  return {.timestamp = timestamp,
          .flavor = std::move(flavor),
          .workflow = "w",
          .repo = "o/r",
          .github_event = "push",
          .status = std::move(status),
          .job_duration = job};
}

inline Reconciliation reconciliation(double timestamp, std::string flavor, std::int64_t crashed,
                                     std::int64_t idle, double duration = 1) {
  return {.timestamp = timestamp,
          .flavor = std::move(flavor),
          .crashed_runners = crashed,
          .idle_runners = idle,
          .duration = duration};
}

}  // namespace runner_metrics::testing
