// SPDX-License-Identifier: Apache-2.0
// The report's tables: a group's event counts and duration statistics, and
// (by flavor) the table of flavors.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runner_metrics/report.hpp"

namespace runner_metrics::html {

void counts_table(std::string& out, const GroupSummary& group);
void durations_table(std::string& out, const GroupSummary& group);
/// One row per flavor, the busiest first, up to max_label_values; the rest
/// summed in one "other" row. A flavor with a section (one of `drawn`) links to it.
void flavors_table(std::string& out, const FleetReport& report,
                   const std::vector<const GroupSummary*>& drawn,
                   const std::function<void(std::string_view)>& write);

}  // namespace runner_metrics::html
