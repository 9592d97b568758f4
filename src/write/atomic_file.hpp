// SPDX-License-Identifier: Apache-2.0
// A file replaced whole or not at all: written beside its target under a
// temporary name, then renamed over it. A reader of the target sees the old
// file or the new one, never half of one; a failure leaves the old one.
//
//   AtomicFile file("/etc/logrotate.d/x", {.temporary_suffix = ".tmp.42~", .mode = 0644,
//                                          .durable = true});
//   file.write(config);
//   file.commit();  // without it, the destructor removes the temporary file
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace runner_metrics::detail {

/// Writes all of `text` to `fd`, resuming after short writes and EINTR.
/// False with errno set if a write fails.
bool write_all(int fd, std::string_view text);

struct AtomicFileOptions {
  /// Empty: a new hidden name beside the target (".NAME.XXXXXX", mkstemp).
  /// Else the temporary file is the target's path with this suffix, made
  /// exclusively (never through a file or link someone else put there); one
  /// left by a crashed run is removed first. Callers keep two threads off
  /// the same name.
  std::string temporary_suffix;
  /// The new file's mode; nullopt: 0666 less the umask, as for any new file.
  std::optional<mode_t> mode;
  /// fsync the file before the rename and its directory after it (best
  /// effort: some file systems cannot sync a directory).
  bool durable = false;
};

class AtomicFile {
 public:
  /// Makes the temporary file. Throws std::system_error with the errno.
  AtomicFile(std::filesystem::path target, AtomicFileOptions options);
  /// Removes the temporary file unless committed.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends to the temporary file. Throws std::system_error.
  void write(std::string_view text);
  /// Puts the file in place of the target. Throws std::system_error; the
  /// target is then as it was.
  void commit();

 private:
  std::filesystem::path target_;
  AtomicFileOptions options_;
  std::filesystem::path temporary_;  // empty once committed
  int fd_ = -1;
};

}  // namespace runner_metrics::detail
