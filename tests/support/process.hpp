// SPDX-License-Identifier: Apache-2.0
// Running the real `runner-metrics` binary (or any program) from a test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runner_metrics::testing {

struct ProcessResult {
  int exit_status = -1;  ///< -1 if killed by a signal.
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::string stdin_data;
  /// Environment changes: a value sets the variable, nullopt unsets it.
  std::map<std::string, std::optional<std::string>> env;
  /// Run as this uid/gid (the test must be root), for permission tests.
  std::optional<unsigned> uid;
};

/// Runs argv[0] (a path) with the arguments, no shell in between.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// Runs the runner-metrics binary under test with `args`.
ProcessResult run_cli(const std::vector<std::string>& args, const ProcessOptions& options = {});

/// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// The whole content of a file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace runner_metrics::testing
