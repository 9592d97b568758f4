// SPDX-License-Identifier: Apache-2.0
// Splitting the bytes read from a file into lines, in bounded memory: the
// one splitter of the reader (reader.cpp) and the follower
// (log_follower.cpp). Bytes come in chunks, as read(2) returns them; a line
// within a chunk is handed out where it is, a line across chunks is put
// together in a copy, and a line longer than the limit is reported once, at
// its start, and skipped to its "\n" without being held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace runner_metrics::detail {

class LineSplitter {
 public:
  /// Lines of more than `max_line_bytes`, "\n" included, are too long.
  explicit LineSplitter(std::size_t max_line_bytes)
      : max_(max_line_bytes > 0 ? max_line_bytes - 1 : 0) {}

  struct Piece {
    enum class Kind { None, Line, TooLong };
    Kind kind = Kind::None;
    std::string_view text;     ///< Line: its bytes, without "\n".
    std::uint64_t offset = 0;  ///< Of the line's first byte in the file.
    bool in_chunk = false;     ///< `text` lies in the chunk given to feed().
  };

  /// The next bytes of the file, which start at `offset` in it. They are
  /// looked at in place, so must stay put until next() returns None.
  void feed(const char* data, std::size_t size, std::uint64_t offset) {
    data_ = data;
    begin_ = 0;
    end_ = size;
    chunk_offset_ = offset;
  }

  /// The next whole line or line too long in what was fed, or None when it
  /// is used up (then feed the next bytes). Valid until the next call.
  Piece next() {
    while (begin_ < end_) {
      const char* data = data_ + begin_;
      const std::size_t available = end_ - begin_;
      const auto* newline = static_cast<const char*>(std::memchr(data, '\n', available));
      if (skipping_) {
        if (newline == nullptr) {
          begin_ = end_;
          return {};
        }
        begin_ += static_cast<std::size_t>(newline - data) + 1;
        skipping_ = false;
        continue;
      }
      if (newline != nullptr) {
        const auto size = static_cast<std::size_t>(newline - data);
        const std::uint64_t offset = chunk_offset_ + begin_;
        begin_ += size + 1;
        if (partial_.empty()) {
          if (size > max_) return {Piece::Kind::TooLong, {}, offset, false};
          return {Piece::Kind::Line, std::string_view(data, size), offset, true};
        }
        if (partial_.size() + size > max_) {
          partial_.clear();
          return {Piece::Kind::TooLong, {}, partial_offset_, false};
        }
        partial_.append(data, size);
        held_.swap(partial_);
        partial_.clear();
        return {Piece::Kind::Line, held_, partial_offset_, false};
      }
      // No "\n" yet: hold the start of the line, unless it is already too long.
      if (partial_.empty()) partial_offset_ = chunk_offset_ + begin_;
      begin_ = end_;
      if (partial_.size() + available > max_) {
        partial_.clear();
        skipping_ = true;
        return {Piece::Kind::TooLong, {}, partial_offset_, false};
      }
      partial_.append(data, available);
    }
    return {};
  }

  /// The line begun but not ended by a "\n" (the file ended, or is left),
  /// then forgotten: None if there is none. Valid until the next call.
  Piece take_unfinished() {
    const bool had_line = !partial_.empty() && !skipping_;
    held_.swap(partial_);
    partial_.clear();
    skipping_ = false;
    if (!had_line) return {};
    return {Piece::Kind::Line, held_, partial_offset_, false};
  }

  /// Drops the bytes up to and including the next "\n": for reading from
  /// inside a line, which is someone else's.
  void skip_to_next_line() { skipping_ = true; }

  /// Forgets what was fed and any line begun. The last piece handed out
  /// stays valid.
  void reset() {
    data_ = nullptr;
    begin_ = end_ = 0;
    partial_.clear();
    skipping_ = false;
  }

 private:
  std::size_t max_;  // bytes before the "\n"
  const char* data_ = nullptr;
  std::size_t begin_ = 0;  // unread bytes are data_[begin_, end_)
  std::size_t end_ = 0;
  std::uint64_t chunk_offset_ = 0;  // file offset of data_[0]
  std::string partial_;             // a line whose "\n" has not been fed yet
  std::uint64_t partial_offset_ = 0;
  bool skipping_ = false;  // inside a line too long to hold, reported already
  std::string held_;       // the last line put together, handed out
};

}  // namespace runner_metrics::detail
