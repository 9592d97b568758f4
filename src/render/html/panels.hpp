// SPDX-License-Identifier: Apache-2.0
// The charts of a group's section: lifecycle counts, idle runners, and
// min / avg / max of each duration, per bucket of time.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "render/html/scales.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/timeline.hpp"

namespace runner_metrics::html {

void lifecycle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                     const std::optional<XScale>& x);
void idle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                const std::optional<XScale>& x);
/// The durations as the report shows them: a job's wait first.
const std::array<const DurationMeasure*, DURATIONS.size()>& durations_in_report_order();

void duration_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                    const std::optional<XScale>& x, const DurationMeasure& duration);

}  // namespace runner_metrics::html
