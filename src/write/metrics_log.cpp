// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/metrics_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "write/change_notice.hpp"

namespace runner_metrics {

namespace {

// The bound on one write(2) keeps a short write (disk full) cheap to undo.
constexpr std::size_t kMaxBatchWrite = MAX_BATCH_WRITE_BYTES;

// How long a writer that finds the log renamed away waits for logrotate to
// create the new one before creating it itself. 200 ms was not enough on a
// loaded machine: CI's sanitizer run (16 writer threads on 2 cores) kept
// logrotate off the CPU between its rename and its create for longer, the
// writer created the log, and logrotate moved 60 lines aside to a .backup.
// Only a rename that nothing follows with a create (logrotate's `nocreate`,
// an operator's mv) pays the wait, once.
constexpr int kCreateGraceMs = 1000;
constexpr int kCreatePollMs = 2;

// A log that seems to end mid-line is looked at again after a pause, up to
// this many times, before the next line is started with "\n".
constexpr int kFragmentLooks = 4;
constexpr int kFragmentPauseMs = 5;

// A thread that makes this many appends in a row has the change notices
// directed at it; until then each append reads the inotify instance.
constexpr int kOwnerStreak = 2;
// The thread owning the notices reads the instance anyway once per this many
// appends or this long, whichever comes first, to find out whether the
// notices still arrive (a program may block SIGURG or take it over).
constexpr std::uint32_t kAuditEvery = 64;
constexpr std::int64_t kAuditEveryNs = 100'000'000;
// Audits in a row that find events no notice announced, while the notices
// seem to reach this thread, before they are given up for good (one can be
// a notice still on its way).
constexpr int kUnannouncedLimit = 3;

// A clock read in user space (vDSO), precise to a few milliseconds.
std::int64_t coarse_now_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

[[noreturn]] void throw_os_error(const std::filesystem::path& path, std::string_view action,
                                 int error) {
  throw IssueMetricEventError(
      fmt::format("cannot {} metrics log {}: {}", action, path.string(), std::strerror(error)));
}

// Bumped in the child after fork(2). A child shares its parent's inotify
// instance, and whichever process reads an event takes it from the other, so
// a log used across a fork makes its own watch on first use.
std::atomic<unsigned> fork_generation{0};
[[maybe_unused]] const int fork_handler_registered =
    ::pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });

// The signals a shell, a terminal or a service manager sends to stop a
// process, and the one a pipe sends.
const sigset_t held_signals = [] {
  sigset_t set;
  sigemptyset(&set);
  for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&set, signal);
  return set;
}();

// Blocks held_signals for the life of one write(2). A signal whose default
// action kills the process makes the kernel stop a write between pages and
// leave part of a line; blocked, it waits until the write is whole.
class SignalsHeld {
 public:
  explicit SignalsHeld(bool hold)
      : held_(hold && ::pthread_sigmask(SIG_BLOCK, &held_signals, &previous_) == 0) {}
  ~SignalsHeld() {
    if (held_) ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t previous_{};
  bool held_;
};

// Events on the open file that call for a look at the path: rotated away,
// deleted, or its mode changed (the watch may also overflow or go away).
constexpr std::uint32_t kPathEvents =
    IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB | IN_Q_OVERFLOW | IN_IGNORED;

}  // namespace

struct MetricsLog::File {
  std::filesystem::path path;
  MetricsLogOptions options;
  std::mutex mutex;
  int fd = -1;
  dev_t device = 0;
  ino_t inode = 0;
  // An inotify watch on the open file's inode, so that an append where
  // nothing happened to the file costs one failed read(2) instead of a
  // stat(2) of the path (a path lookup, and on kernels with fine-grained
  // timestamps a slower write after it). -1: no watch, stat every time.
  int inotify_fd = -1;
  int watch = -1;
  bool inotify_unavailable = false;
  // Change notices (change_notice.hpp): once one thread appends repeatedly,
  // the instance signals that thread on each event, and its appends read the
  // instance only when a notice came, or for an audit.
  bool notices = false;
  bool notices_given_up = false;
  pid_t notice_owner = 0;
  pid_t last_thread = 0;
  pid_t refused_thread = 0;
  int streak = 0;
  std::uint64_t notices_seen = 0;
  std::uint32_t appends_since_audit = 0;
  std::int64_t last_audit_ns = 0;
  int unannounced = 0;
  unsigned generation = fork_generation.load();
  std::size_t max_write = kMaxBatchWrite;
  bool regular = false;
  // The file ends in part of a line that is not ours: the next write starts
  // with "\n" so the fragment stays a line of its own.
  bool newline_owed = false;

  ~File() {
    if (fd >= 0) ::close(fd);
    if (inotify_fd >= 0) ::close(inotify_fd);
  }

  // Opens the file now at the path, creating it unless `create` is false
  // (then returns false if there is none). O_NONBLOCK only for the open
  // itself, so that a FIFO without a reader fails at once (ENXIO) instead of
  // hanging.
  bool open(bool create = true) {
    const int new_fd = ::open(
        path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK | (create ? O_CREAT : 0), 0644);
    if (new_fd < 0 && !create && errno == ENOENT) return false;
    if (new_fd < 0) throw_os_error(path, "open", errno);
    struct stat st {};
    if (::fstat(new_fd, &st) != 0 || ::fcntl(new_fd, F_SETFL, O_WRONLY | O_APPEND) != 0) {
      const int error = errno;
      ::close(new_fd);
      throw_os_error(path, "open", error);
    }
    if (fd >= 0) ::close(fd);
    fd = new_fd;
    device = st.st_dev;
    inode = st.st_ino;
    // A pipe keeps only writes of up to PIPE_BUF bytes whole.
    max_write = S_ISFIFO(st.st_mode) ? PIPE_BUF : kMaxBatchWrite;
    regular = S_ISREG(st.st_mode);
    newline_owed = ends_mid_line(st);
    // The watch follows on the next append: a one-shot writer (the CLI) never
    // needs one, and closing an inotify instance can cost milliseconds.
    if (watch >= 0) ::inotify_rm_watch(inotify_fd, watch);
    watch = -1;
    return true;
  }

  // The path is gone. If our file was renamed rather than deleted, this is
  // most likely logrotate between its rename and its `create`: creating the
  // file ourselves would make logrotate's exclusive create fail, and it would
  // move our file aside as a .backup that nothing ships. So give it a moment
  // to make the new file, and create one only if none appears.
  void open_after_path_vanished() {
    struct stat st {};
    const bool renamed = ::fstat(fd, &st) == 0 && st.st_nlink > 0;
    if (renamed) {
      for (int waited_ms = 0; waited_ms < kCreateGraceMs; waited_ms += kCreatePollMs) {
        if (open(false)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(kCreatePollMs));
      }
    }
    open();
  }

  void forget_inherited_watch() {
    generation = fork_generation.load();
    if (inotify_fd >= 0) ::close(inotify_fd);
    inotify_fd = -1;
    watch = -1;
    notices = false;
    notice_owner = 0;
    last_thread = 0;
    refused_thread = 0;
    streak = 0;
  }

  // Whether the regular file `st` describes (ours) ends in part of a line
  // that no write in progress is still completing. Read through a second,
  // read-only descriptor, as file_holds does; a file we may not read is
  // taken to end well.
  //
  // Another writer's write may be half-way: the file grows page by page, so
  // its size can end mid-line for a moment. lseek(SEEK_HOLE) takes the lock
  // a write holds from start to end (ext4, tmpfs, btrfs), so the end it gives
  // is one no write is past; elsewhere it is only the size. Either way a
  // line end must stay missing at the same size across a pause (no write
  // takes that long) before it counts as a fragment.
  bool ends_mid_line(const struct stat& st) const {
    if (!S_ISREG(st.st_mode) || st.st_size == 0) return false;
    const int reader = ::open(fmt::format("/proc/self/fd/{}", fd).c_str(), O_RDONLY | O_CLOEXEC);
    if (reader < 0) return false;
    off_t seen_end = -1;
    bool fragment = false;
    for (int look = 0; look < kFragmentLooks; ++look) {
      const off_t end = settled_end(reader);
      char last = '\n';
      if (end <= 0 || ::pread(reader, &last, 1, end - 1) != 1 || last == '\n') break;
      if (end == seen_end) {
        fragment = true;
        break;
      }
      seen_end = end;
      std::this_thread::sleep_for(std::chrono::milliseconds(kFragmentPauseMs));
    }
    ::close(reader);
    return fragment;
  }

  static off_t settled_end(int reader) {
    struct stat st {};
    if (::fstat(reader, &st) != 0) return -1;
    const off_t hole = ::lseek(reader, 0, SEEK_HOLE);
    // A file with a hole (never a log we wrote) or no SEEK_HOLE: its size.
    return hole >= st.st_size ? hole : st.st_size;
  }

  // Watches the inode behind `fd` (through /proc/self/fd, so a rename racing
  // with the open cannot make us watch another file) for what logrotate and
  // operators do to it: rename (create), unlink, attribute changes; and for
  // another process closing it after writing, which is what a writer killed
  // mid-write does last (its descriptor is closed as it dies). Our own
  // appends cause no event, so a quiet file costs one failed read(2).
  void watch_open_file() {
    if (inotify_fd < 0 && !inotify_unavailable) {
      inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      inotify_unavailable = inotify_fd < 0;
    }
    if (inotify_fd < 0) return;
    watch = ::inotify_add_watch(inotify_fd, fmt::format("/proc/self/fd/{}", fd).c_str(),
                                IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB | IN_CLOSE_WRITE);
    drain_events();  // what an earlier watch left queued
  }

  // The events queued since the last call, or'ed together.
  std::uint32_t drain_events() const {
    alignas(inotify_event) std::array<char, 4096> events;
    std::uint32_t mask = 0;
    for (;;) {
      const ssize_t n = ::read(inotify_fd, events.data(), events.size());
      if (n <= 0) return mask;
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(events.data() + at);
        mask |= event->mask;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

  // What may have happened to the file since the last call: kPathEvents if
  // it may have been renamed, deleted or replaced, IN_CLOSE_WRITE if another
  // process wrote to it. The first call after an open starts the watch and
  // answers both, so the caller's checks cover the time before it.
  std::uint32_t file_changes() {
    if (generation != fork_generation.load(std::memory_order_relaxed)) {
      forget_inherited_watch();  // the parent may take the events meant for us
    }
    if (watch < 0) {
      watch_open_file();
      return kPathEvents | IN_CLOSE_WRITE;
    }
    if (notices_given_up || inotify_fd < 0) return drain_events();
    const pid_t self = detail::current_thread_id();
    // Read before the instance: a notice that comes during the read is
    // looked at on the next append.
    const std::uint64_t count = detail::change_notice_count.load(std::memory_order_acquire);
    const bool announced = count != notices_seen;
    if (notices && self == notice_owner) {
      const std::int64_t now = coarse_now_ns();
      if (!announced && ++appends_since_audit < kAuditEvery &&
          now - last_audit_ns < kAuditEveryNs) {
        return 0;  // the common path: no event was queued, no system call
      }
      notices_seen = count;
      appends_since_audit = 0;
      last_audit_ns = now;
      const std::uint32_t mask = drain_events();
      if (mask != 0 && !announced &&
          (!detail::change_notices_reach_caller() || ++unannounced >= kUnannouncedLimit)) {
        give_up_notices();  // the program took SIGURG over or blocks it
      }
      if (mask != 0 && announced) unannounced = 0;
      return mask;
    }
    // Another thread's notices, or none yet: this append reads the instance,
    // as every append did before notices, and the notices follow a thread
    // that keeps appending.
    streak = self == last_thread ? streak + 1 : 1;
    last_thread = self;
    if (streak >= kOwnerStreak && self != refused_thread) {
      if (detail::change_notices_available() && detail::direct_change_notices(inotify_fd, self)) {
        notices = true;
        notice_owner = self;
        appends_since_audit = 0;
        last_audit_ns = coarse_now_ns();
      } else {
        detail::stop_change_notices(inotify_fd);
        notices = false;
        notice_owner = 0;
        refused_thread = self;  // blocks SIGURG, or there are no notices: do not ask again
      }
    }
    notices_seen = detail::change_notice_count.load(std::memory_order_acquire);
    return drain_events();  // after directing, so no event falls between
  }

  void give_up_notices() {
    detail::stop_change_notices(inotify_fd);
    notices = false;
    notices_given_up = true;
  }

  // logrotate's `create` renames the file and makes a new one at the path;
  // an operator may delete it. Either way the next line belongs at the path.
  void reopen_if_rotated() {
    if (fd < 0) {
      open();
      return;
    }
    const std::uint32_t changes = file_changes();
    if (changes == 0) return;
    if ((changes & kPathEvents) != 0 || watch < 0) {
      // Something happened to the file (or there is no watch): is it still
      // the one at the path? (A reopen checks the new file's end.)
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) throw_os_error(path, "check", errno);
        open_after_path_vanished();
        return;
      }
      if (st.st_dev != device || st.st_ino != inode) {
        open();
        return;
      }
    }
    // Another writer may have died mid-line (or, without a watch, anyone).
    struct stat st {};
    if (!newline_owed && ::fstat(fd, &st) == 0) newline_owed = ends_mid_line(st);
  }

  // Whether the file holds `expected` at `start`. Read through a second,
  // read-only descriptor: the log's own is write-only, so that opening a FIFO
  // without a reader fails instead of succeeding.
  bool file_holds(off_t start, std::string_view expected) const {
    const int reader = ::open(fmt::format("/proc/self/fd/{}", fd).c_str(), O_RDONLY | O_CLOEXEC);
    if (reader < 0) return false;
    std::string actual(expected.size(), '\0');
    const ssize_t n = ::pread(reader, actual.data(), actual.size(), start);
    ::close(reader);
    return n == static_cast<ssize_t>(actual.size()) && actual == expected;
  }

  // Why write(2) took only part of the bytes, which it does not say: a pipe
  // whose reader left, or a full disk. Asked before any cut, which may free
  // the very block that filled the disk.
  std::string short_write_cause() const {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
      pollfd pipe{.fd = fd, .events = POLLOUT, .revents = 0};
      if (::poll(&pipe, 1, 0) == 1 && (pipe.revents & POLLERR) != 0) return std::strerror(EPIPE);
    }
    struct statvfs fs {};
    if (::fstatvfs(fd, &fs) == 0 && fs.f_bavail == 0) return std::strerror(ENOSPC);
    return "short write (disk quota or file size limit?)";
  }

  // A short write (disk full, quota) leaves part of a line at the end of the
  // file, which the next writer's line would be glued onto. Cut the file back
  // to the end of the last whole line, if that tail is still ours, then fail.
  [[noreturn]] void fail_short_write(std::string_view chunk, std::size_t written,
                                     std::size_t lines_written, std::size_t count) {
    const std::string cause = short_write_cause();

    // rfind gives npos (+1 wraps to 0) when not even one whole line was written.
    const std::string_view whole = chunk.substr(0, chunk.substr(0, written).rfind('\n') + 1);
    const std::string_view torn = chunk.substr(whole.size(), written - whole.size());
    bool cut = false;
    struct stat st {};
    if (!torn.empty() && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::size_t>(st.st_size) >= torn.size()) {
      const off_t tail_start = st.st_size - static_cast<off_t>(torn.size());
      cut = file_holds(tail_start, torn) && ::ftruncate(fd, tail_start) == 0;
    }
    const bool torn_left = !torn.empty() && !cut;
    if (torn_left && regular) newline_owed = true;  // our next line must not be glued on
    lines_written += newlines_in(whole);
    throw IssueMetricEventError(fmt::format(
        "cannot write metrics log {}: {} (wrote {} of {} lines{})", path.string(), cause,
        lines_written, count, torn_left ? "; a partial line is left at the end" : ""));
  }

  // memchr skips long lines many bytes at a time, where a loop over every
  // byte took a quarter of a batch of 64 KiB lines.
  static std::size_t newlines_in(std::string_view chunk) {
    std::size_t newlines = 0;
    const char* const end = chunk.data() + chunk.size();
    for (const char* at = chunk.data();; ++at) {
      at = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
      if (at == nullptr) return newlines;
      ++newlines;
    }
  }

  // The longest run of whole lines at the start of `lines` that one write(2)
  // may carry: at most `max` bytes, or one line if that line alone is longer
  // (to a pipe, such a line may interleave with another writer's).
  static std::string_view next_chunk(std::string_view lines, std::size_t max) {
    if (lines.size() <= max) return lines;
    std::size_t cut = lines.rfind('\n', max - 1);
    if (cut == std::string_view::npos) cut = lines.find('\n');
    return lines.substr(0, cut + 1);
  }

  // One write(2) of `chunk`, after the "\n" owed to a fragment if any.
  // Returns the bytes of `chunk` written, or -1 with `error` set.
  ssize_t write_chunk(std::string_view chunk, int& error) {
    const SignalsHeld held(options.hold_signals && regular);
    ssize_t n = 0;
    if (newline_owed) {
      std::array<iovec, 2> parts{iovec{const_cast<char*>("\n"), 1},
                                 iovec{const_cast<char*>(chunk.data()), chunk.size()}};
      n = ::writev(fd, parts.data(), static_cast<int>(parts.size()));
      if (n > 0) {
        newline_owed = false;
        --n;
      }
    } else {
      n = ::write(fd, chunk.data(), chunk.size());
    }
    error = n < 0 ? errno : 0;
    return n;
  }

  std::size_t write_all(std::string_view lines, std::size_t count) {
    std::lock_guard lock(mutex);
    reopen_if_rotated();
    std::size_t lines_written = 0;
    while (!lines.empty()) {
      if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed) != 0) break;
      const std::string_view chunk = next_chunk(lines, max_write);
      int error = 0;
      const ssize_t n = write_chunk(chunk, error);
      if (n < 0) {
        if (error == EINTR) continue;  // nothing was written
        throw IssueMetricEventError(
            count == 1 ? fmt::format("cannot write metrics log {}: {}", path.string(),
                                     std::strerror(error))
                       : fmt::format("cannot write metrics log {}: {} (wrote {} of {} lines)",
                                     path.string(), std::strerror(error), lines_written, count));
      }
      const auto written = static_cast<std::size_t>(n);
      if (written < chunk.size()) fail_short_write(chunk, written, lines_written, count);
      lines.remove_prefix(chunk.size());
      lines_written += lines.empty() ? count - lines_written : newlines_in(chunk);
    }
    if (options.fsync && ::fdatasync(fd) != 0 && errno != EINVAL) {
      throw_os_error(path, "sync", errno);
    }
    return lines_written;
  }
};

MetricsLog::MetricsLog(std::filesystem::path path, MetricsLogOptions options)
    : file_(std::make_unique<File>()) {
  file_->path = std::move(path);
  file_->options = options;
}

MetricsLog::~MetricsLog() = default;

const std::filesystem::path& MetricsLog::path() const noexcept { return file_->path; }

std::size_t MetricsLog::write_lines(std::string_view lines, std::size_t count) {
  if (lines.empty()) return 0;
  return file_->write_all(lines, count);
}

MetricsLog& default_metrics_log() {
  static MetricsLog log{std::filesystem::path(METRICS_LOG_PATH)};
  return log;
}

}  // namespace runner_metrics
