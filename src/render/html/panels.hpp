// SPDX-License-Identifier: Apache-2.0
// The charts of a group's section: lifecycle counts, idle runners, and
// min / avg / max of each duration, per bucket of time.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "render/html/scales.hpp"
#include "runner_metrics/timeline.hpp"

namespace runner_metrics::html {

void lifecycle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                     const std::optional<XScale>& x);
void idle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                const std::optional<XScale>& x);
struct DurationKind {
  const char* kind;     // data-panel: duration-<kind>
  const char* caption;  // panel title
  const char* nothing;  // empty state
  MinAvgMax BucketDurations::*member;
};

inline constexpr std::array<DurationKind, 5> kDurationKinds = {{
    {"queue", "Queue duration: time a job waited for a runner", "No queue durations",
     &BucketDurations::queue},
    {"idle", "Idle duration: time a runner waited for a job", "No idle durations",
     &BucketDurations::idle},
    {"job", "Job duration (status normal)", "No jobs that stopped normally", &BucketDurations::job},
    {"installation", "Installation duration", "No installations", &BucketDurations::installation},
    {"reconciliation", "Reconciliation duration", "No reconciliations",
     &BucketDurations::reconciliation},
}};

void duration_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                    const std::optional<XScale>& x, const DurationKind& kind);

}  // namespace runner_metrics::html
