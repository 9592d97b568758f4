// SPDX-License-Identifier: Apache-2.0
// What every aggregate of a log (Summary, Timeline, PrometheusMetrics) has in
// common: it is made from its options, takes one line at a time with where
// the line is, and merges exactly with another made with the same options,
// so read_logs (read_logs.hpp) can fill one copy per thread and merge them.
//
//   Summary summary({.since = 1795615200, .by_flavor = true});
//   summary.add(parser.read(line), {.file = 0, .offset = 4096});
//   summary.merge(other);
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/measures.hpp"

namespace runner_metrics {

/// Where a line is, for format.md §7's "a later line wins a tie": files in the
/// order given, then bytes.
struct LogPosition {
  std::uint32_t file = 0;
  std::uint64_t offset = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const LogPosition&) const = default;
};

/// Which events an aggregate keeps and how it groups them; the same for the
/// summary and the report's timeline.
struct WindowOptions {
  /// Keep events with since <= timestamp < until (UNIX seconds).
  std::optional<double> since;
  std::optional<double> until;
  /// One group per flavor instead of one for all.
  bool by_flavor = false;
  /// Values each breakdown of a Summary group keeps a count of its own
  /// (format.md §7); the others are counted under "other".
  std::size_t max_label_values = 1000;

  bool operator==(const WindowOptions&) const = default;

  /// Whether an event at `timestamp` is kept. A NaN bound keeps nothing.
  bool contains(double timestamp) const noexcept {
    return (!since || timestamp >= *since) && (!until || timestamp < *until);
  }
};

/// A gauge's value in the latest reconciliation that carried it: greatest
/// timestamp, then greatest position.
struct LatestValue {
  double timestamp = 0;
  LogPosition position;
  std::int64_t value = 0;
};

/// One flavor's latest value of each gauge, indexed by Gauge.
using LatestGauges = std::array<std::optional<LatestValue>, GAUGES.size()>;

/// Each flavor's latest gauges.
using LatestByFlavor = std::map<std::string, LatestGauges, std::less<>>;

/// The gauge's latest value of each flavor, summed (saturating); nullopt when
/// no flavor has one.
std::optional<std::uint64_t> sum_latest(const LatestByFlavor& latest, Gauge gauge);

namespace detail {

/// For an aggregate that counts lines: the line's event, or that it is
/// another event or an invalid line.
template <class A>
void add_line(A& aggregate, const ParsedLine& line, LogPosition position) {
  switch (line.kind) {
    case ParsedLine::Kind::Event:
      aggregate.add(line.event, position);
      break;
    case ParsedLine::Kind::Other:
      aggregate.add_other();
      break;
    case ParsedLine::Kind::Invalid:
      aggregate.add_invalid();
      break;
  }
}

}  // namespace detail

/// What read_logs needs of an aggregate.
template <class A>
concept Aggregate = requires(A aggregate, const A& other, const ParsedLine& line,
                             LogPosition position) {
  A(aggregate.options());
  aggregate.add(line, position);
  aggregate.merge(other);
};

}  // namespace runner_metrics
