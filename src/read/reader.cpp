// SPDX-License-Identifier: Apache-2.0
// One bounded buffer per reader, filled by read(2). Lines are handed out as
// views into it and parsed where they are (the buffer keeps the parser's
// padding after its end), so reading copies and allocates nothing per line.
#include "runner_metrics/reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace runner_metrics {

ReadLogError::ReadLogError(std::string path, std::string_view problem)
    : std::runtime_error(fmt::format("{}: {}", path, problem)), path_(std::move(path)) {}

struct EventReader::Impl {
  std::string path;
  ReaderOptions options;
  int fd = -1;
  bool owns_fd = false;

  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;  // max_line_bytes: a full buffer without "\n" is a line too long
  std::size_t begin = 0;     // unread bytes are buffer[begin, end)
  std::size_t end = 0;
  std::uint64_t buffer_offset = 0;  // file offset of buffer[0]
  std::uint64_t bytes_read = 0;
  bool at_eof = false;
  bool aligned = false;  // skipped to the first line that starts in the range
  bool done = false;

  EventParser parser;
  ParsedLine too_long;
  ParsedLine empty;
  LogLine line;

  Impl(std::string path_, ReaderOptions options_)
      : path(std::move(path_)), options(options_), parser(options.rules) {
    if (options.max_line_bytes == 0) options.max_line_bytes = 1;
    too_long.problem = fmt::format("line is longer than {} bytes", options.max_line_bytes);
    empty.problem = "line is empty";
  }

  ~Impl() {
    if (owns_fd) ::close(fd);
  }

  [[noreturn]] void fail(int error) const { throw ReadLogError(path, std::strerror(error)); }

  void open() {
    if (path == "-") {
      fd = STDIN_FILENO;
    } else {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) fail(errno);
      owns_fd = true;
    }
    struct stat status {};
    if (::fstat(fd, &status) != 0) fail(errno);
    if (S_ISDIR(status.st_mode)) fail(EISDIR);
    if (S_ISREG(status.st_mode)) (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    const ByteRange& range = options.range;
    if (range.begin > 0) {
      // From the byte before the range: if it ends a line, the range's first
      // line starts exactly at `begin`.
      buffer_offset = range.begin - 1;
      if (::lseek(fd, static_cast<off_t>(buffer_offset), SEEK_SET) < 0) fail(errno);
    } else {
      aligned = true;
    }
    capacity = options.max_line_bytes;
    buffer.reset(new char[capacity + EventParser::PADDING]);
  }

  // Reads more after the unread bytes; false at end of file.
  bool fill() {
    if (at_eof) return false;
    if (begin > 0) {
      std::memmove(buffer.get(), buffer.get() + begin, end - begin);
      buffer_offset += begin;
      end -= begin;
      begin = 0;
    }
    for (;;) {
      const ssize_t n = ::read(fd, buffer.get() + end, capacity - end);
      if (n > 0) {
        end += static_cast<std::size_t>(n);
        bytes_read += static_cast<std::uint64_t>(n);
        // The parser may read this far past the last line; whatever it
        // reads is then bytes of the file or zeros, never uninitialized.
        std::memset(buffer.get() + end, 0, EventParser::PADDING);
        return true;
      }
      if (n == 0) {
        at_eof = true;
        return false;
      }
      if (errno != EINTR) fail(errno);
    }
  }

  // Drops everything up to and including the next "\n", holding none of it.
  // False if the file ended first.
  bool skip_past_newline() {
    for (;;) {
      const char* data = buffer.get() + begin;
      if (const void* newline = std::memchr(data, '\n', end - begin)) {
        begin += static_cast<std::size_t>(static_cast<const char*>(newline) - data) + 1;
        return true;
      }
      begin = end;
      if (!fill()) return false;
    }
  }

  const LogLine* emit(const char* data, std::size_t size, std::uint64_t offset) {
    if (size > 0 && data[size - 1] == '\r') --size;
    line.text = std::string_view(data, size);
    line.too_long = false;
    line.number += 1;
    line.offset = offset;
    line.parsed = size == 0 ? &empty : &parser.read_in_place(line.text);
    return &line;
  }

  const LogLine* next() {
    if (done) return nullptr;
    if (!aligned) {
      aligned = true;
      if (!skip_past_newline()) return finish();
    }
    for (;;) {
      const std::uint64_t offset = buffer_offset + begin;
      if (offset >= options.range.end) return finish();
      const char* data = buffer.get() + begin;
      const std::size_t available = end - begin;
      if (const void* newline = std::memchr(data, '\n', available)) {
        const auto size = static_cast<std::size_t>(static_cast<const char*>(newline) - data);
        begin += size + 1;
        return emit(data, size, offset);
      }
      if (available == capacity) {
        begin = end;
        (void)skip_past_newline();
        line.text = {};
        line.too_long = true;
        line.number += 1;
        line.offset = offset;
        line.parsed = &too_long;
        return &line;
      }
      if (at_eof) {
        if (available == 0) return finish();
        begin = end;
        return emit(data, available, offset);  // the last line, without "\n"
      }
      (void)fill();
    }
  }

  const LogLine* finish() {
    done = true;
    // A reader of a long log may sit around until its results are merged;
    // the buffer is of no more use.
    buffer.reset();
    begin = end = 0;
    return nullptr;
  }
};

EventReader::EventReader(std::string path, ReaderOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), options)) {
  impl_->open();
}
EventReader::~EventReader() = default;
EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;

const LogLine* EventReader::next() { return impl_->next(); }
std::uint64_t EventReader::bytes_read() const noexcept { return impl_->bytes_read; }
const std::string& EventReader::path() const noexcept { return impl_->path; }

}  // namespace runner_metrics
