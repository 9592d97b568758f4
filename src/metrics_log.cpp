#include "runner_metrics/metrics_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

#include <fmt/format.h>

namespace runner_metrics {

namespace {

// The most one write(2) carries in a batch. Larger batches are cut at line
// boundaries; the bound keeps a short write (disk full) cheap to undo.
constexpr std::size_t kMaxBatchWrite = 4 * 1024 * 1024;

[[noreturn]] void throw_os_error(const std::filesystem::path& path, std::string_view action,
                                 int error) {
  throw IssueMetricEventError(
      fmt::format("cannot {} metrics log {}: {}", action, path.string(), std::strerror(error)));
}

}  // namespace

struct MetricsLog::File {
  std::filesystem::path path;
  MetricsLogOptions options;
  std::mutex mutex;
  int fd = -1;
  dev_t device = 0;
  ino_t inode = 0;

  ~File() {
    if (fd >= 0) ::close(fd);
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
  }

  // logrotate's `create` renames the file and makes a new one at the path;
  // an operator may delete it. Either way the next line belongs at the path.
  void reopen_if_rotated() {
    struct stat st {};
    if (fd < 0) {
      open();
    } else if (::stat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) throw_os_error(path, "check", errno);
      open();
    } else if (st.st_dev != device || st.st_ino != inode) {
      open();
    }
  }

  // A short write leaves part of a line at the end of the file, which the
  // next writer's line would be glued onto. Cut the file back to the end of
  // the last whole line it wrote, if the tail is still ours.
  void undo_partial_line(std::string_view chunk, std::size_t written) {
    const std::size_t last_newline = chunk.substr(0, written).rfind('\n');
    const std::size_t keep = last_newline == std::string_view::npos ? 0 : last_newline + 1;
    const std::size_t torn = written - keep;
    struct stat st {};
    if (torn == 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    if (static_cast<std::size_t>(st.st_size) < torn) return;
    const off_t tail_start = st.st_size - static_cast<off_t>(torn);
    std::string tail(torn, '\0');
    if (::pread(fd, tail.data(), torn, tail_start) != static_cast<ssize_t>(torn)) return;
    if (tail != chunk.substr(keep, torn)) return;
    (void)::ftruncate(fd, tail_start);
  }

  [[noreturn]] void throw_short_write(std::size_t lines_written, std::size_t count) {
    struct statvfs fs {};
    const bool full = ::fstatvfs(fd, &fs) == 0 && fs.f_bavail == 0;
    throw IssueMetricEventError(
        fmt::format("cannot write metrics log {}: {} (wrote {} of {} lines)", path.string(),
                    full ? std::strerror(ENOSPC) : "short write", lines_written, count));
  }

  void write_all(std::string_view lines, std::size_t count) {
    std::lock_guard lock(mutex);
    reopen_if_rotated();
    std::size_t lines_written = 0;
    while (!lines.empty()) {
      std::string_view chunk = lines;
      if (chunk.size() > kMaxBatchWrite) {
        const std::size_t cut = chunk.rfind('\n', kMaxBatchWrite - 1);
        chunk = chunk.substr(0, cut == std::string_view::npos ? chunk.find('\n') + 1 : cut + 1);
      }
      const ssize_t n = ::write(fd, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        throw IssueMetricEventError(fmt::format("cannot write metrics log {}: {}{}", path.string(),
                                                std::strerror(error),
                                                lines_written > 0 || count > 1
                                                    ? fmt::format(" (wrote {} of {} lines)",
                                                                  lines_written, count)
                                                    : std::string()));
      }
      const auto written = static_cast<std::size_t>(n);
      if (written < chunk.size()) {
        undo_partial_line(chunk, written);
        const auto whole = static_cast<std::size_t>(
            std::count(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(written), '\n'));
        throw_short_write(lines_written + whole, count);
      }
      lines_written += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
      lines.remove_prefix(chunk.size());
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
