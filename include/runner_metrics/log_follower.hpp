// SPDX-License-Identifier: Apache-2.0
// Following a metrics log as `tail -F` does: the whole file first, then each
// line as it is appended, across logrotate's `create` and `copytruncate` and
// through the file being absent for a while. Each line is classified as
// format.md §7 says (EventParser with ParseRules::Log).
//
//   LogFollower follower("/var/log/github-runner-metrics.log");
//   while (const LogLine* line = follower.next()) metrics.add(*line->parsed);
//
//   // on another thread, or in a signal handler:
//   follower.stop();  // next() returns nullptr
//
// Waiting costs nothing: next() sleeps in poll(2) on inotify until the file
// or its directory changes. A line is handed out only once its "\n" is in
// the file, and each line once: after a `create` rotation the old file is
// read to its end (and for `replaced_grace` more, for a writer's line in
// flight) before lines of the new one; after `copytruncate` reading starts
// again at the beginning. Memory is one read buffer and at most
// `max_line_bytes` of a line not yet ended; a longer line is handed out at
// once as invalid and skipped to its end without being held.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runner_metrics/reader.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics {

/// Why the followed log was opened afresh.
enum class LogReopen {
  Replaced,   ///< Another file at the path: logrotate's `create`, or a deleted log made again.
  Truncated,  ///< The file was cut short under us: logrotate's `copytruncate`.
};

struct FollowOptions {
  /// Longer lines ("\n" included) are invalid: "line is longer than N bytes".
  /// The default is the longest line the library writes.
  std::size_t max_line_bytes = MAX_LINE_BYTES;
  /// How long a file that was replaced at the path is still read.
  std::chrono::milliseconds replaced_grace{2000};
  /// Called on the following thread with a one-line message (naming the
  /// path and the OS error) when the log cannot be opened, read or watched;
  /// following goes on, retrying. The same message is not repeated.
  std::function<void(std::string_view message)> on_problem;
  /// Called on the following thread each time the log is opened afresh.
  std::function<void(LogReopen reason)> on_reopen;
};

/// Follows one path. next() and next_read() are for one thread; stop() for any.
class LogFollower {
 public:
  /// Throws ReadLogError if inotify cannot be set up (too many instances).
  /// The file need not exist yet; nor, for a while, its directory.
  explicit LogFollower(std::string path, FollowOptions options = {});
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  /// The next whole line, waiting for it as long as it takes; nullptr once
  /// stop() was called. Valid until the next call. `number` counts lines
  /// since following began, `offset` is within the file the line is in.
  const LogLine* next();
  /// The next whole line among the bytes next() already read, or nullptr
  /// when there is none and only next() can go on (reading, waiting,
  /// reopening). Never blocks, makes no system call and calls neither
  /// callback, so it may run under a lock on_reopen takes: a caller can
  /// take a lock once per read instead of once per line. Same validity as next().
  const LogLine* next_read();

  /// Makes next() return nullptr, now or when it is next called.
  /// Async-signal-safe.
  void stop() noexcept;

  const std::string& path() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runner_metrics
