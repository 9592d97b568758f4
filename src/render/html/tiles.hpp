// SPDX-License-Identifier: Apache-2.0
// A group's headline numbers, each a tile above its charts: the average
// reconciliation interval, the share of jobs that waited under a minute for
// a runner, and the runners short of expected at the last reconciliation.
#pragma once

#include <string>

#include "runner_metrics/summary.hpp"

namespace runner_metrics::html {

void tiles(std::string& out, const GroupSummary& group);

}  // namespace runner_metrics::html
