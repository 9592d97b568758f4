// SPDX-License-Identifier: Apache-2.0
// A breakdown (how many stops had each status, jobs of each repository, ...)
// as horizontal bars, the largest first, each with its count and share: the
// ancestor's dashboards drew these as pies, which hide small differences.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace runner_metrics::html {

/// At most this many bars; the rest are summed in one "other (K)" bar.
inline constexpr std::size_t BREAKDOWN_BARS = 10;

struct Breakdown {
  std::string id;       // the panel's, unique in the page
  std::string kind;     // data-panel
  std::string caption;  // what it counts
  std::string nothing;  // the panel's text when it counted nothing
};

/// A value counted and how many times.
struct Bar {
  std::string label;
  std::uint64_t count = 0;
};

/// `bars` (in any order) drawn as Breakdown's panel, with `folded` events
/// whose values were not kept (counted as "other") in the "other" bar.
void breakdown_panel(std::string& out, const Breakdown& breakdown, std::vector<Bar> bars,
                     std::uint64_t folded = 0);

}  // namespace runner_metrics::html
