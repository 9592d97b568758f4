// SPDX-License-Identifier: Apache-2.0
#include "write/command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <thread>

namespace runner_metrics::detail {

namespace {

// Enough for any error message; a program that floods stderr must not make
// us hold all of it.
constexpr std::size_t kMaxStderrBytes = 64 * 1024;

[[noreturn]] void throw_cannot_run(const std::vector<std::string>& argv, int error) {
  throw std::system_error(error, std::generic_category(),
                          fmt::format("cannot run \"{}\"", command_line(argv)));
}

struct Descriptor {
  int fd = -1;
  ~Descriptor() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// The file actions and attributes of one posix_spawn call, destroyed on every
// way out.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};

  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Formats a timeout as a person gives it: "30 s", "0.25 s".
std::string seconds_text(std::chrono::milliseconds timeout) {
  return fmt::format("{} s", static_cast<double>(timeout.count()) / 1000.0);
}

// Reads the program's stderr until it closes it, and then waits for the
// program to end, both until `deadline`. False if the deadline came first.
bool read_and_wait(int stderr_fd, pid_t pid, std::chrono::steady_clock::time_point deadline,
                   std::string& stderr_text, int& status) {
  using std::chrono::steady_clock;
  const auto remaining_ms = [&] {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 1000));
  };
  char buffer[4096];
  for (;;) {
    pollfd readable{.fd = stderr_fd, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&readable, 1, remaining_ms());
    if (ready < 0 && errno != EINTR) return false;
    if (ready > 0) {
      const ssize_t n = ::read(stderr_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // closed (or unreadable: then waiting is all that is left)
      const auto room = kMaxStderrBytes - stderr_text.size();
      stderr_text.append(buffer, std::min(static_cast<std::size_t>(n), room));
    }
    if (steady_clock::now() >= deadline) return false;
  }
  // stderr closed: the program is ending, or left a child holding nothing.
  for (auto pause = std::chrono::microseconds(50);;
       pause = std::min(pause * 2, decltype(pause)(20000))) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno != EINTR) return true;  // not ours to wait for any more
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) throw_cannot_run(argv, EINVAL);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_cannot_run(argv, errno);
  Descriptor stderr_read{pipe_fds[0]};
  Descriptor stderr_write{pipe_fds[1]};

  SpawnSetup setup;
  // The caller may block signals in its threads or ignore SIGPIPE; the
  // program should start as it would from a shell.
  sigset_t no_signals;
  sigset_t default_signals;
  sigemptyset(&no_signals);
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  int error =
      posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (error == 0) {
    error =
        posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  if (error == 0) {
    error = posix_spawn_file_actions_adddup2(&setup.actions, stderr_write.fd, STDERR_FILENO);
  }
  if (error == 0) error = posix_spawnattr_setsigmask(&setup.attributes, &no_signals);
  if (error == 0) error = posix_spawnattr_setsigdefault(&setup.attributes, &default_signals);
  if (error == 0) {
    // A group of its own, so that a timeout kills what it started too.
    error = posix_spawnattr_setpgroup(&setup.attributes, 0);
  }
  if (error == 0) {
    error = posix_spawnattr_setflags(
        &setup.attributes,
        static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP));
  }
  if (error != 0) throw_cannot_run(argv, error);

  // POSIX promises posix_spawn does not change the strings.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  pid_t pid = 0;
  error = ::posix_spawn(&pid, args[0], &setup.actions, &setup.attributes, args.data(), environ);
  if (error != 0) throw_cannot_run(argv, error);
  // Only the child may hold the write end, or the read below never sees EOF.
  stderr_write.close();

  CommandResult result;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!read_and_wait(stderr_read.fd, pid, deadline, result.stderr_text, status)) {
    ::kill(-pid, SIGKILL);
    stderr_read.close();
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.timed_out_after = timeout;
    result.exit_status = -1;
    result.signal = 0;
    return result;
  }
  stderr_read.close();
  if (WIFSIGNALED(status)) {
    result.exit_status = -1;
    result.signal = WTERMSIG(status);
  } else {
    result.exit_status = WEXITSTATUS(status);
  }
  return result;
}

std::string command_line(const std::vector<std::string>& argv) {
  return fmt::format("{}", fmt::join(argv, " "));
}

std::string describe_failure(const std::vector<std::string>& argv, const CommandResult& result) {
  std::string message = fmt::format("\"{}\" ", command_line(argv));
  if (result.timed_out_after.count() != 0) {
    message += fmt::format("did not finish within the timeout of {} and was killed",
                           seconds_text(result.timed_out_after));
  } else if (result.signal != 0) {
    message +=
        fmt::format("was killed by signal {} ({})", result.signal, ::strsignal(result.signal));
  } else {
    message += fmt::format("failed with exit status {}", result.exit_status);
  }
  // Every line of stderr, trimmed, blank ones dropped: one line in all.
  std::string_view rest = result.stderr_text;
  const char* separator = ": ";
  while (!rest.empty()) {
    const std::size_t end = rest.find_first_of("\r\n");
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    const std::size_t first = line.find_first_not_of(" \t\f\v");
    if (first == std::string_view::npos) continue;
    line = line.substr(first, line.find_last_not_of(" \t\f\v") - first + 1);
    message += separator;
    message += line;
    separator = " ";
  }
  return message;
}

}  // namespace runner_metrics::detail
