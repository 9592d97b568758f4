#include "runner_metrics/metrics_log.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

#include <fmt/format.h>

namespace runner_metrics {

namespace {

// The most one write(2) carries in a batch. Larger batches are cut at line
// boundaries; the bound keeps a short write (disk full) cheap to undo.
constexpr std::size_t kMaxBatchWrite = std::size_t{4} * 1024 * 1024;

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
  unsigned generation = fork_generation.load();

  ~File() {
    if (fd >= 0) ::close(fd);
    if (inotify_fd >= 0) ::close(inotify_fd);
  }

  // Opens the file now at the path. O_NONBLOCK only for the open itself, so
  // that a FIFO without a reader fails at once (ENXIO) instead of hanging.
  void open() {
    const int new_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK,
                              0644);
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
    watch_open_file();
  }

  void forget_inherited_watch() {
    generation = fork_generation.load();
    if (inotify_fd >= 0) ::close(inotify_fd);
    inotify_fd = -1;
    watch = -1;
  }

  // Watches the inode behind `fd` (through /proc/self/fd, so a rename racing
  // with the open cannot make us watch another file) for what logrotate and
  // operators do to it: rename (create), unlink, attribute changes.
  void watch_open_file() {
    if (inotify_fd < 0) inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd < 0) return;
    if (watch >= 0) ::inotify_rm_watch(inotify_fd, watch);
    watch = ::inotify_add_watch(inotify_fd, fmt::format("/proc/self/fd/{}", fd).c_str(),
                                IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
    file_changed();  // drop what the previous watch left queued
  }

  // Whether the watch saw anything since the last call. Without a watch,
  // anything may have happened.
  bool file_changed() {
    if (generation != fork_generation.load(std::memory_order_relaxed)) {
      forget_inherited_watch();
      watch_open_file();
      return true;  // the parent may have taken the event meant for us
    }
    if (watch < 0) return true;
    alignas(inotify_event) std::array<char, 4096> events;
    bool changed = false;
    while (::read(inotify_fd, events.data(), events.size()) > 0) changed = true;
    return changed;
  }

  // logrotate's `create` renames the file and makes a new one at the path;
  // an operator may delete it. Either way the next line belongs at the path.
  void reopen_if_rotated() {
    if (fd < 0) {
      open();
      return;
    }
    if (!file_changed()) return;
    // Something happened to the file (or there is no watch): is it still the
    // one at the path? Checked again after each reopen, as the new file may
    // have been renamed before its watch was in place; a path that keeps
    // changing under us gets the file of the last open.
    for (int attempt = 0; attempt < 3; ++attempt) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) throw_os_error(path, "check", errno);
      } else if (st.st_dev == device && st.st_ino == inode) {
        return;
      }
      open();
      if (watch < 0) return;
    }
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

  // A short write (disk full, quota) leaves part of a line at the end of the
  // file, which the next writer's line would be glued onto. Cut the file back
  // to the end of the last whole line, if that tail is still ours, then fail.
  [[noreturn]] void fail_short_write(std::string_view chunk, std::size_t written,
                                     std::size_t lines_written, std::size_t count) {
    // Asked before the cut, which may free the very block that filled the disk.
    struct statvfs fs {};
    const bool full = ::fstatvfs(fd, &fs) == 0 && fs.f_bavail == 0;

    const std::string_view whole = chunk.substr(0, chunk.substr(0, written).rfind('\n') + 1);
    const std::string_view torn = chunk.substr(whole.size(), written - whole.size());
    struct stat st {};
    if (!torn.empty() && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::size_t>(st.st_size) >= torn.size()) {
      const off_t tail_start = st.st_size - static_cast<off_t>(torn.size());
      if (file_holds(tail_start, torn)) (void)::ftruncate(fd, tail_start);
    }
    lines_written += static_cast<std::size_t>(std::count(whole.begin(), whole.end(), '\n'));
    throw IssueMetricEventError(
        fmt::format("cannot write metrics log {}: {} (wrote {} of {} lines)", path.string(),
                    full ? std::strerror(ENOSPC) : "short write", lines_written, count));
  }

  // The longest run of whole lines at the start of `lines` that one write(2)
  // may carry.
  static std::string_view next_chunk(std::string_view lines) {
    if (lines.size() <= kMaxBatchWrite) return lines;
    std::size_t cut = lines.rfind('\n', kMaxBatchWrite - 1);
    if (cut == std::string_view::npos) cut = lines.find('\n');  // one line over the bound
    return lines.substr(0, cut + 1);
  }

  void write_all(std::string_view lines, std::size_t count) {
    std::lock_guard lock(mutex);
    reopen_if_rotated();
    std::size_t lines_written = 0;
    while (!lines.empty()) {
      const std::string_view chunk = next_chunk(lines);
      const ssize_t n = ::write(fd, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) continue;  // nothing was written
        const int error = errno;
        throw IssueMetricEventError(
            count == 1 ? fmt::format("cannot write metrics log {}: {}", path.string(),
                                     std::strerror(error))
                       : fmt::format("cannot write metrics log {}: {} (wrote {} of {} lines)",
                                     path.string(), std::strerror(error), lines_written, count));
      }
      const auto written = static_cast<std::size_t>(n);
      if (written < chunk.size()) fail_short_write(chunk, written, lines_written, count);
      lines.remove_prefix(chunk.size());
      lines_written += lines.empty() ? count - lines_written
                                     : static_cast<std::size_t>(
                                           std::count(chunk.begin(), chunk.end(), '\n'));
    }
    if (options.fsync && ::fdatasync(fd) != 0 && errno != EINVAL) {
      throw_os_error(path, "sync", errno);
    }
  }
};

MetricsLog::MetricsLog(std::filesystem::path path, MetricsLogOptions options)
    : file_(std::make_unique<File>()) {
  file_->path = std::move(path);
  file_->options = options;
}

MetricsLog::~MetricsLog() = default;

const std::filesystem::path& MetricsLog::path() const noexcept { return file_->path; }

void MetricsLog::write_lines(std::string_view lines, std::size_t count) {
  if (lines.empty()) return;
  file_->write_all(lines, count);
}

MetricsLog& default_metrics_log() {
  static MetricsLog log{std::filesystem::path(METRICS_LOG_PATH)};
  return log;
}

}  // namespace runner_metrics
