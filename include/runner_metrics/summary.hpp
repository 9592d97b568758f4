// SPDX-License-Identifier: Apache-2.0
// What a metrics log says about a fleet (format.md §7): how many runners were
// installed, started and stopped, how they stopped, how many sit idle, and
// how long installs, idle times, queues, jobs and reconciliations take.
//
//   LogsSummary result = summarize_logs({"/var/log/github-runner-metrics.log"});
//   result.summary.groups()[0]->durations.job.quantile(0.95) → 1834.2  (seconds)
//
// A Summary is built one line at a time and merges exactly with another, so
// parts of a log can be summarized on separate threads; summarize_logs does
// that for whole files. Memory does not grow with the number of events.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/quantile_sketch.hpp"
#include "runner_metrics/reader.hpp"

namespace runner_metrics {

namespace detail {
/// A sum of finite doubles >= 0 held without rounding error (as
/// non-overlapping partial sums), so it comes out the same in any order of
/// additions and merges. mean(n) is Python's math.fsum(values) / n.
class ExactSum {
 public:
  void add(double value);
  void merge(const ExactSum& other);
  double mean(std::uint64_t count) const;

 private:
  // Values >= 2^512 are kept scaled by 2^-512, so no partial overflows.
  std::vector<double> small_;
  std::vector<double> large_;
};
}  // namespace detail

/// Count, min, max and avg exact; percentiles within 0.5% (see QuantileSketch).
///
/// Most groups of a log with many flavors hold a handful of values, so the
/// first QuantileSketch::EXACT_VALUES values are kept as they are (8 bytes
/// each) and the sketch and the exact sum are allocated only when one more
/// comes. The answers are the same either way.
class DurationStats {
 public:
  DurationStats();
  DurationStats(const DurationStats& other);
  DurationStats& operator=(const DurationStats& other);
  DurationStats(DurationStats&&) noexcept;
  DurationStats& operator=(DurationStats&&) noexcept;
  ~DurationStats();

  /// Adds a finite value >= 0; throws std::domain_error for anything else.
  void add(double seconds);
  void merge(const DurationStats& other);

  std::uint64_t count() const noexcept;
  /// min, max, avg and quantile need count() > 0.
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  double avg() const;
  /// The value of rank ceil(q · count): quantile(0.95) is p95.
  double quantile(double q) const;

 private:
  struct Sketched;
  // Makes sketched_ from values_, which it then empties.
  void sketch_values();

  double min_ = 0;
  double max_ = 0;
  std::vector<double> values_;          // while there are at most EXACT_VALUES
  std::unique_ptr<Sketched> sketched_;  // after
};

/// Where a line is, for format.md §7's "a later line wins a tie": files in the
/// order given, then bytes.
struct LogPosition {
  std::uint32_t file = 0;
  std::uint64_t offset = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const LogPosition&) const = default;
};

struct LatestReconciliation {
  double timestamp = 0;
  LogPosition position;
  std::int64_t idle_runners = 0;
};

/// format.md §7's "counts".
struct EventCounts {
  std::uint64_t runner_installed = 0;
  std::uint64_t runner_start = 0;
  std::uint64_t runner_stop = 0;
  std::uint64_t reconciliation = 0;
  std::uint64_t crashed_runners = 0;  ///< Summed over reconciliations; saturates at 2^64 - 1.
  bool operator==(const EventCounts&) const = default;
};

/// format.md §7's "durations", in seconds.
struct Durations {
  DurationStats installation;    ///< runner_installed.duration
  DurationStats idle;            ///< runner_start.idle
  DurationStats queue;           ///< runner_start.queue_duration, where present
  DurationStats job;             ///< runner_stop.job_duration, status "normal" only
  DurationStats reconciliation;  ///< reconciliation.duration
};

/// One of format.md §7's "groups": all flavors, or one.
struct GroupSummary {
  std::optional<std::string> flavor;  ///< nullopt when not grouped by flavor.
  EventCounts counts;
  std::map<std::string, std::uint64_t, std::less<>> runner_stop_status;  ///< By status.
  /// Each flavor's latest reconciliation (greatest timestamp, then position).
  std::map<std::string, LatestReconciliation, std::less<>> latest_reconciliations;
  Durations durations;

  /// idle_runners of each flavor's latest reconciliation, summed (saturating);
  /// nullopt when the group has no reconciliation.
  std::optional<std::uint64_t> idle_runners_last() const;
};

struct LineCounts {
  std::uint64_t total = 0;
  std::uint64_t valid = 0;
  std::uint64_t other = 0;
  std::uint64_t invalid = 0;
  bool operator==(const LineCounts&) const = default;
};

struct SummaryOptions {
  /// Keep events with since <= timestamp < until (UNIX seconds).
  std::optional<double> since;
  std::optional<double> until;
  /// One group per flavor instead of one for all.
  bool by_flavor = false;
};

class Summary {
 public:
  explicit Summary(SummaryOptions options = {});

  /// A valid event at `position`. Counted as a valid line whether or not its
  /// timestamp is in the window.
  void add(const AnyEvent& event, LogPosition position);
  /// A JSON object whose `event` is not one of the library's types.
  void add_other() noexcept;
  /// A line that is not a valid event.
  void add_invalid() noexcept;
  /// Everything `other` holds; the same result in any order of merges.
  /// Both must have been made with the same options.
  void merge(const Summary& other);
  /// The same, taking `other`'s groups rather than copying them; `other` is left empty.
  void merge(Summary&& other);

  const SummaryOptions& options() const noexcept { return options_; }
  const LineCounts& lines() const noexcept { return lines_; }
  /// In output order: one group with no flavor, or (by_flavor) one per
  /// flavor that has an event in the window, sorted by flavor.
  std::vector<const GroupSummary*> groups() const;

 private:
  GroupSummary& group_for(std::string_view flavor);
  void merge_lines(const Summary& other);

  // The group of the previous event: flavors come in runs, so this skips
  // most lookups. A copy starts without it rather than point into the source.
  struct GroupCache {
    GroupSummary* group = nullptr;
    GroupCache() = default;
    GroupCache(const GroupCache&) noexcept {}
    GroupCache& operator=(const GroupCache& other) noexcept {
      if (this != &other) group = nullptr;
      return *this;
    }
  };

  SummaryOptions options_;
  LineCounts lines_;
  std::map<std::string, GroupSummary, std::less<>> groups_;  // "" holds the ungrouped one
  GroupCache last_group_;
};

/// A time given on the command line: UNIX seconds in JSON number syntax
/// ("1764079200", "1.7e9") or ISO 8601 ("2026-11-25", midnight UTC;
/// "2026-11-25T14:00:00Z", "2026-11-25T16:00:00.5+02:00"; no offset is UTC).
///
///   parse_time("2026-11-25T14:00:00Z") → 1795615200.0
///   parse_time("yesterday") → nullopt
std::optional<double> parse_time(std::string_view text);

/// An invalid line, as `validate` reports it.
struct InvalidLine {
  std::string path;
  std::uint64_t line = 0;  ///< 1-based, in the whole file.
  std::string field;       ///< May be empty.
  std::string problem;
};

/// Another aggregate fed from summarize_logs' pass (a Timeline, say): gets
/// each valid event a worker reads, in or out of the window.
using EventSink = std::function<void(const AnyEvent& event, LogPosition position)>;

struct SummarizeOptions {
  SummaryOptions summary;
  /// Optional. Called on the calling thread before reading starts, once for
  /// each worker (0, 1, ...); worker w then calls the sink it returned, on its
  /// own thread only, with every valid event it reads, so a sink needs no
  /// lock. Merging what the sinks gathered is the caller's job.
  std::function<EventSink(unsigned worker)> sink_for_worker;
  /// How many of the first invalid lines to keep, in file order.
  std::size_t invalid_lines_kept = 0;
  /// Threads reading; 0 is one per core.
  unsigned workers = 0;
  /// A regular file larger than this is read as several ranges at once.
  std::uint64_t range_bytes = std::uint64_t{8} * 1024 * 1024;
  std::size_t max_line_bytes = ReaderOptions{}.max_line_bytes;
  /// Called on the calling thread about ten times a second while reading,
  /// and once at the end, with bytes read and the total size of the files
  /// (0 when unknown, e.g. a pipe).
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct LogsSummary {
  Summary summary;
  std::vector<InvalidLine> invalid_lines;
};

/// Reads the files in order ("-" is standard input, read once, in
/// sequence), splitting large regular files into byte ranges read in
/// parallel. Throws ReadLogError if a file cannot be read.
LogsSummary summarize_logs(const std::vector<std::string>& paths,
                           const SummarizeOptions& options = {});

}  // namespace runner_metrics
