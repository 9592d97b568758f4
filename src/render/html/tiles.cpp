// SPDX-License-Identifier: Apache-2.0
#include "render/html/tiles.hpp"

#include <fmt/format.h>

#include <iterator>
#include <string_view>

#include "render/html/escape.hpp"
#include "render/summary_format.hpp"
#include "runner_metrics/timeline.hpp"

namespace runner_metrics::html {

namespace {

void tile(std::string& out, std::string_view key, std::string_view value, std::string_view label,
          std::string_view detail) {
  fmt::format_to(std::back_inserter(out),
                 R"(<div class="tile" data-tile="{}"><span class="value">{}</span>)"
                 R"(<span class="label">{}</span>)",
                 key, escape(value), escape(label));
  if (!detail.empty())
    fmt::format_to(std::back_inserter(out), "<br><small class=\"muted\">{}</small>",
                   escape(detail));
  out += "</div>";
}

}  // namespace

void tiles(std::string& out, const GroupSummary& group) {
  out += R"(<div class="tiles">)";
  const auto interval = group.reconciliation_interval();
  tile(out, "reconciliation_interval", interval ? detail::human_duration(*interval) : "-",
       "average reconciliation interval",
       interval ? "per flavor: (latest − earliest) / (passes − 1), averaged"
                : "no flavor reconciled twice");
  const std::uint64_t queued = group.durations[Measure::Queue].count();
  tile(out, "queue_under_60s",
       queued == 0 ? "-"
                   : fmt::format("{:.1f}%", 100.0 * static_cast<double>(group.queue_under_60s) /
                                                static_cast<double>(queued)),
       "of jobs waited under 60 s for a runner",
       fmt::format("{} of {} queue times", group.queue_under_60s, queued));
  const auto gap = runners_gap(group.latest);
  tile(out, "runners_gap", gap ? fmt::format("{}", *gap) : "-",
       "runners short of expected at the last reconciliation",
       gap ? "expected − (idle + active); below 0: more than expected"
           : "no reconciliation says active and expected runners");
  out += "</div>\n";
}

}  // namespace runner_metrics::html
