// SPDX-License-Identifier: Apache-2.0
// Reading many logs, or one large one, on every core. A large regular file
// is cut into byte ranges; workers take ranges in file order, each handing
// its lines to a sink of its own (read_logs' copies of the aggregates),
// which read_logs merges at the end.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "runner_metrics/read_logs.hpp"

namespace runner_metrics {

namespace {

struct Task {
  std::uint32_t file = 0;
  ByteRange range;
};

struct TaskResult {
  std::uint64_t lines = 0;
  std::vector<InvalidLine> invalid_lines;  // numbered from the range's start
  std::exception_ptr error;
};

struct Shared {
  std::atomic<std::size_t> next_task{0};
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<bool> stop{false};
};

void run_task(const Task& task, const std::string& path, const ReadOptions& options,
              detail::LineSink& sink, TaskResult& result, Shared& shared) {
  EventReader reader(path, {.max_line_bytes = options.max_line_bytes, .range = task.range});
  std::uint64_t reported = 0;
  while (const LogLine* line = reader.next()) {
    const ParsedLine& parsed = *line->parsed;
    sink.add(parsed, {task.file, line->offset});
    if (parsed.kind == ParsedLine::Kind::Invalid &&
        result.invalid_lines.size() < options.invalid_lines_kept) {
      result.invalid_lines.push_back({path, line->number, parsed.field, parsed.problem});
    }
    result.lines = line->number;
    // Once per buffer refill, not per line.
    if (reader.bytes_read() != reported) {
      shared.bytes_done += reader.bytes_read() - reported;
      reported = reader.bytes_read();
      if (shared.stop.load(std::memory_order_relaxed)) return;
    }
  }
  shared.bytes_done += reader.bytes_read() - reported;
}

// The tasks, and the total size of the files (what is known of it).
std::vector<Task> plan(const std::vector<std::string>& paths, const ReadOptions& options,
                       unsigned workers, std::uint64_t& total) {
  std::vector<std::uint64_t> sizes(paths.size(), 0);
  total = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    struct stat status {};
    const int rc = paths[i] == "-" ? ::fstat(0, &status) : ::stat(paths[i].c_str(), &status);
    if (rc != 0) throw ReadLogError(paths[i], std::strerror(errno));
    if (S_ISDIR(status.st_mode)) throw ReadLogError(paths[i], std::strerror(EISDIR));
    if (S_ISREG(status.st_mode)) {
      sizes[i] = static_cast<std::uint64_t>(status.st_size);
      total += sizes[i];
    }
  }
  // Enough ranges that no worker is left alone with a big one at the end,
  // few enough that each is worth starting a reader for.
  const std::uint64_t chunk =
      std::max({options.range_bytes, std::uint64_t{1}, total / (std::uint64_t{workers} * 4)});
  std::vector<Task> tasks;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto file = static_cast<std::uint32_t>(i);
    if (paths[i] == "-" || sizes[i] <= options.range_bytes) {
      tasks.push_back({file, {}});
      continue;
    }
    for (std::uint64_t begin = 0; begin < sizes[i]; begin += chunk) {
      // The last range runs to the end of the file, however long it has
      // grown since it was measured.
      const std::uint64_t end =
          sizes[i] - begin <= chunk ? std::numeric_limits<std::uint64_t>::max() : begin + chunk;
      tasks.push_back({file, {begin, end}});
    }
  }
  return tasks;
}

}  // namespace

namespace detail {

std::vector<InvalidLine> read_files(
    const std::vector<std::string>& paths, const ReadOptions& options,
    const std::function<LineSink&(unsigned worker)>& sink_for_worker) {
  if (paths.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("read_logs: too many files");
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned wanted = options.workers > 0 ? options.workers : cores;
  std::uint64_t total = 0;
  const std::vector<Task> tasks = plan(paths, options, wanted, total);
  const auto workers = static_cast<unsigned>(std::min<std::size_t>(wanted, tasks.size()));

  Shared shared;
  std::vector<TaskResult> results(tasks.size());
  std::vector<LineSink*> sinks;
  for (unsigned w = 0; w < workers; ++w) sinks.push_back(&sink_for_worker(w));
  std::mutex mutex;
  std::condition_variable finished;
  unsigned running = workers;
  std::exception_ptr progress_error;
  {
    std::vector<std::jthread> threads;
    for (unsigned w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        for (;;) {
          const std::size_t t = shared.next_task++;
          if (t >= tasks.size() || shared.stop) break;
          try {
            run_task(tasks[t], paths[tasks[t].file], options, *sinks[w], results[t], shared);
          } catch (...) {
            results[t].error = std::current_exception();
            shared.stop = true;
          }
        }
        const std::lock_guard lock(mutex);
        --running;
        finished.notify_all();
      });
    }
    std::unique_lock lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; })) {
      if (!options.progress) continue;
      lock.unlock();
      try {
        options.progress(shared.bytes_done.load(), total);
      } catch (...) {
        progress_error = std::current_exception();
        shared.stop = true;
      }
      lock.lock();
    }
  }  // joined

  if (progress_error) std::rethrow_exception(progress_error);
  for (const TaskResult& result : results) {
    if (result.error) std::rethrow_exception(result.error);
  }
  if (options.progress) options.progress(shared.bytes_done.load(), total);

  std::vector<InvalidLine> invalid_lines;
  // Line numbers were counted from each range's start; the lines of the
  // file's earlier ranges come before them.
  std::vector<std::uint64_t> lines_before(paths.size(), 0);
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    for (InvalidLine& line : results[t].invalid_lines) {
      if (invalid_lines.size() == options.invalid_lines_kept) break;
      line.line += lines_before[tasks[t].file];
      invalid_lines.push_back(std::move(line));
    }
    lines_before[tasks[t].file] += results[t].lines;
  }
  return invalid_lines;
}

}  // namespace detail
}  // namespace runner_metrics
