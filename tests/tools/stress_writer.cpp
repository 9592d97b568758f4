// SPDX-License-Identifier: Apache-2.0
// A writer process for the stress tests: appends tagged events (see
// stress_events.hpp) to a metrics log, through the library from several
// threads or through the runner-metrics command line.
//
//   stress_writer library LOG WRITER THREADS EVENTS PAUSE_US
//       EVENTS events split over THREADS threads, then exit. Even threads share
//       one MetricsLog, odd threads own one; threads 0-1 of each four append
//       one event at a time, threads 2-3 in append_all batches of 1 to 64.
//       After each append a thread sleeps PAUSE_US per event appended, so
//       that the writers stay busy as long as slower ones (the CLI) are.
//   stress_writer until-stopped LOG WRITER THREADS CONTROL PAUSE_US
//       Each thread appends one event at a time, sleeping PAUSE_US between
//       appends, until CONTROL's stop word is set. Before each append it reads
//       CONTROL's epoch word into the tag. Prints "w<W>-t<T> <count>" per thread.
//   stress_writer cli CLI LOG WRITER EVENTS SINGLES BATCH
//       EVENTS events in order, as `CLI issue --stdin` batches of BATCH lines,
//       each followed by its share of SINGLES single `CLI issue TYPE --flags` calls.
//   stress_writer batch LOG LINES_FILE
//       LINES_FILE's lines (complete, serialized) in one MetricsLog::write_lines
//       call with the default options, SIGTERM and SIGINT left at their default
//       action: the writer the signal tests kill mid-write.
//
// CONTROL is a file of two 64-bit words, mapped shared: [0] epoch, [1] stop.
// Exit status 0 when every append succeeded; otherwise 1, with the error on
// stderr.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <latch>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "runner_metrics/metrics_log.hpp"
#include "stress_events.hpp"

extern char** environ;

namespace {

using runner_metrics::AnyEvent;
using runner_metrics::MetricsLog;
using runner_metrics::stress::make_event;
using runner_metrics::stress::Tag;

std::mutex error_mutex;
std::string first_error;

void record_error(const std::string& error) {
  std::lock_guard lock(error_mutex);
  if (first_error.empty()) first_error = error;
}

long long number(const char* text) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) {
    throw std::invalid_argument(fmt::format("not a count: {}", text));
  }
  return value;
}

void sleep_us(long long us) {
  if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
}

// ---------------------------------------------------------------------------
// library

int run_library(const std::string& log_path, int writer, int threads, long long events,
                long long pause_us) {
  MetricsLog shared(log_path);
  std::latch start(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    const long long count = events / threads + (t < events % threads ? 1 : 0);
    workers.emplace_back([&, t, count] {
      try {
        std::optional<MetricsLog> own;
        if (t % 2 == 1) own.emplace(log_path);
        MetricsLog& log = own ? *own : shared;
        const bool batches = t % 4 >= 2;
        std::mt19937 rng(static_cast<unsigned>(writer * 100 + t));
        std::vector<AnyEvent> batch;
        start.arrive_and_wait();
        for (long long seq = 0; seq < count;) {
          if (!batches) {
            std::visit([&](const auto& e) { log.append(e); },
                       make_event(Tag{.writer = writer, .thread = t, .seq = seq}));
            ++seq;
            sleep_us(pause_us);
            continue;
          }
          batch.clear();
          const long long size = std::uniform_int_distribution<long long>(1, 64)(rng);
          for (long long i = 0; i < size && seq < count; ++i, ++seq) {
            batch.push_back(make_event(Tag{.writer = writer, .thread = t, .seq = seq}));
          }
          log.append_all(batch);
          sleep_us(pause_us * size);
        }
      } catch (const std::exception& e) {
        record_error(fmt::format("w{}-t{}: {}", writer, t, e.what()));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return first_error.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------
// until-stopped

int run_until_stopped(const std::string& log_path, int writer, int threads,
                      const std::string& control_path, long long pause_us) {
  const int control_fd = ::open(control_path.c_str(), O_RDWR | O_CLOEXEC);
  if (control_fd < 0) throw std::runtime_error(fmt::format("open {}", control_path));
  void* mapped =
      ::mmap(nullptr, 2 * sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, control_fd, 0);
  ::close(control_fd);
  if (mapped == MAP_FAILED) throw std::runtime_error(fmt::format("mmap {}", control_path));
  auto* words = static_cast<std::uint64_t*>(mapped);
  std::atomic_ref<std::uint64_t> epoch(words[0]);
  std::atomic_ref<std::uint64_t> stop(words[1]);

  MetricsLog shared(log_path);
  std::vector<long long> counts(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        std::optional<MetricsLog> own;
        if (t % 2 == 1) own.emplace(log_path);
        MetricsLog& log = own ? *own : shared;
        long long& seq = counts[static_cast<std::size_t>(t)];
        while (stop.load() == 0) {
          const auto e = static_cast<std::int64_t>(epoch.load());
          std::visit([&](const auto& event) { log.append(event); },
                     make_event(Tag{.writer = writer, .thread = t, .seq = seq, .epoch = e}));
          ++seq;
          sleep_us(pause_us);
        }
      } catch (const std::exception& e) {
        record_error(fmt::format("w{}-t{}: {}", writer, t, e.what()));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (int t = 0; t < threads; ++t) {
    std::printf("w%d-t%d %lld\n", writer, t, counts[static_cast<std::size_t>(t)]);
  }
  return first_error.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------
// cli

std::string number_text(double value) { return fmt::format("{}", value); }

// `issue TYPE --flags` for the event: the same line as its JSON form.
std::vector<std::string> flags_of(const AnyEvent& any) {
  std::vector<std::string> args{"issue"};
  const auto common = [&](const char* type, double timestamp, const std::string& flavor) {
    args.insert(args.end(), {type, "--timestamp", number_text(timestamp), "--flavor=" + flavor});
  };
  const auto job = [&](const auto& e) {
    args.insert(args.end(), {"--workflow=" + e.workflow, "--repo=" + e.repo,
                             "--github-event=" + e.github_event});
  };
  if (const auto* e = std::get_if<runner_metrics::RunnerInstalled>(&any)) {
    common("runner-installed", e->timestamp, e->flavor);
    args.insert(args.end(), {"--duration", number_text(e->duration)});
  } else if (const auto* s = std::get_if<runner_metrics::RunnerStart>(&any)) {
    common("runner-start", s->timestamp, s->flavor);
    job(*s);
    args.insert(args.end(), {"--idle", number_text(s->idle)});
    if (s->queue_duration)
      args.insert(args.end(), {"--queue-duration", number_text(*s->queue_duration)});
  } else if (const auto* p = std::get_if<runner_metrics::RunnerStop>(&any)) {
    common("runner-stop", p->timestamp, p->flavor);
    job(*p);
    args.insert(args.end(),
                {"--status=" + p->status, "--job-duration", number_text(p->job_duration)});
    if (p->status_info) args.push_back(fmt::format("--status-code={}", p->status_info->code));
  } else {
    const auto& r = std::get<runner_metrics::Reconciliation>(any);
    common("reconciliation", r.timestamp, r.flavor);
    args.insert(args.end(),
                {"--crashed-runners", fmt::format("{}", r.crashed_runners), "--idle-runners",
                 fmt::format("{}", r.idle_runners), "--duration", number_text(r.duration)});
  }
  return args;
}

// Runs the CLI with `args`, `input` on its stdin; returns its exit status.
int run_cli(const std::string& cli, const std::vector<std::string>& args,
            const std::string& input) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
  std::vector<char*> argv{const_cast<char*>(cli.c_str())};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, cli.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[0]);
  if (spawned != 0) {
    ::close(pipe_fds[1]);
    throw std::runtime_error(fmt::format("cannot run {}: {}", cli, std::strerror(spawned)));
  }
  for (std::size_t done = 0; done < input.size();) {
    const ssize_t n = ::write(pipe_fds[1], input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the CLI stopped reading; its exit status tells why
    done += static_cast<std::size_t>(n);
  }
  ::close(pipe_fds[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_cli_writer(const std::string& cli, const std::string& log_path, int writer,
                   long long events, long long singles, long long batch_size) {
  const long long rounds = std::max(1LL, (events - singles + batch_size - 1) / batch_size);
  long long seq = 0;
  long long singles_left = singles;
  long long batches = 0;
  long long single_calls = 0;
  const auto event = [&] { return make_event(Tag{.writer = writer, .thread = 0, .seq = seq}); };
  for (long long round = 0; round < rounds && seq < events; ++round) {
    std::string input;
    for (long long i = 0; i < batch_size && seq < events - singles_left; ++i, ++seq) {
      input += std::visit([](const auto& e) { return runner_metrics::to_line(e); }, event());
    }
    if (!input.empty()) {
      const int status = run_cli(cli, {"issue", "--stdin", "--log", log_path}, input);
      if (status != 0) {
        record_error(
            fmt::format("w{}: issue --stdin exited {} before seq {}", writer, status, seq));
        return 1;
      }
      ++batches;
    }
    // This round's share of the single calls; the last round takes the rest.
    const long long share = round + 1 == rounds ? singles_left : singles_left / (rounds - round);
    for (long long i = 0; i < share && seq < events; ++i, ++seq, --singles_left) {
      std::vector<std::string> args = flags_of(event());
      args.insert(args.begin() + 1, {"--log", log_path});
      const int status = run_cli(cli, args, "");
      if (status != 0) {
        record_error(fmt::format("w{}: single issue exited {} at seq {}", writer, status, seq));
        return 1;
      }
      ++single_calls;
    }
  }
  std::printf("w%d batches %lld singles %lld events %lld\n", writer, batches, single_calls, seq);
  return seq == events ? 0 : 1;
}

int run_batch(const char* log_path, const char* lines_path) {
  std::string lines;
  {
    const int fd = ::open(lines_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}", lines_path));
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
      lines.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  }
  const auto count = static_cast<std::size_t>(std::count(lines.begin(), lines.end(), '\n'));
  MetricsLog log(log_path);
  return log.write_lines(lines, count) == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  ::alarm(300);  // a stuck writer dies instead of hanging the test suite
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    int status = 2;
    if (mode == "library" && argc == 7) {
      status = run_library(argv[2], static_cast<int>(number(argv[3])),
                           static_cast<int>(number(argv[4])), number(argv[5]), number(argv[6]));
    } else if (mode == "until-stopped" && argc == 7) {
      status = run_until_stopped(argv[2], static_cast<int>(number(argv[3])),
                                 static_cast<int>(number(argv[4])), argv[5], number(argv[6]));
    } else if (mode == "batch" && argc == 4) {
      status = run_batch(argv[2], argv[3]);
    } else if (mode == "cli" && argc == 8) {
      status = run_cli_writer(argv[2], argv[3], static_cast<int>(number(argv[4])), number(argv[5]),
                              number(argv[6]), std::max(1LL, number(argv[7])));
    } else {
      std::fprintf(stderr, "usage: see the comment at the top of stress_writer.cpp\n");
      return 2;
    }
    if (!first_error.empty()) std::fprintf(stderr, "stress_writer: %s\n", first_error.c_str());
    std::fflush(stdout);
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stress_writer: %s\n", e.what());
    return 1;
  }
}
