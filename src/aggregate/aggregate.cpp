// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/aggregate.hpp"

#include "aggregate/fleet_tally.hpp"

namespace runner_metrics {

std::optional<std::uint64_t> sum_latest(const LatestByFlavor& latest, Gauge gauge) {
  std::optional<std::uint64_t> sum;
  for (const auto& [flavor, gauges] : latest) {
    if (const auto& seen = gauges[static_cast<std::size_t>(gauge)]) {
      sum = detail::saturating_add(sum.value_or(0), detail::non_negative(seen->value));
    }
  }
  return sum;
}

}  // namespace runner_metrics
