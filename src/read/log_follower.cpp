// SPDX-License-Identifier: Apache-2.0
// Following a log with inotify. Everything is level-triggered: an event only
// wakes the follower, which then reads each open file to its end and asks
// the file system what the path is now. So a lost or merged event (the
// queue overflowing, two writes reported as one) costs nothing.
//
// Watches: the directory for names appearing and going (IN_CREATE,
// IN_MOVED_TO, IN_MOVED_FROM, IN_DELETE, IN_ATTRIB), not for writes, so that
// the other logs of /var/log do not wake us; and each open file's inode for
// writes and for being moved, deleted or changed.
#include "runner_metrics/log_follower.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "read/line_classifier.hpp"
#include "read/line_splitter.hpp"

namespace runner_metrics {

namespace {

constexpr std::size_t kChunkBytes = std::size_t{64} * 1024;
// The last bytes read from a file, kept to tell a file that was truncated
// and written past our offset again from one that only grew.
constexpr std::size_t kTailBytes = 64;
// How often to retry when something is wrong and no event will say it is
// fixed: the directory is missing, the file cannot be opened or watched.
constexpr int kRetryMs = 1000;

constexpr std::uint32_t kDirectoryEvents = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                           IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t kFileEvents = IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF;

struct Source {
  explicit Source(std::size_t max_line_bytes) : splitter(max_line_bytes) {}

  int fd = -1;
  int watch = -1;
  dev_t device = 0;
  ino_t inode = 0;
  std::uint64_t offset = 0;  // bytes read from the file: where the next read starts

  std::unique_ptr<char[]> buffer;
  bool at_eof = false;  // the last read returned 0
  detail::LineSplitter splitter;

  std::array<char, kTailBytes> tail{};
  std::size_t tail_size = 0;

  bool open() const noexcept { return fd >= 0; }

  void remember_tail(const char* data, std::size_t size) {
    if (size >= kTailBytes) {
      std::memcpy(tail.data(), data + size - kTailBytes, kTailBytes);
      tail_size = kTailBytes;
      return;
    }
    const std::size_t keep = std::min(tail_size, kTailBytes - size);
    std::memmove(tail.data(), tail.data() + tail_size - keep, keep);
    std::memcpy(tail.data() + keep, data, size);
    tail_size = keep + size;
  }

  // Forgets everything read; the next read starts at the file's beginning.
  void rewind() {
    offset = 0;
    at_eof = false;
    splitter.reset();
    tail_size = 0;
  }
};

}  // namespace

struct LogFollower::Impl {
  std::string path;
  std::string directory;
  FollowOptions options;

  int inotify_fd = -1;
  int stop_fd = -1;
  int directory_watch = -1;
  std::atomic<bool> stopping{false};

  Source current{options.max_line_bytes};
  Source previous{options.max_line_bytes};  // replaced at the path, read until previous_until
  std::chrono::steady_clock::time_point previous_until;
  bool opened_before = false;  // a later open is a reopen
  bool retry = false;          // something is wrong: wake up every kRetryMs to look again

  detail::LineClassifier classifier{std::max<std::size_t>(options.max_line_bytes, 1),
                                    ParseRules::Log};
  std::string last_problem;

  Impl(std::string path_, FollowOptions options_)
      : path(std::move(path_)), options(std::move(options_)) {
    if (options.max_line_bytes == 0) options.max_line_bytes = 1;
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    directory = parent.empty() ? std::string(".") : parent.string();

    inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd < 0) throw ReadLogError(path, fmt::format("inotify: {}", std::strerror(errno)));
    stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (stop_fd < 0) {
      const int error = errno;
      ::close(inotify_fd);
      throw ReadLogError(path, fmt::format("eventfd: {}", std::strerror(error)));
    }
    watch_directory();
  }

  ~Impl() {
    close(current);
    close(previous);
    ::close(inotify_fd);
    ::close(stop_fd);
  }

  void problem(std::string message) {
    if (message == last_problem) return;
    last_problem = std::move(message);
    if (options.on_problem) options.on_problem(last_problem);
  }

  void problem_errno(std::string_view what, int error) {
    problem(fmt::format("{}: {}: {}", path, what, std::strerror(error)));
  }

  void watch_directory() {
    if (directory_watch >= 0) return;
    directory_watch = ::inotify_add_watch(inotify_fd, directory.c_str(), kDirectoryEvents);
    if (directory_watch < 0) {
      problem(
          fmt::format("{}: cannot watch directory {}: {}", path, directory, std::strerror(errno)));
    }
  }

  void close(Source& source) {
    if (!source.open()) return;
    // Two descriptors of one inode share a watch; leave the other's alone.
    const Source& other = &source == &current ? previous : current;
    if (source.watch >= 0 && source.watch != other.watch) {
      ::inotify_rm_watch(inotify_fd, source.watch);
    }
    ::close(source.fd);
    source.fd = -1;
    source.watch = -1;
    source.rewind();
  }

  // Opens what is at the path now; false if nothing (readable) is there.
  bool open_current() {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      if (errno != ENOENT) problem_errno("cannot open", errno);
      return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int error = errno;
      ::close(fd);
      problem_errno("cannot open", error);
      return false;
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      problem(fmt::format("{}: is not a regular file", path));
      return false;
    }
    current.fd = fd;
    current.device = st.st_dev;
    current.inode = st.st_ino;
    current.rewind();
    // The parser's padding after the chunk: a line within it is read in place.
    if (!current.buffer) current.buffer.reset(new char[kChunkBytes + EventParser::PADDING]);
    // The inode behind the descriptor, not the path, which may already name
    // another file.
    current.watch =
        ::inotify_add_watch(inotify_fd, fmt::format("/proc/self/fd/{}", fd).c_str(), kFileEvents);
    if (current.watch < 0) problem_errno("cannot watch", errno);
    if (opened_before && options.on_reopen) options.on_reopen(LogReopen::Replaced);
    opened_before = true;
    return true;
  }

  // The next whole line in what was read from `s`, or nullptr when all of
  // it is used up.
  const LogLine* take_line(Source& s) {
    const detail::LineSplitter::Piece piece = s.splitter.next();
    switch (piece.kind) {
      case detail::LineSplitter::Piece::Kind::None:
        break;
      case detail::LineSplitter::Piece::Kind::TooLong:
        return classifier.too_long(piece.offset);
      case detail::LineSplitter::Piece::Kind::Line:
        return classifier.line(piece.text, piece.offset, piece.in_chunk);
    }
    return nullptr;
  }

  // Reads the next chunk of `s`; false at the end of the file.
  bool read_more(Source& s) {
    for (;;) {
      const ssize_t n = ::read(s.fd, s.buffer.get(), kChunkBytes);
      if (n > 0) {
        const auto size = static_cast<std::size_t>(n);
        // The parser may read this far past the last line: bytes of the
        // file or zeros, never uninitialized.
        std::memset(s.buffer.get() + size, 0, EventParser::PADDING);
        s.splitter.feed(s.buffer.get(), size, s.offset);
        s.offset += size;
        s.remember_tail(s.buffer.get(), size);
        s.at_eof = false;
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) problem_errno("cannot read", errno);
      s.at_eof = true;
      return false;
    }
  }

  // Whether the file behind `s` no longer holds what was read from it: it
  // is shorter than what was read, or (written past that again) the bytes
  // before the offset differ.
  bool truncated(const Source& s) const {
    struct stat st {};
    if (::fstat(s.fd, &st) != 0) return false;
    if (static_cast<std::uint64_t>(st.st_size) < s.offset) return true;
    if (s.tail_size == 0) return false;
    std::array<char, kTailBytes> bytes{};
    const ssize_t n =
        ::pread(s.fd, bytes.data(), s.tail_size, static_cast<off_t>(s.offset - s.tail_size));
    return n != static_cast<ssize_t>(s.tail_size) ||
           std::memcmp(bytes.data(), s.tail.data(), s.tail_size) != 0;
  }

  // A line that `s` holds without its "\n", when the file is left: parsed as
  // a log's last line when the file is done with, invalid when it was cut.
  const LogLine* take_unfinished(Source& s, bool parse) {
    const detail::LineSplitter::Piece piece = s.splitter.take_unfinished();
    if (piece.kind == detail::LineSplitter::Piece::Kind::None) return nullptr;
    return parse ? classifier.line(piece.text, piece.offset, false)
                 : classifier.cut_off(piece.offset);
  }

  // Called when every open file is read to its end. Returns a line, or sets
  // `changed` when there may be more to read at once.
  const LogLine* check(bool& changed) {
    if (previous.open() && std::chrono::steady_clock::now() >= previous_until) {
      const LogLine* last = take_unfinished(previous, true);
      close(previous);
      changed = true;
      if (last != nullptr) return last;
    }
    if (directory_watch < 0) watch_directory();
    struct stat st {};
    const bool present = ::stat(path.c_str(), &st) == 0;
    if (!present && errno != ENOENT && errno != ENOTDIR) problem_errno("cannot stat", errno);
    if (current.open() && (!present || st.st_dev != current.device || st.st_ino != current.inode)) {
      // Replaced or gone: keep reading the old file a while for a writer
      // that had it open, then the new one from its start.
      if (previous.open()) {
        const LogLine* last = take_unfinished(previous, true);
        close(previous);
        changed = true;
        if (last != nullptr) return last;
      }
      std::swap(previous, current);
      previous_until = std::chrono::steady_clock::now() + options.replaced_grace;
      changed = true;
    }
    if (!current.open() && present && open_current()) changed = true;
    // Retry what no event will announce: a directory to watch, a file that
    // is there but could not be opened or watched.
    retry = directory_watch < 0 || (present && !current.open()) ||
            (current.open() && current.watch < 0);
    if (!retry) last_problem.clear();
    return nullptr;
  }

  // Before reading on where the last read found the end: if the file was
  // truncated (copytruncate), starts it again from the beginning.
  const LogLine* rewind_if_truncated() {
    if (!truncated(current)) return nullptr;
    const LogLine* cut = take_unfinished(current, false);
    if (::lseek(current.fd, 0, SEEK_SET) < 0) problem_errno("cannot seek", errno);
    current.rewind();
    if (options.on_reopen) options.on_reopen(LogReopen::Truncated);
    return cut;
  }

  // Sleeps until a watched file or the directory changes, stop(), the end of
  // the grace period of a replaced file, or the next retry.
  void wait() {
    int timeout = -1;
    if (retry || directory_watch < 0) timeout = kRetryMs;
    if (previous.open()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
          previous_until - std::chrono::steady_clock::now());
      const int ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
          left.count(), 0, std::chrono::milliseconds::rep{kRetryMs}));
      timeout = timeout < 0 ? ms : std::min(timeout, ms);
    }
    std::array<pollfd, 2> fds{pollfd{inotify_fd, POLLIN, 0}, pollfd{stop_fd, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), timeout) <= 0) return;
    alignas(inotify_event) std::array<char, std::size_t{16} * 1024> events;
    for (;;) {
      const ssize_t n = ::read(inotify_fd, events.data(), events.size());
      if (n <= 0) break;
      for (std::size_t at = 0; at < static_cast<std::size_t>(n);) {
        inotify_event event{};
        std::memcpy(&event, events.data() + at, sizeof event);
        if (event.wd == directory_watch && directory_watch >= 0 &&
            (event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
          // The directory went away or moved: watch whatever has its name.
          ::inotify_rm_watch(inotify_fd, directory_watch);
          directory_watch = -1;
        }
        at += sizeof(inotify_event) + event.len;
      }
    }
  }

  const LogLine* next() {
    for (;;) {
      if (stopping.load(std::memory_order_relaxed)) return nullptr;
      bool read_something = false;
      for (Source* s : {&previous, &current}) {  // the older lines first
        if (!s->open()) continue;
        if (const LogLine* l = take_line(*s)) return l;
        if (s == &current && s->at_eof) {
          if (const LogLine* l = rewind_if_truncated()) return l;
        }
        if (read_more(*s)) {
          read_something = true;
          break;
        }
      }
      if (read_something) continue;
      bool changed = false;
      if (const LogLine* l = check(changed)) return l;
      if (!changed) wait();
    }
  }

  // The older file's lines come first, as in next(): while it is open, only
  // its buffered lines are handed out here.
  const LogLine* next_read() {
    if (stopping.load(std::memory_order_relaxed)) return nullptr;
    for (Source* s : {&previous, &current}) {
      if (s->open()) return take_line(*s);
    }
    return nullptr;
  }

  void stop() noexcept {
    stopping.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(stop_fd, &one, sizeof one);
  }
};

LogFollower::LogFollower(std::string path, FollowOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), std::move(options))) {}
LogFollower::~LogFollower() = default;

const LogLine* LogFollower::next() { return impl_->next(); }
const LogLine* LogFollower::next_read() { return impl_->next_read(); }
void LogFollower::stop() noexcept { impl_->stop(); }
const std::string& LogFollower::path() const noexcept { return impl_->path; }

}  // namespace runner_metrics
