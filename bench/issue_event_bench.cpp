// SPDX-License-Identifier: Apache-2.0
// What issuing one event costs, next to the cheapest way to put the same
// bytes in a file.
//
//   BM_RawWrite         write(2) of the pre-built line to an O_APPEND fd opened once: the floor
//   BM_IssueEvent       MetricsLog::append of the same event (serialize, rotation check, write)
//   BM_IssueEventSignalsNotHeld  the same with MetricsLogOptions{.hold_signals = false}
//   BM_BatchAppend64    MetricsLog::append_all of 64 events; per_event_ns = real time / 64
//   BM_IssueEventFsync  MetricsLog::append with MetricsLogOptions{.fsync = true}
//   BM_SpdlogFileSink   the peer: spdlog's basic file sink writing the same line, flushed
//                       after every line (built when CMake finds spdlog)
// and, to see where BM_IssueEvent's time goes:
//   BM_ToLine           to_line(event): serialization into a new std::string
//   BM_AppendLine       append_line into a reused buffer (what append serializes with)
//   BM_StatPath         stat(2) of the log's path (append's rotation check), file untouched
//   BM_StatThenWrite    stat(path) + write(2): append's syscalls without the library
//   BM_StatxInoThenWrite  statx(path, STATX_INO) + write(2): a check that skips the times
//   BM_RawWriteBatch64  one write(2) of 64 pre-built lines: the floor for BM_BatchAppend64
//   BM_OpenWriteClose   open + write + close per event (what a one-shot process does)
//
// Files live in a fresh directory under $BENCH_DIR (default /tmp) and are cut
// back to empty every few MiB, outside the timed region. After the run the
// ratios to BM_RawWrite are printed: on a shared, noisy machine they say more
// than the absolute times. Defaults (overridable on the command line):
// --benchmark_repetitions=9 --benchmark_min_time=0.1
// --benchmark_enable_random_interleaving=true
// --benchmark_display_aggregates_only=true
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifdef RUNNER_METRICS_BENCH_SPDLOG
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>

#include <fstream>
#include <iterator>
#include <memory>
#endif

#include "runner_metrics/events.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/serialize.hpp"

namespace {

namespace fs = std::filesystem;
namespace rm = runner_metrics;

constexpr std::size_t kBatchSize = 64;
// A benchmark's file is truncated once it has grown by about this much.
constexpr std::size_t kMaxFileBytes = std::size_t{4} << 20;

fs::path g_dir;  // set in main

rm::RunnerStop sample_event() {
  return rm::RunnerStop{.timestamp = 1700000000.25,
                        .flavor = "large",
                        .workflow = "Integration tests",
                        .repo = "canonical/github-runner-operator",
                        .github_event = "pull_request",
                        .status = "abnormal",
                        .status_info = rm::CodeInformation{.code = 137},
                        .job_duration = 1234.5};
}

// An empty file of the given name in the benchmark directory.
fs::path fresh_file(std::string_view name) {
  fs::path path = g_dir / name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
  return path;
}

// Truncates the file every `every` iterations, with the timer paused.
class SizeGuard {
 public:
  SizeGuard(fs::path path, std::size_t bytes_per_iteration)
      : path_(std::move(path)),
        every_(std::max<std::size_t>(
            1, kMaxFileBytes / std::max<std::size_t>(1, bytes_per_iteration))) {}

  void tick(benchmark::State& state) {
    if (++count_ < every_) return;
    count_ = 0;
    state.PauseTiming();
    if (::truncate(path_.c_str(), 0) != 0) state.SkipWithError("truncate failed");
    state.ResumeTiming();
  }

 private:
  fs::path path_;
  std::size_t every_;
  std::size_t count_ = 0;
};

void BM_RawWrite(benchmark::State& state) {
  const std::string line = rm::to_line(sample_event());
  const fs::path path = fresh_file("raw_write.log");
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  SizeGuard guard(path, line.size());
  for (auto _ : state) {
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      state.SkipWithError("write failed");
      break;
    }
    guard.tick(state);
  }
  ::close(fd);
}
BENCHMARK(BM_RawWrite);

void BM_IssueEvent(benchmark::State& state) {
  const rm::RunnerStop event = sample_event();
  const fs::path path = fresh_file("issue_event.log");
  SizeGuard guard(path, rm::to_line(event).size());
  try {
    rm::MetricsLog log(path);
    for (auto _ : state) {
      log.append(event);
      guard.tick(state);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_IssueEvent);

// BM_IssueEvent without holding SIGTERM/INT/HUP/PIPE around the write: the
// difference is what MetricsLogOptions::hold_signals costs per append.
void BM_IssueEventSignalsNotHeld(benchmark::State& state) {
  const rm::RunnerStop event = sample_event();
  const fs::path path = fresh_file("issue_event_not_held.log");
  SizeGuard guard(path, rm::to_line(event).size());
  try {
    rm::MetricsLog log(path, rm::MetricsLogOptions{.hold_signals = false});
    for (auto _ : state) {
      log.append(event);
      guard.tick(state);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_IssueEventSignalsNotHeld);

void BM_ToLine(benchmark::State& state) {
  const rm::RunnerStop event = sample_event();
  for (auto _ : state) {
    std::string line = rm::to_line(event);
    benchmark::DoNotOptimize(line.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ToLine);

void BM_AppendLine(benchmark::State& state) {
  const rm::RunnerStop event = sample_event();
  std::string line;
  for (auto _ : state) {
    line.clear();
    rm::append_line(line, event);
    benchmark::DoNotOptimize(line.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_AppendLine);

void BM_StatPath(benchmark::State& state) {
  const fs::path path = fresh_file("stat.log");
  for (auto _ : state) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      state.SkipWithError("stat failed");
      break;
    }
    benchmark::DoNotOptimize(st.st_ino);
  }
}
BENCHMARK(BM_StatPath);

// The syscalls append makes, without the library: stat(2) of the path, then
// write(2). stat asks for the file's times, and on kernels with multigrain
// timestamps (6.13+) a queried ctime makes the next write stamp a
// fine-grained time and dirty the inode; BM_RawWrite alone does not pay that.
void BM_StatThenWrite(benchmark::State& state) {
  const std::string line = rm::to_line(sample_event());
  const fs::path path = fresh_file("stat_then_write.log");
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  SizeGuard guard(path, line.size());
  for (auto _ : state) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 ||
        ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      state.SkipWithError("stat or write failed");
      break;
    }
    benchmark::DoNotOptimize(st.st_ino);
    guard.tick(state);
  }
  ::close(fd);
}
BENCHMARK(BM_StatThenWrite);

// The same check asking only for what rotation detection needs (device and
// inode; statx always fills stx_dev_*): the times are not queried.
void BM_StatxInoThenWrite(benchmark::State& state) {
  const std::string line = rm::to_line(sample_event());
  const fs::path path = fresh_file("statx_then_write.log");
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  SizeGuard guard(path, line.size());
  for (auto _ : state) {
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_INO, &stx) != 0 ||
        ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      state.SkipWithError("statx or write failed");
      break;
    }
    benchmark::DoNotOptimize(stx.stx_ino);
    guard.tick(state);
  }
  ::close(fd);
}
BENCHMARK(BM_StatxInoThenWrite);

void BM_OpenWriteClose(benchmark::State& state) {
  const std::string line = rm::to_line(sample_event());
  const fs::path path = fresh_file("open_write_close.log");
  SizeGuard guard(path, line.size());
  for (auto _ : state) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      state.SkipWithError("open or write failed");
      if (fd >= 0) ::close(fd);
      break;
    }
    ::close(fd);
    guard.tick(state);
  }
}
BENCHMARK(BM_OpenWriteClose);

void BM_BatchAppend64(benchmark::State& state) {
  const std::vector<rm::RunnerStop> events(kBatchSize, sample_event());
  const fs::path path = fresh_file("batch_append.log");
  SizeGuard guard(path, kBatchSize * rm::to_line(events.front()).size());
  try {
    rm::MetricsLog log(path);
    for (auto _ : state) {
      log.append_all(events);
      guard.tick(state);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<benchmark::IterationCount>(kBatchSize));
}
BENCHMARK(BM_BatchAppend64);

// The floor for BM_BatchAppend64: one write(2) of the 64 pre-built lines.
void BM_RawWriteBatch64(benchmark::State& state) {
  std::string lines;
  for (std::size_t i = 0; i < kBatchSize; ++i) lines += rm::to_line(sample_event());
  const fs::path path = fresh_file("raw_write_batch.log");
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  SizeGuard guard(path, lines.size());
  for (auto _ : state) {
    if (::write(fd, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
      state.SkipWithError("write failed");
      break;
    }
    guard.tick(state);
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations() * static_cast<benchmark::IterationCount>(kBatchSize));
}
BENCHMARK(BM_RawWriteBatch64);

void BM_IssueEventFsync(benchmark::State& state) {
  const rm::RunnerStop event = sample_event();
  const fs::path path = fresh_file("issue_event_fsync.log");
  try {
    rm::MetricsLog log(path, rm::MetricsLogOptions{.fsync = true});
    for (auto _ : state) log.append(event);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
// A disk flush per iteration: a shorter run per repetition is enough.
BENCHMARK(BM_IssueEventFsync)->MinTime(0.05);

#ifdef RUNNER_METRICS_BENCH_SPDLOG
// What a C++ program would reach for to append lines to a file: spdlog's
// basic file sink (the thread-safe one, as spdlog::basic_logger_mt makes),
// with a pattern of the message alone and a flush after every line, so each
// line reaches the file (one write(2)) before the call returns, as append's
// does. The bytes written are checked to be exactly the line first.
void BM_SpdlogFileSink(benchmark::State& state) {
  const std::string line = rm::to_line(sample_event());
  const std::string_view message(line.data(), line.size() - 1);  // spdlog adds the '\n'
  const auto make_logger = [](const fs::path& path) {
    auto logger = std::make_unique<spdlog::logger>(
        "bench", std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string()));
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::info);
    return logger;
  };
  try {
    const fs::path check = fresh_file("spdlog_check.log");
    make_logger(check)->info(message);
    std::ifstream in(check, std::ios::binary);
    const std::string written{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (written != line) {
      state.SkipWithError("spdlog wrote other bytes than the line");
      return;
    }
    const fs::path path = fresh_file("spdlog.log");
    const auto logger = make_logger(path);
    SizeGuard guard(path, line.size());
    for (auto _ : state) {
      logger->info(message);
      guard.tick(state);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_SpdlogFileSink);
#endif

// The console output, plus `per_event_ns` for the batch benchmark, while
// keeping each benchmark's median real and CPU time (ns) for the ratios. On a
// shared machine the real time includes the time other processes held the
// core; the CPU time does not, so both ratios are printed.
enum class Clock { Real, Cpu };

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown(runs);
    for (Run& run : shown) {
      if (run.error_occurred || run.aggregate_unit != benchmark::kTime) continue;
      const double unit = 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      const double ns[] = {run.GetAdjustedRealTime() * unit, run.GetAdjustedCPUTime() * unit};
      const std::string& name = run.run_name.function_name;
      if (name == "BM_BatchAppend64" || name == "BM_RawWriteBatch64") {
        run.counters["per_event_ns"] = benchmark::Counter(ns[0] / static_cast<double>(kBatchSize));
      }
      for (const Clock clock : {Clock::Real, Clock::Cpu}) {
        const double value = ns[static_cast<int>(clock)];
        if (run.run_type == Run::RT_Aggregate) {
          if (run.aggregate_name == "median") medians_[{name, clock}] = value;
        } else {
          samples_[{name, clock}].push_back(value);
        }
      }
    }
    ConsoleReporter::ReportRuns(shown);
  }

  // The median time of a benchmark in ns, if it ran.
  std::optional<double> median_ns(const std::string& name, Clock clock = Clock::Real) const {
    if (const auto it = medians_.find({name, clock}); it != medians_.end()) return it->second;
    const auto it = samples_.find({name, clock});
    if (it == samples_.end() || it->second.empty()) return std::nullopt;
    std::vector<double> values = it->second;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

 private:
  std::map<std::pair<std::string, Clock>, double> medians_;
  std::map<std::pair<std::string, Clock>, std::vector<double>> samples_;
};

// One benchmark's median (divided by `per`, for a batch) over another's, in
// real time and in CPU time; checked against a target on real time if one is
// given.
struct Ratio {
  const char* label;
  const char* numerator;
  const char* denominator;
  double per = 1;
  const char* target = nullptr;
  bool (*meets)(double) = nullptr;
};

void print_ratio(const RatioReporter& reporter, const Ratio& r) {
  double ratios[2] = {};
  for (const Clock clock : {Clock::Real, Clock::Cpu}) {
    const auto numerator = reporter.median_ns(r.numerator, clock);
    const auto denominator = reporter.median_ns(r.denominator, clock);
    if (!numerator || !denominator || *denominator <= 0) return;
    ratios[static_cast<int>(clock)] = *numerator / r.per / *denominator;
  }
  std::printf("ratio %s = %.2f", r.label, ratios[0]);
  if (r.target != nullptr) {
    std::printf(" (target %s)%s", r.target, r.meets(ratios[0]) ? "" : " MISSED");
  }
  std::printf("; CPU time %.2f\n", ratios[1]);
}

void print_summary(const RatioReporter& reporter) {
  const auto raw = reporter.median_ns("BM_RawWrite");
  const auto issue = reporter.median_ns("BM_IssueEvent");
  const auto batch = reporter.median_ns("BM_BatchAppend64");
  const auto fsync = reporter.median_ns("BM_IssueEventFsync");
  const auto append_line = reporter.median_ns("BM_AppendLine");
  const auto stat_path = reporter.median_ns("BM_StatPath");
  const auto open_write_close = reporter.median_ns("BM_OpenWriteClose");
  const auto raw_batch = reporter.median_ns("BM_RawWriteBatch64");
  const auto stat_then_write = reporter.median_ns("BM_StatThenWrite");
  const auto statx_then_write = reporter.median_ns("BM_StatxInoThenWrite");
  const auto spdlog_sink = reporter.median_ns("BM_SpdlogFileSink");
  const auto per_event = [](std::optional<double> batch_ns) {
    return batch_ns ? std::optional<double>(*batch_ns / static_cast<double>(kBatchSize))
                    : std::nullopt;
  };
  const std::optional<double> batch_per_event = per_event(batch);

  std::printf("\nmedian real time per benchmark, ns:");
  const std::pair<const char*, std::optional<double>> shown[] = {
      {"raw_write", raw},
      {"issue_event", issue},
      {"issue_event_signals_not_held", reporter.median_ns("BM_IssueEventSignalsNotHeld")},
      {"batch64_per_event", batch_per_event},
      {"raw_write_batch64_per_event", per_event(raw_batch)},
      {"append_line", append_line},
      {"stat_path", stat_path},
      {"open_write_close", open_write_close},
      {"stat_then_write", stat_then_write},
      {"statx_ino_then_write", statx_then_write},
      {"issue_event_fsync", fsync},
      {"spdlog_file_sink", spdlog_sink}};
  for (const auto& [name, value] : shown) {
    if (value) std::printf(" %s=%.0f", name, *value);
  }
  std::printf("\nmedian CPU time per benchmark, ns:");
  for (const char* name : {"BM_RawWrite", "BM_IssueEvent", "BM_IssueEventSignalsNotHeld",
                           "BM_SpdlogFileSink", "BM_AppendLine"}) {
    if (const auto value = reporter.median_ns(name, Clock::Cpu)) {
      std::printf(" %s=%.0f", name, *value);
    }
  }
  if (const auto value = reporter.median_ns("BM_BatchAppend64", Clock::Cpu)) {
    std::printf(" BM_BatchAppend64/64=%.0f", *value / static_cast<double>(kBatchSize));
  }
  std::printf("\n");
  // Issue 17's targets, and the peer (spdlog) beside ours.
  constexpr auto per_batch = static_cast<double>(kBatchSize);
  const Ratio ratios[] = {
      {"issue_event/raw_write", "BM_IssueEvent", "BM_RawWrite", 1, "<= 1.3",
       [](double r) { return r <= 1.3; }},
      {"issue_event_signals_not_held/raw_write", "BM_IssueEventSignalsNotHeld", "BM_RawWrite", 1,
       "<= 1.3", [](double r) { return r <= 1.3; }},
      {"spdlog_file_sink/raw_write", "BM_SpdlogFileSink", "BM_RawWrite"},
      {"issue_event/spdlog_file_sink", "BM_IssueEvent", "BM_SpdlogFileSink", 1, "< 1",
       [](double r) { return r < 1.0; }},
      {"batch64_per_event/raw_write", "BM_BatchAppend64", "BM_RawWrite", per_batch, "<= 0.40",
       [](double r) { return r <= 0.40; }},
      {"raw_write_batch64_per_event/raw_write", "BM_RawWriteBatch64", "BM_RawWrite", per_batch},
      {"append_line/raw_write (serialization alone)", "BM_AppendLine", "BM_RawWrite"},
  };
  for (const Ratio& ratio : ratios) print_ratio(reporter, ratio);
  if (append_line) {
    std::printf(
        "serialization alone (append_line) = %.0f ns (target <= 80 ns)%s; CPU time %.0f ns\n",
        *append_line, *append_line <= 80 ? "" : " MISSED",
        reporter.median_ns("BM_AppendLine", Clock::Cpu).value_or(0));
  }
#ifndef RUNNER_METRICS_BENCH_SPDLOG
  std::printf(
      "(spdlog was not found when this was configured: no BM_SpdlogFileSink; "
      "apt-get install libspdlog-dev and configure again)\n");
#endif
  if (issue && raw && append_line && stat_path) {
    std::printf(
        "issue_event %.0f ns vs append_line %.0f + stat(path) %.0f + raw write %.0f = %.0f ns\n",
        *issue, *append_line, *stat_path, *raw, *append_line + *stat_path + *raw);
    if (stat_then_write) {
      std::printf(
          "issue_event %.0f ns vs append_line %.0f + stat(path)-then-write %.0f = %.0f ns "
          "(a write right after a stat costs %.0f ns more than both alone)\n",
          *issue, *append_line, *stat_then_write, *append_line + *stat_then_write,
          *stat_then_write - *stat_path - *raw);
    }
  }
  if (batch_per_event && append_line && raw_batch) {
    std::printf(
        "batch64_per_event %.0f ns vs append_line %.0f + raw batch write per event %.0f = %.0f "
        "ns\n",
        *batch_per_event, *append_line, *per_event(raw_batch),
        *append_line + *per_event(raw_batch));
  }
  if (stat_then_write && raw && statx_then_write) {
    std::printf(
        "rotation check + write: stat(path) %.0f ns, statx(path, STATX_INO) %.0f ns; "
        "write alone %.0f ns\n",
        *stat_then_write, *statx_then_write, *raw);
  }
  if (fsync && issue) {
    std::printf("issue_event_fsync/issue_event = %.1f (durability cost, for reference)\n",
                *fsync / *issue);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Defaults first, so that the same flags given on the command line win.
  std::vector<char*> args{argv[0]};
  std::string defaults[] = {"--benchmark_repetitions=9", "--benchmark_min_time=0.1",
                            "--benchmark_enable_random_interleaving=true",
                            "--benchmark_display_aggregates_only=true"};
  for (std::string& flag : defaults) args.push_back(flag.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  const char* base = std::getenv("BENCH_DIR");
  std::string pattern =
      (fs::path(base != nullptr && *base != '\0' ? base : "/tmp") / "issue_event_bench.XXXXXX")
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror(pattern.c_str());
    return 1;
  }
  g_dir = pattern;

  RatioReporter reporter(::isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                                 : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::fflush(stdout);
  print_summary(reporter);

  std::error_code ignored;
  fs::remove_all(g_dir, ignored);
  return 0;
}
