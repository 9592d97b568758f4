// SPDX-License-Identifier: Apache-2.0
#include "support/other_user.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

namespace runner_metrics::testing {

namespace {

namespace fs = std::filesystem;

bool others_may(const fs::path& path, mode_t bit) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & bit) != 0;
}

bool others_can_execute(const fs::path& program) {
  if (!others_may(program, S_IXOTH)) return false;
  for (fs::path dir = program.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (!others_may(dir, S_IXOTH)) return false;
    if (dir == dir.root_path()) break;
  }
  return true;
}

// The folder that holds the copies, shared by every test of the process and
// removed when it exits (tests fork children, so only the parent removes it).
class CopyFolder {
 public:
  CopyFolder() {
    std::string pattern = "/tmp/runner-metrics-anyone-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    fs::permissions(path_, fs::perms(0755));
  }
  ~CopyFolder() {
    if (::getpid() != owner_) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  CopyFolder(const CopyFolder&) = delete;
  CopyFolder& operator=(const CopyFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  pid_t owner_ = ::getpid();
};

fs::path copy_for_anyone(const fs::path& program, const fs::path& folder) {
  const fs::path target = folder / program.filename();
  fs::copy_file(program, target, fs::copy_options::overwrite_existing);
  fs::permissions(target, fs::perms(0755));
  // Modules the program finds beside itself are named after it.
  const std::string stem = program.filename().string();
  for (const auto& entry : fs::directory_iterator(program.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != stem && name.starts_with(stem) &&
        entry.path().extension() == ".so") {
      fs::copy_file(entry.path(), folder / name, fs::copy_options::overwrite_existing);
      fs::permissions(folder / name, fs::perms(0755));
    }
  }
  return target;
}

}  // namespace

std::string executable_by_anyone(const std::string& program) {
  const fs::path absolute = fs::absolute(program);
  if (others_can_execute(absolute)) return program;
  static std::mutex mutex;
  static CopyFolder folder;
  static std::map<fs::path, std::string> copies;
  const std::lock_guard lock(mutex);
  if (const auto it = copies.find(absolute); it != copies.end()) return it->second;
  const std::string copy = copy_for_anyone(absolute, folder.path()).string();
  copies.emplace(absolute, copy);
  return copy;
}

}  // namespace runner_metrics::testing
