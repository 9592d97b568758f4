// SPDX-License-Identifier: Apache-2.0
#include "write/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

namespace runner_metrics::detail {

namespace {

[[noreturn]] void throw_errno(int error) {
  throw std::system_error(error, std::generic_category());
}

int create_exclusive(const std::filesystem::path& path, mode_t mode) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
}

// Best effort: the rename is already visible; this only makes it survive a
// power cut.
void sync_directory(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target, AtomicFileOptions options)
    : target_(std::move(target)), options_(std::move(options)) {
  if (options_.temporary_suffix.empty()) {
    const std::string name =
        (target_.parent_path() / ("." + target_.filename().string() + ".XXXXXX")).string();
    std::vector<char> buffer(name.begin(), name.end());
    buffer.push_back('\0');
    fd_ = ::mkstemp(buffer.data());
    if (fd_ < 0) throw_errno(errno);
    temporary_ = buffer.data();
  } else {
    temporary_ = target_.string() + options_.temporary_suffix;
    fd_ = create_exclusive(temporary_, 0600);
    if (fd_ < 0 && errno == EEXIST) {
      // A run that crashed left it; the caller owns the name now.
      ::unlink(temporary_.c_str());
      fd_ = create_exclusive(temporary_, 0600);
    }
    if (fd_ < 0) {
      temporary_.clear();
      throw_errno(errno);
    }
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void AtomicFile::write(std::string_view text) {
  if (!write_all(fd_, text)) throw_errno(errno);
}

void AtomicFile::commit() {
  // fchmod, not the mode given to open: the umask would narrow it.
  if (::fchmod(fd_, options_.mode.value_or(new_file_mode())) != 0) throw_errno(errno);
  if (options_.durable && ::fsync(fd_) != 0) throw_errno(errno);
  if (::close(std::exchange(fd_, -1)) != 0) throw_errno(errno);
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) throw_errno(errno);
  temporary_.clear();
  if (options_.durable) sync_directory(target_);
}

}  // namespace runner_metrics::detail
