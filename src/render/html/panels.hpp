// SPDX-License-Identifier: Apache-2.0
// The charts of a group's section: lifecycle counts per bucket of time, jobs
// per day, the runners after the reconciliations, and p50 / p95 / p99 / max
// of each duration per bucket.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "render/html/scales.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/timeline.hpp"

namespace runner_metrics::html {

void lifecycle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                     const std::optional<XScale>& x);
/// Each gauge (GAUGES) after the reconciliations up to each bucket's end.
void runners_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                   const std::optional<XScale>& x);
/// Jobs started (runner_start) per UTC day, as columns.
void jobs_per_day_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                        const Timeline& timeline);
/// The durations as the report shows them: a job's wait first.
const std::array<const DurationMeasure*, DURATIONS.size()>& durations_in_report_order();

/// p50, p95, p99 and max per bucket. `unknown`: the group's values given as
/// Infinity, which no chart draws; an empty chart says how many there were.
void duration_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                    const std::optional<XScale>& x, const DurationMeasure& duration,
                    std::uint64_t unknown);

}  // namespace runner_metrics::html
