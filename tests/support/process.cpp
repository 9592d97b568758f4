// SPDX-License-Identifier: Apache-2.0
#include "support/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/other_user.hpp"

namespace runner_metrics::testing {

namespace {

// Files rather than pipes for the three streams: no deadlock however much a
// child prints, and no poll loop in the tests.
int open_temp(const std::string& dir, const char* name, int flags) {
  const std::string path = dir + "/" + name;
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  return fd;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  TempDir io;
  write_file(io / "stdin", options.stdin_data);
  const int in = open_temp(io.path(), "stdin", O_RDONLY);
  const int out = open_temp(io.path(), "stdout", O_WRONLY | O_CREAT | O_TRUNC);
  const int err = open_temp(io.path(), "stderr", O_WRONLY | O_CREAT | O_TRUNC);

  // Another user may not reach a program under the checkout (say /root/src).
  const std::string program = options.uid ? executable_by_anyone(argv.at(0)) : argv.at(0);
  std::vector<char*> args{const_cast<char*>(program.c_str())};
  for (std::size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& [name, value] : options.env) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
    if (options.uid && (::setgid(*options.uid) != 0 || ::setuid(*options.uid) != 0)) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in);
  ::close(out);
  ::close(err);
  if (pid < 0) throw std::runtime_error("fork failed");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  ProcessResult result;
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(io / "stdout").value_or("");
  result.err = read_file(io / "stderr").value_or("");
  return result;
}

ProcessResult run_cli(const std::vector<std::string>& args, const ProcessOptions& options) {
  std::vector<std::string> argv{RUNNER_METRICS_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions with_env = options;
  // A test never writes the real /var/log by accident.
  with_env.env.try_emplace("RUNNER_METRICS_LOG", std::nullopt);
  return run_process(argv, with_env);
}

TempDir::TempDir() {
  std::string pattern = "/tmp/runner-metrics-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  std::filesystem::permissions(path_, std::filesystem::perms(0755));
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace runner_metrics::testing
