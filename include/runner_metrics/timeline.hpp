// SPDX-License-Identifier: Apache-2.0
// What a metrics log says over time: per bucket of time, how many runners
// were installed, started and stopped, how many crashed, the gauges after the
// reconciliations (idle runners, ...), and count / min / avg / max and p50 /
// p95 / p99 of each duration; and per UTC day, the events of each type.
//
//   Timeline timeline;                       // width chosen from the span
//   timeline.add(line, position);            // for each line
//   timeline.interval() → 300                // seconds: 5 min buckets
//   timeline.groups()[0]->buckets.at(5880000).counts.runner_installed → 42
//                                            // bucket 5880000 is [5880000·300, 5880001·300)
//
// Like a Summary, a Timeline is an aggregate (aggregate.hpp): built one line
// at a time, it merges exactly with another, in any order, so parts of a log
// can be read on separate threads. Its memory depends on the number of buckets (at most
// AUTO_MAX_BUCKETS, or MAX_BUCKETS with an explicit interval) and flavors,
// not on the number of events: a bucket's durations take at most
// BucketStats::MAX_BYTES each, whatever they are.
//
// The width cannot be known before the log is read, and the log is read once:
// buckets start at the finest width and are merged into wider ones (each
// width divides the next, so every bucket maps into exactly one) whenever the
// span from the first to the last event would need too many. The width that
// results is a function of that span alone, whatever the order of events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/detail/last_group.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/quantile_sketch.hpp"
#include "runner_metrics/summary.hpp"

namespace runner_metrics {

/// The durations of one bucket: count, min, avg and max exact and the same
/// in any order of additions and merges; percentiles from a QuantileSketch
/// of ACCURACY capped at MAX_BINS bins, so exact up to 64 values, then within
/// 2% of the nearest-rank value while the bucket's values span less than 8
/// decades (below that, only low ranks are answered high: quantile_sketch.hpp).
class BucketStats {
 public:
  static constexpr double ACCURACY = 0.02;
  static constexpr std::size_t MAX_BINS = 512;
  /// The most one takes, whatever its values: the bins, the sketch's 64
  /// exact values or its exact sum's partials, and their bookkeeping.
  static constexpr std::size_t MAX_BYTES = MAX_BINS * 8 + 2048;

  BucketStats();
  BucketStats(const BucketStats& other);
  BucketStats& operator=(const BucketStats& other);
  BucketStats(BucketStats&&) noexcept;
  BucketStats& operator=(BucketStats&&) noexcept;
  ~BucketStats();

  /// A finite value >= 0.
  void add(double seconds);
  void merge(const BucketStats& other);

  std::uint64_t count() const noexcept;
  /// min, avg, max and quantile need count() > 0.
  double min() const noexcept;
  double max() const noexcept;
  double avg() const;
  /// The value of rank ceil(q · count): quantile(0.95) is p95.
  double quantile(double q) const;

 private:
  struct Values;
  std::unique_ptr<Values> values_;  // made at the first value: most buckets have few kinds
};

/// Durations of one bucket, as the summary takes them from the events:
/// durations[Measure::Job].
using BucketDurations = PerDuration<BucketStats>;

/// What happened in one bucket of time.
struct TimelineBucket {
  /// Events of each type whose timestamp falls in the bucket;
  /// crashed_runners is summed over its reconciliations.
  EventCounts counts;
  /// Each flavor's latest gauges in the bucket.
  LatestByFlavor latest;
  BucketDurations durations;
};

/// All flavors, or one.
struct TimelineGroup {
  std::optional<std::string> flavor;  ///< nullopt when not grouped by flavor.
  /// By bucket number: bucket k holds timestamps in [k · interval, (k + 1) · interval).
  /// Buckets without events are left out.
  std::map<std::int64_t, TimelineBucket> buckets;
  /// By day number: day d holds timestamps in [d · day_interval, (d + 1) ·
  /// day_interval), UTC days unless the span needs more than AUTO_MAX_BUCKETS;
  /// the events counted as a bucket's counts are. Days without events are left out.
  std::map<std::int64_t, EventCounts> days;

  /// For each bucket from `first` to `last`, the gauge after the
  /// reconciliations up to the bucket's end: each flavor's latest value so
  /// far, summed (saturating), as GroupSummary::last is for the whole log;
  /// nullopt before the first.
  std::vector<std::optional<std::uint64_t>> gauge(Gauge gauge, std::int64_t first,
                                                  std::int64_t last) const;
  /// The idle runners after the reconciliations up to each bucket's end.
  std::vector<std::optional<std::uint64_t>> idle_runners(std::int64_t first,
                                                         std::int64_t last) const {
    return gauge(Gauge::IdleRunners, first, last);
  }
  /// For each bucket from `first` to `last`, runners_gap after the
  /// reconciliations up to the bucket's end.
  std::vector<std::optional<std::int64_t>> gap(std::int64_t first, std::int64_t last) const;
};

/// The runners a fleet is short of after its latest reconciliations:
/// expected − (idle + active), summed over the flavors whose latest values
/// carry all three (reconciliations since late 2024 do); negative when there
/// are more than expected. nullopt when no flavor carries all three.
std::optional<std::int64_t> runners_gap(const LatestByFlavor& latest);

struct TimelineOptions {
  /// The events kept and their grouping, as a Summary's.
  WindowOptions window;
  /// Bucket width in seconds, > 0; 0 chooses one from the span (see AUTO_INTERVALS).
  std::int64_t interval = 0;
  /// by_flavor: only these flavors get a group; nullptr is every flavor.
  /// The others' events still widen the span, so the buckets are the ones
  /// every flavor would have had.
  std::shared_ptr<const std::set<std::string, std::less<>>> flavors;
  /// by_flavor: at most this many groups, 0 for no limit. One more and every
  /// group is dropped (dropped_groups() is then true) while the span is still
  /// kept: the caller learns it must choose the flavors it wants and read again.
  std::size_t max_groups = 0;
};

class Timeline {
 public:
  /// Widths chosen automatically, smallest first: the first whose buckets
  /// cover the span in at most AUTO_MAX_BUCKETS; past 1 day the width doubles.
  static constexpr std::int64_t AUTO_INTERVALS[] = {60,   300,   900,   1800, 3600,
                                                    7200, 21600, 43200, 86400};
  static constexpr std::int64_t AUTO_MAX_BUCKETS = 1000;
  /// An explicit interval is doubled until the span fits in this many buckets.
  static constexpr std::int64_t MAX_BUCKETS = 10000;
  /// Events at or after 10000-01-01T00:00:00Z are counted but not placed in
  /// a bucket: no time axis can label them.
  static constexpr double CHART_END = 253402300800.0;

  explicit Timeline(TimelineOptions options = {});

  /// One line at `position`: an event in the window is placed, the rest ignored.
  void add(const ParsedLine& line, LogPosition position);
  /// A valid event at `position`; ignored outside the window.
  void add(const AnyEvent& event, LogPosition position);
  /// Everything `other` holds; the same result in any order of merges.
  /// Both must have been made with the same options.
  void merge(const Timeline& other);

  const TimelineOptions& options() const noexcept { return options_; }
  /// The bucket width in seconds now.
  std::int64_t interval() const noexcept { return interval_; }
  /// The width of a day in TimelineGroup::days: 86400 seconds, doubled while
  /// the span would need more than AUTO_MAX_BUCKETS days.
  std::int64_t day_interval() const noexcept { return day_interval_; }
  /// True when an explicit interval had to be widened to fit MAX_BUCKETS.
  bool widened() const noexcept { return options_.interval > 0 && interval_ != options_.interval; }
  /// Numbers of the first and last bucket over all groups; nullopt when no
  /// event was placed.
  std::optional<std::int64_t> first_bucket() const;
  std::optional<std::int64_t> last_bucket() const;
  /// Timestamps of the earliest and latest event placed (exact).
  std::optional<double> first_timestamp() const;
  std::optional<double> last_timestamp() const;
  /// True when more flavors than max_groups came and every group was dropped.
  bool dropped_groups() const noexcept { return dropped_groups_; }
  /// Events in the window at or after CHART_END.
  std::uint64_t unplaced() const noexcept { return unplaced_; }
  /// In output order: one group with no flavor (when it has an event), or
  /// (by_flavor) one per flavor that has an event in the window, sorted by flavor.
  std::vector<const TimelineGroup*> groups() const;

 private:
  // Bucket width for events from second `first` to second `last`.
  std::int64_t width_for(std::int64_t first, std::int64_t last) const;
  // Makes the buckets `width` wide and the days `day_width` (multiples of the current ones).
  void widen(std::int64_t width, std::int64_t day_width);
  // Widens both to what the span from first_timestamp_ to last_timestamp_ needs.
  void fit_span();
  // The group of `flavor`'s events, or nullptr when it gets none.
  TimelineGroup* group_for(std::string_view flavor);
  void drop_groups();

  TimelineOptions options_;
  std::int64_t interval_;
  std::int64_t day_interval_ = 86400;
  std::optional<double> first_timestamp_;
  std::optional<double> last_timestamp_;
  std::uint64_t unplaced_ = 0;
  bool dropped_groups_ = false;
  std::map<std::string, TimelineGroup, std::less<>> groups_;  // "" holds the ungrouped one
  detail::LastGroup<TimelineGroup> last_group_;
};

/// A width as the page labels it: "1 min", "15 min", "2 h", "1 d", "90 s".
std::string interval_label(std::int64_t seconds);

}  // namespace runner_metrics
