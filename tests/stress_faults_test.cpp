// SPDX-License-Identifier: Apache-2.0
// Issue 3, part 3: log paths that are not plain files. Each gives a clear
// error (exit 1, one line naming the path and the OS error) or a documented
// behaviour, never a hang and never a torn line.
//
// Covered elsewhere, so not repeated here: a path that is a directory
// (CliIo.LogPathThatIsADirectoryExits1NamingThePath, MetricsLog.PathThatIsA
// DirectoryThrowsNamingThePath) and a log deleted while open (MetricsLog.
// RecreatesTheFileAfterItWasDeletedHoldingOnlyTheNewLine).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/errors.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"
#include "support/stress.hpp"

namespace {

namespace fs = std::filesystem;
using runner_metrics::IssueMetricEventError;
using runner_metrics::MetricsLog;
using runner_metrics::RunnerInstalled;
using runner_metrics::to_line;
using namespace runner_metrics::testing;
using namespace runner_metrics::testing::stress;

constexpr const char* kTimeout = "/usr/bin/timeout";

RunnerInstalled installed(int i) {
  return RunnerInstalled{.timestamp = 1700000000.0 + i, .flavor = "small", .duration = 1.5};
}

std::vector<std::string> issue_installed(const std::string& log, int i) {
  return {"issue",       "runner-installed",
          "--log",       log,
          "--timestamp", fmt::format("{}", installed(i).timestamp),
          "--flavor",    "small",
          "--duration",  "1.5"};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Exit 1 and one line on stderr naming the path and the OS error.
void expect_system_error(const ProcessResult& result, const std::string& path,
                         const std::string& os_error) {
  EXPECT_EQ(result.exit_status, 1) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(contains(result.err, path)) << "does not name " << path << ": " << result.err;
  EXPECT_TRUE(contains(result.err, os_error)) << "does not say " << os_error << ": " << result.err;
}

// ---------------------------------------------------------------------------
// Symbolic links: the writer follows them, as open(2) does.

TEST(StressFaults, LogPathThatIsASymlinkToAFileAppendsToTheTargetAndKeepsTheLink) {
  TempDir dir;
  fs::create_directory(dir / "real");
  const std::string target = dir / "real/metrics.log";
  const std::string link = dir / "metrics.log";
  write_file(target, to_line(installed(0)));
  fs::create_symlink(target, link);

  const ProcessResult flags = run_cli(issue_installed(link, 1));
  EXPECT_EQ(flags.exit_status, 0) << flags.err;
  ProcessOptions batch;
  batch.stdin_data = to_line(installed(2)) + to_line(installed(3));
  const ProcessResult stdin_batch = run_cli({"issue", "--stdin", "--log", link}, batch);
  EXPECT_EQ(stdin_batch.exit_status, 0) << stdin_batch.err;
  MetricsLog(link).append(installed(4));

  std::string expected;
  for (int i = 0; i <= 4; ++i) expected += to_line(installed(i));
  EXPECT_EQ(read_file(target), expected);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), fs::path(target));
  std::printf("symlink to a file: 5 lines (CLI flags, CLI --stdin, library) landed in %s\n",
              target.c_str());
}

TEST(StressFaults, DanglingSymlinkWhoseTargetDirectoryExistsCreatesTheTarget) {
  TempDir dir;
  fs::create_directory(dir / "real");
  const std::string target = dir / "real/metrics.log";
  const std::string link = dir / "metrics.log";
  fs::create_symlink(target, link);

  const ProcessResult result = run_cli(issue_installed(link, 1));
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(target), to_line(installed(1)));
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(target)));
  std::printf("dangling symlink: target %s created holding the line\n", target.c_str());
}

TEST(StressFaults, DanglingSymlinkIntoAMissingDirectoryExits1NamingThePath) {
  TempDir dir;
  const std::string link = dir / "metrics.log";
  fs::create_symlink(dir / "missing/metrics.log", link);

  const ProcessResult result = run_cli(issue_installed(link, 1));
  expect_system_error(result, link, "No such file or directory");
  EXPECT_FALSE(fs::exists(dir / "missing"));
  std::printf("dangling symlink into a missing directory: exit %d: %s", result.exit_status,
              result.err.c_str());
}

TEST(StressFaults, SymlinkLoopExits1NamingThePath) {
  TempDir dir;
  const std::string a = dir / "a.log";
  const std::string b = dir / "b.log";
  fs::create_symlink(b, a);
  fs::create_symlink(a, b);

  const ProcessResult result = run_cli(issue_installed(a, 1));
  expect_system_error(result, a, "Too many levels of symbolic links");
  std::printf("symlink loop: exit %d: %s", result.exit_status, result.err.c_str());
}

// ---------------------------------------------------------------------------
// FIFOs

// Runs the CLI under timeout(1), so that a hang fails the test instead of
// stopping the suite.
ProcessResult run_cli_within(int seconds, const std::vector<std::string>& args,
                             const ProcessOptions& options = {}) {
  std::vector<std::string> argv{kTimeout, "-s", "KILL", std::to_string(seconds),
                                RUNNER_METRICS_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions with_env = options;
  with_env.env.try_emplace("RUNNER_METRICS_LOG", std::nullopt);
  return run_process(argv, with_env);
}

TEST(StressFaults, FifoWithoutAReaderExits1AtOnceInsteadOfHanging) {
  TempDir dir;
  const std::string fifo = dir / "metrics.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);

  auto start = std::chrono::steady_clock::now();
  const ProcessResult flags = run_cli_within(20, issue_installed(fifo, 1));
  const double flags_seconds = seconds_since(start);
  ASSERT_NE(flags.exit_status, -1) << "issue hung on a FIFO without a reader (killed after 20 s)";
  expect_system_error(flags, fifo, "No such device or address");
  EXPECT_LT(flags_seconds, 10.0);

  ProcessOptions batch;
  batch.stdin_data = to_line(installed(1)) + to_line(installed(2));
  start = std::chrono::steady_clock::now();
  const ProcessResult stdin_batch = run_cli_within(20, {"issue", "--stdin", "--log", fifo}, batch);
  const double batch_seconds = seconds_since(start);
  ASSERT_NE(stdin_batch.exit_status, -1) << "issue --stdin hung on a FIFO without a reader";
  expect_system_error(stdin_batch, fifo, "No such device or address");

  // The library, in this process: safe now that the CLI did not hang.
  try {
    MetricsLog(fifo).append(installed(1));
    ADD_FAILURE() << "append to a FIFO without a reader succeeded";
  } catch (const IssueMetricEventError& e) {
    EXPECT_TRUE(contains(e.what(), fifo)) << e.what();
    EXPECT_TRUE(contains(e.what(), "No such device or address")) << e.what();
  }
  std::printf("FIFO without a reader: exit %d after %.3f s (flags), %.3f s (--stdin): %s",
              flags.exit_status, flags_seconds, batch_seconds, flags.err.c_str());
}

// Reads a FIFO until every writer has closed it. Opened before the writers
// start, and held open for writing too until close_writer_end(), so that the
// writers find a reader and the reader sees no end of file before they run.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path) {
    read_fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (read_fd_ < 0) throw std::runtime_error("cannot open the FIFO for reading");
    write_fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (write_fd_ < 0) throw std::runtime_error("cannot open the FIFO for writing");
    ::fcntl(read_fd_, F_SETFL, O_RDONLY);  // blocking from now on
    thread_ = std::thread([this] {
      char buffer[1 << 16];
      for (;;) {
        const ssize_t n = ::read(read_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        content_.append(buffer, static_cast<std::size_t>(n));
      }
    });
  }
  ~FifoReader() {
    close_writer_end();
    if (thread_.joinable()) thread_.join();
    ::close(read_fd_);
  }
  FifoReader(const FifoReader&) = delete;
  FifoReader& operator=(const FifoReader&) = delete;

  void close_writer_end() {
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
  }
  // Everything read, once all writers have closed the FIFO.
  const std::string& finish() {
    close_writer_end();
    thread_.join();
    return content_;
  }

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::thread thread_;
  std::string content_;
};

// Writer processes of tools/stress_writer.cpp's `cli` mode, all writing to
// a FIFO at once; returns what the reader got, checked line by line.
struct FifoRun {
  ReadBack read;
  Ledger ledger;
  std::string errors;
};

FifoRun run_cli_writers_into_fifo(int writers, long long events, long long singles,
                                  long long batch) {
  TempDir dir;
  const std::string fifo = dir / "metrics.fifo";
  if (::mkfifo(fifo.c_str(), 0644) != 0) throw std::runtime_error("mkfifo failed");
  FifoRun run;
  FifoReader reader(fifo);
  std::vector<std::unique_ptr<Child>> children;
  for (int w = 0; w < writers; ++w) {
    children.push_back(std::make_unique<Child>(
        std::vector<std::string>{RUNNER_METRICS_STRESS_WRITER, "cli", RUNNER_METRICS_CLI, fifo,
                                 std::to_string(w), std::to_string(events), std::to_string(singles),
                                 std::to_string(batch)},
        dir / fmt::format("writer-{}", w)));
    run.ledger.expect(w, 0, events);
  }
  for (auto& child : children) {
    if (child->wait(std::chrono::minutes(2)) != 0) run.errors += child->err();
  }
  run.read = read_back(reader.finish());
  for (const auto& line : run.read.lines) run.ledger.see(line.tag, /*in_order=*/true);
  return run;
}

TEST(StressFaults, FifoWithAReaderGetsEveryLineWholeFromConcurrentSingleEventCalls) {
  constexpr int kWriters = 4;
  const long long calls = scaled(100, 10);
  const FifoRun run = run_cli_writers_into_fifo(kWriters, calls, calls, 1);
  std::printf(
      "FIFO with a reader, %d processes x %lld single issue calls: %zu lines whole, %zu "
      "torn, %lld lost, %lld duplicate\n",
      kWriters, calls, run.read.lines.size(), run.read.torn, run.ledger.lost(),
      run.ledger.duplicates());
  EXPECT_EQ(run.errors, "");
  EXPECT_EQ(run.read.torn, 0u) << testing::PrintToString(run.read.examples);
  EXPECT_EQ(run.ledger.lost(), 0);
  EXPECT_EQ(run.ledger.duplicates(), 0);
  EXPECT_EQ(run.ledger.out_of_order(), 0);
}

// A pipe takes a write(2) of more than PIPE_BUF (4096) bytes in pieces, and
// pieces of concurrent writers interleave. A batch of many lines written as
// one write therefore tears lines in a FIFO that regular files never tear.
TEST(StressFaults, FifoWithAReaderGetsEveryLineWholeFromConcurrentStdinBatches) {
  constexpr int kWriters = 4;
  const long long events = 8000;  // not scaled: slower writers would overlap less
  const FifoRun run = run_cli_writers_into_fifo(kWriters, events, 0, 1000);
  std::printf(
      "FIFO with a reader, %d processes x %lld events in `issue --stdin` batches of 1000: "
      "%zu lines whole, %zu torn, %lld lost, %lld duplicate\n",
      kWriters, events, run.read.lines.size(), run.read.torn, run.ledger.lost(),
      run.ledger.duplicates());
  EXPECT_EQ(run.errors, "");
  EXPECT_EQ(run.read.torn, 0u)
      << "batches written to a FIFO in one write(2) of more than PIPE_BUF bytes interleave: "
      << testing::PrintToString(run.read.examples);
  EXPECT_EQ(run.ledger.lost(), 0);
  EXPECT_EQ(run.ledger.duplicates(), 0);
}

TEST(StressFaults, FifoWhoseReaderLeavesMidBatchExits1NamingThePath) {
  TempDir dir;
  const std::string fifo = dir / "metrics.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  // Held until the reader leaves, so the reader waits for the CLI's data
  // instead of seeing end of file before the CLI has opened the FIFO.
  const int keep_open = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(keep_open, 0);
  // 1 MiB of lines: more than the pipe holds, so the writer blocks until
  // the reader, having read a little, leaves.
  ProcessOptions batch;
  for (int i = 0; batch.stdin_data.size() < 1024 * 1024; ++i) {
    batch.stdin_data += to_line(installed(i));
  }
  std::thread leave([&] {
    ::fcntl(reader, F_SETFL, O_RDONLY);
    char buffer[4096];
    std::size_t got = 0;
    while (got < 8192) {
      const ssize_t n = ::read(reader, buffer, sizeof buffer);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    ::close(reader);
    ::close(keep_open);
  });
  const ProcessResult result = run_cli_within(20, {"issue", "--stdin", "--log", fifo}, batch);
  leave.join();
  ASSERT_NE(result.exit_status, -1) << "issue hung after the FIFO's reader left";
  EXPECT_EQ(result.exit_status, 1) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(contains(result.err, fifo)) << result.err;
  // format.md §4: the message names the OS error, here EPIPE.
  EXPECT_TRUE(contains(result.err, "Broken pipe")) << result.err;
  std::printf("FIFO whose reader left mid-batch: exit %d: %s", result.exit_status,
              result.err.c_str());
}

// ---------------------------------------------------------------------------
// A read-only file system

// A small tmpfs holding a log, remounted read-only.
class ReadOnlyMount : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=64k,mode=0755") != 0) {
      GTEST_SKIP() << "skipped: cannot mount a tmpfs on " << mount_point_ << " ("
                   << std::strerror(errno) << "); the read-only tests need CAP_SYS_ADMIN";
    }
    mounted_ = true;
    write_file(existing_, to_line(installed(0)));
    if (::mount(nullptr, mount_point_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      GTEST_SKIP() << "skipped: cannot remount " << mount_point_ << " read-only ("
                   << std::strerror(errno) << ")";
    }
  }
  void TearDown() override {
    if (mounted_ && ::umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << mount_point_ << ": " << std::strerror(errno);
    }
  }

  TempDir dir_;
  std::string mount_point_ = dir_ / "ro";
  std::string existing_ = mount_point_ + "/metrics.log";
  std::string missing_ = mount_point_ + "/new.log";
  bool mounted_ = false;
};

TEST_F(ReadOnlyMount, AppendToAnExistingLogExits1NamingThePathAndReadOnlyFileSystem) {
  const ProcessResult flags = run_cli(issue_installed(existing_, 1));
  expect_system_error(flags, existing_, "Read-only file system");
  ProcessOptions batch;
  batch.stdin_data = to_line(installed(2));
  const ProcessResult stdin_batch = run_cli({"issue", "--stdin", "--log", existing_}, batch);
  expect_system_error(stdin_batch, existing_, "Read-only file system");
  try {
    MetricsLog(existing_).append(installed(3));
    ADD_FAILURE() << "append on a read-only file system succeeded";
  } catch (const IssueMetricEventError& e) {
    EXPECT_TRUE(contains(e.what(), existing_)) << e.what();
    EXPECT_TRUE(contains(e.what(), "Read-only file system")) << e.what();
  }
  EXPECT_EQ(read_file(existing_), to_line(installed(0)));
  std::printf("read-only file system, existing log: exit %d: %s", flags.exit_status,
              flags.err.c_str());
}

TEST_F(ReadOnlyMount, MissingLogExits1NamingThePathAndReadOnlyFileSystemAndCreatesNothing) {
  const ProcessResult result = run_cli(issue_installed(missing_, 1));
  expect_system_error(result, missing_, "Read-only file system");
  EXPECT_FALSE(fs::exists(missing_));
  std::printf("read-only file system, missing log: exit %d: %s", result.exit_status,
              result.err.c_str());
}

}  // namespace
