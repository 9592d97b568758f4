// SPDX-License-Identifier: Apache-2.0
// Reading a metrics log line by line, each line classified as format.md §7 says:
// a valid event, an `other` event, or an invalid line.
//
//   EventReader reader("/var/log/github-runner-metrics.log");
//   while (const LogLine* line = reader.next()) { ... }
//   → LogLine{.text = R"({"timestamp": 1.0, ...})", .number = 1, .offset = 0, .parsed = ...}
//
// Memory stays within a few times max_line_bytes, whatever the length of the
// log: the read buffer, and a line that spans two reads put together in a
// copy. A longer line is reported as invalid and skipped without being held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics {

/// A log could not be opened or read. The message names the path and the
/// OS error: "metrics.log: No such file or directory".
class ReadLogError : public std::runtime_error {
 public:
  ReadLogError(std::string path, std::string_view problem);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// Part of a regular file: the lines that *start* at an offset in [begin, end).
/// Ranges that tile a file read each of its lines exactly once, wherever the
/// boundaries fall.
struct ByteRange {
  std::uint64_t begin = 0;
  std::uint64_t end = std::numeric_limits<std::uint64_t>::max();
};

struct ReaderOptions {
  /// Lines longer than this ("\n" included) are invalid: "line is longer
  /// than 1048576 bytes". It also sizes the read buffer. The default is the
  /// one limit of every reader and writer of the project.
  std::size_t max_line_bytes = MAX_LINE_BYTES;
  ByteRange range;
  /// Log for a log; Input for events about to be written (`issue --stdin`).
  ParseRules rules = ParseRules::Log;
};

/// One line, valid until the next call to next().
struct LogLine {
  std::string_view text;     ///< Without "\n" and one trailing "\r"; empty for a line too long.
  bool too_long = false;     ///< Longer than max_line_bytes: skipped, parsed says so.
  std::uint64_t number = 0;  ///< 1-based, counted from the start of the range.
  std::uint64_t offset = 0;  ///< Of the line's first byte in the file.
  const ParsedLine* parsed = nullptr;  ///< Kind, event, or field and problem.
};

/// Reads one log: a path, or "-" for standard input. Not thread-safe; use
/// one reader per thread (several may read ranges of the same file).
class EventReader {
 public:
  /// Opens the file; throws ReadLogError. A range needs a seekable file.
  explicit EventReader(std::string path, ReaderOptions options = {});
  ~EventReader();
  EventReader(EventReader&&) noexcept;
  EventReader& operator=(EventReader&&) noexcept;

  /// The next line, or nullptr at the end. Throws ReadLogError if reading fails.
  const LogLine* next();

  /// Bytes read from the file so far, for progress.
  std::uint64_t bytes_read() const noexcept;
  const std::string& path() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runner_metrics
