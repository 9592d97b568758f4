// SPDX-License-Identifier: Apache-2.0
// The outputs of `runner-metrics summary`: each renders the one Summary and
// none reads the log again.
//
//   render_json(summary)
//   → {"lines": {"total": 3, "valid": 3, "other": 0, "invalid": 0}, "groups": [{"flavor": null,
//   ...}]}
//
//   render_text(summary)
//   → lines  3 total  3 valid  0 other  0 invalid
//     all flavors
//       runner_installed     1 ...
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "runner_metrics/summary.hpp"

namespace runner_metrics {

/// format.md §7's object, keys in its order, on one line ending in "\n", written as
/// Python's json.dumps writes it: ", " and ": " separators, floats as
/// repr(float), null for the statistics of a duration with no values.
std::string render_json(const Summary& summary);

/// Where a streaming renderer hands its output, a piece at a time, in order.
using TextSink = std::function<void(std::string_view piece)>;

/// The same text handed to `write` a group at a time (in pieces of about
/// 64 KiB), so memory does not grow with the number of groups.
void render_json(const Summary& summary, const TextSink& write);

/// A table for people: line counts, then per group the event counts, stop
/// statuses, idle runners after the last reconciliation, and count, min,
/// avg, max, p50, p95 and p99 of each duration in s, min or h.
std::string render_text(const Summary& summary);
void render_text(const Summary& summary, const TextSink& write);

}  // namespace runner_metrics
