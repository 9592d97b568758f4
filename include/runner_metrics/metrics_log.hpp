// SPDX-License-Identifier: Apache-2.0
// Appending events to a metrics log, safely from any number of threads and
// processes, across logrotate's renames.
//
//   MetricsLog log("/var/log/github-runner-metrics.log");
//   log.append(RunnerInstalled{.timestamp = 123, .flavor = "small", .duration = 456});
//   → appends {"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration":
//   456.0}
//
//   issue_event(event);  // the same, to METRICS_LOG_PATH
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <variant>

#include "runner_metrics/description.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics {

/// Where the ancestor wrote its events, and where `issue_event` writes.
inline constexpr std::string_view METRICS_LOG_PATH = "/var/log/github-runner-metrics.log";

/// The most bytes one write(2) of a batch carries; longer batches are cut
/// at line boundaries.
inline constexpr std::size_t MAX_BATCH_WRITE_BYTES = std::size_t{4} * 1024 * 1024;

struct MetricsLogOptions {
  /// fdatasync(2) after each append, so the line survives a power cut once
  /// append returns. Costs a disk flush per call; off by default.
  bool fsync = false;
  /// Block SIGTERM, SIGINT, SIGHUP and SIGPIPE around each write(2) to a
  /// regular file, so that a signal arriving mid-write is handled (or kills
  /// the process) only once the write's whole lines are in the file. Costs
  /// two rt_sigprocmask(2) calls per write. Without it, a signal whose
  /// default action kills the process can cut a write short between pages;
  /// the next writer then starts on a fresh line, and only the cut line is lost.
  bool hold_signals = true;
  /// Read between the write(2) calls of a batch: once it holds a non-zero
  /// value (a signal handler may store its signal number), write_lines stops
  /// before the next write and returns the lines written so far.
  const std::atomic<int>* stop = nullptr;
};

/// An append-only metrics log at one path. Thread-safe.
///
/// Each line reaches the file through one write(2) on an O_APPEND descriptor,
/// so lines from concurrent writers never interleave. The descriptor stays
/// open between appends; when logrotate renamed or removed the file, the log
/// is reopened (and created, mode 0644, if missing) so the line goes to the
/// file now at the path. The directory must exist.
///
/// A log that does not end in "\n" (a writer was killed mid-write, or the
/// machine lost power) gets a "\n" before the next line, so the fragment
/// stays one invalid line of its own. The end is checked when the file is
/// opened and when another process closed it after writing, never on a
/// plain append.
///
/// The rotation check makes no system call once one thread keeps appending:
/// the log's inotify instance then signals that thread with SIGURG when the
/// file is renamed, deleted or closed by another writer. The first such log
/// installs a SIGURG handler that only counts, and only if SIGURG has its
/// default action (ignore); a program that takes SIGURG over or blocks it
/// makes the log read its inotify instance on each append again, after at
/// most 64 appends or 100 ms. Blocking calls of that thread that SA_RESTART
/// does not restart (poll, epoll_wait, nanosleep) can return EINTR then.
///
/// Failures throw IssueMetricEventError naming the path and the OS error; an
/// invalid event throws ValidationError before anything is written.
class MetricsLog {
 public:
  explicit MetricsLog(std::filesystem::path path, MetricsLogOptions options = {});
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  const std::filesystem::path& path() const noexcept;

  /// Appends one event as one line.
  template <Event E>
  void append(const E& event) {
    thread_local std::string line;
    line.clear();
    append_line(line, event);
    write_lines(line, 1);
  }

  /// Appends every event of `events` (each an Event, or a std::variant of
  /// them), in order, in as few write(2) calls as possible. All events are
  /// validated first: one invalid event throws and nothing is written.
  template <std::ranges::input_range Events>
  void append_all(const Events& events) {
    std::string lines;
    std::size_t count = 0;
    for (const auto& event : events) {
      append_any_line(lines, event);
      ++count;
    }
    write_lines(lines, count);
  }

  /// Appends `count` complete, already serialized lines (each ending in
  /// "\n"), in as few write(2) calls as possible, never splitting a line
  /// across two calls. Returns the lines written: `count`, or fewer if
  /// MetricsLogOptions::stop was set between two writes.
  std::size_t write_lines(std::string_view lines, std::size_t count);

 private:
  template <class T>
  static void append_any_line(std::string& out, const T& event) {
    if constexpr (Event<T>) {
      append_line(out, event);
    } else {
      std::visit([&](const auto& e) { append_line(out, e); }, event);
    }
  }

  struct File;
  std::unique_ptr<File> file_;
};

/// The process-wide log at METRICS_LOG_PATH.
MetricsLog& default_metrics_log();

/// Appends the event's line to METRICS_LOG_PATH, as the ancestor's
/// `issue_event` did. Throws IssueMetricEventError or ValidationError.
template <Event E>
void issue_event(const E& event) {
  default_metrics_log().append(event);
}

}  // namespace runner_metrics
