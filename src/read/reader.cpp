// SPDX-License-Identifier: Apache-2.0
// One bounded buffer per reader, filled by read(2) and split by
// line_splitter.hpp. Lines are handed out as views into it and parsed where
// they are (the buffer keeps the parser's padding after its end); only a
// line across two reads is copied.
#include "runner_metrics/reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "read/line_classifier.hpp"
#include "read/line_splitter.hpp"

namespace runner_metrics {

ReadLogError::ReadLogError(std::string path, std::string_view problem)
    : std::runtime_error(fmt::format("{}: {}", path, problem)), path_(std::move(path)) {}

struct EventReader::Impl {
  std::string path;
  ReaderOptions options;
  int fd = -1;
  bool owns_fd = false;

  std::unique_ptr<char[]> buffer;  // max_line_bytes, then the parser's padding
  std::uint64_t file_offset = 0;   // of the next byte read
  std::uint64_t bytes_read = 0;
  bool at_eof = false;  // a terminal's read(2) may return 0 and then more: no second look
  bool done = false;

  detail::LineSplitter splitter;
  detail::LineClassifier classifier;

  Impl(std::string path_, ReaderOptions options_)
      : path(std::move(path_)),
        options(options_),
        splitter(std::max<std::size_t>(options.max_line_bytes, 1)),
        classifier(std::max<std::size_t>(options.max_line_bytes, 1), options.rules) {
    if (options.max_line_bytes == 0) options.max_line_bytes = 1;
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
      // line starts exactly at `begin`; else that line is another range's.
      file_offset = range.begin - 1;
      if (::lseek(fd, static_cast<off_t>(file_offset), SEEK_SET) < 0) fail(errno);
      splitter.skip_to_next_line();
    }
    buffer.reset(new char[options.max_line_bytes + EventParser::PADDING]);
  }

  // Reads the next bytes into the splitter; false at end of file.
  bool fill() {
    if (at_eof) return false;
    for (;;) {
      const ssize_t n = ::read(fd, buffer.get(), options.max_line_bytes);
      if (n > 0) {
        const auto size = static_cast<std::size_t>(n);
        bytes_read += size;
        // The parser may read this far past the last line; whatever it
        // reads is then bytes of the file or zeros, never uninitialized.
        std::memset(buffer.get() + size, 0, EventParser::PADDING);
        splitter.feed(buffer.get(), size, file_offset);
        file_offset += size;
        return true;
      }
      if (n == 0) {
        at_eof = true;
        return false;
      }
      if (errno != EINTR) fail(errno);
    }
  }

  const LogLine* next() {
    if (done) return nullptr;
    for (;;) {
      detail::LineSplitter::Piece piece = splitter.next();
      if (piece.kind == detail::LineSplitter::Piece::Kind::None && !fill()) {
        piece = splitter.take_unfinished();  // the last line, without "\n"
        if (piece.kind == detail::LineSplitter::Piece::Kind::None) return finish();
      }
      switch (piece.kind) {
        case detail::LineSplitter::Piece::Kind::None:
          continue;
        case detail::LineSplitter::Piece::Kind::TooLong:
          if (piece.offset >= options.range.end) return finish();
          return classifier.too_long(piece.offset);
        case detail::LineSplitter::Piece::Kind::Line:
          if (piece.offset >= options.range.end) return finish();
          // A line in the buffer has the parser's padding after it.
          return classifier.line(piece.text, piece.offset, piece.in_chunk);
      }
    }
  }

  const LogLine* finish() {
    done = true;
    // A reader of a long log may sit around until its results are merged;
    // the buffer is of no more use.
    buffer.reset();
    splitter.reset();
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
