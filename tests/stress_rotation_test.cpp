// SPDX-License-Identifier: Apache-2.0
// Issue 3, part 2: the real logrotate, forced again and again while writer
// processes append from several threads each. With rotated files kept, the
// files together hold every line once; with the production config (rotate
// 0) a writer loses at most the line it had in flight; with copytruncate the
// writers keep appending at the new end of the truncated file.
//
// Every line carries the number of rotations that had returned before its
// append began (the "epoch", see tools/stress_events.hpp), so a line found in
// a file that logrotate had already moved away when the append began is
// caught.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/logrotate.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "support/process.hpp"
#include "support/stress.hpp"

namespace {

namespace fs = std::filesystem;
using namespace runner_metrics::testing;
using namespace runner_metrics::testing::stress;

constexpr const char* kLogrotate = "/usr/sbin/logrotate";
constexpr int kWriterProcesses = 4;
constexpr int kThreads = 4;
constexpr int kWriterThreads = kWriterProcesses * kThreads;
// Each writer thread sleeps this long between appends: about 50,000 lines a
// second in all, enough that every rotation happens mid-stream.
constexpr long long kPauseUs = 300;

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error(fmt::format("no {:?} in the config", from));
  text.replace(at, from.size(), to);
  return text;
}

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Writer processes appending to a log in a fresh directory, and the real
// logrotate forced on it.
class RotationUnderLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kLogrotate)) GTEST_SKIP() << kLogrotate << " is not installed";
    fs::create_directory(dir_);
    fs::permissions(dir_, fs::perms(0755));  // logrotate refuses a world-writable log dir
    fs::create_directory(aside_);
    write_file(control_.string(), std::string(2 * sizeof(std::uint64_t), '\0'));
    const int fd = ::open(control_.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    void* mapped =
        ::mmap(nullptr, 2 * sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    ASSERT_NE(mapped, MAP_FAILED);
    words_ = static_cast<std::uint64_t*>(mapped);
  }

  void TearDown() override {
    if (words_ != nullptr) {
      std::atomic_ref<std::uint64_t>(words_[1]).store(1);
      writers_.clear();  // kills any writer still running
      ::munmap(words_, 2 * sizeof(std::uint64_t));
    }
  }

  void start_writers() {
    write_file(log_.string(), "");
    fs::permissions(log_, fs::perms(0644));
    for (int w = 0; w < kWriterProcesses; ++w) {
      writers_.push_back(std::make_unique<Child>(
          std::vector<std::string>{RUNNER_METRICS_STRESS_WRITER, "until-stopped", log_.string(),
                                   std::to_string(w), std::to_string(kThreads), control_.string(),
                                   std::to_string(kPauseUs)},
          (fs::path(tmp_.path()) / fmt::format("writer-{}", w)).string()));
    }
  }

  // Lets the writers run, and waits until the log holds a line again:
  // `notifempty` would skip an empty log.
  void let_writers_write() {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      struct stat st {};
      if (::stat(log_.c_str(), &st) == 0 && st.st_size > 0) return;
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("the writers wrote nothing for 20 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Runs `logrotate -f -s STATE CONFIG` and publishes the rotation's number
  // to the writers once it has returned.
  //
  // When a writer creates the log in the instant between logrotate's rename
  // and its `create` (an O_EXCL open), logrotate prints "error: destination
  // ... already exists, renaming to <log>-YYYYMMDDHH.backup", moves the
  // writer's file there and tries once more; if a writer has created the log
  // again by then, logrotate gives up and exits 1 (and with rotate 0 leaves
  // metrics.log.N behind). The .backup file is moved aside here, so that its
  // lines are still counted and the next one of the same hour does not
  // replace it; create_races() counts both.
  void force_rotation(int rotation) {
    const ProcessResult result =
        run_process({kLogrotate, "-f", "-s", state_.string(), config_.string()});
    if (result.exit_status != 0) {
      if (result.err.find("already exists, renaming to") == std::string::npos) {
        throw std::runtime_error(fmt::format("logrotate run {} exited {}: {}", rotation,
                                             result.exit_status, result.err));
      }
      failed_runs_.push_back(fmt::format("run {}: {}", rotation, result.err));
    }
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".backup")) {
        const fs::path aside = aside_ / fmt::format("{}-{}", rotation, name);
        fs::rename(entry.path(), aside);
        backups_.emplace_back(aside, rotation);
      }
    }
    std::atomic_ref<std::uint64_t>(words_[0]).store(static_cast<std::uint64_t>(rotation));
  }

  // Each time a writer created the log between logrotate's rename and its
  // `create` (see force_rotation). The writer's lines then sit in a .backup
  // file that no shipper following the log reads and that `rotate 0` never
  // removes; without the moving aside, a second race in the same hour would
  // replace the first file.
  std::size_t create_races() const { return backups_.size() + failed_runs_.size(); }
  std::string create_race_report() const {
    std::string text = fmt::format(
        "{} .backup files, {} failed logrotate runs: a writer created the log in the instant "
        "between logrotate's rename and its create, so logrotate moved the writer's file aside "
        "(MetricsLog creates a missing log at once, src/write/metrics_log.cpp reopen_if_rotated)\n",
        backups_.size(), failed_runs_.size());
    for (const auto& [path, rotation] : backups_) {
      text += fmt::format("  run {}: {} lines in {}\n", rotation,
                          read_back(read_file(path.string()).value_or("")).lines.size(),
                          path.filename().string());
    }
    for (const std::string& run : failed_runs_) text += "  " + run;
    return text;
  }

  // Stops the writers and records how many lines each thread wrote.
  // First waits (up to a minute) for a line written after the last
  // rotation was published: a test that checks the writers went on after it
  // must not depend on their being scheduled within a few milliseconds.
  void stop_writers(Ledger& ledger) {
    const auto last = static_cast<std::int64_t>(std::atomic_ref<std::uint64_t>(words_[0]).load());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto lines = read_back(read_file(log_.string()).value_or("")).lines;
      if (std::any_of(lines.begin(), lines.end(),
                      [&](const auto& line) { return line.tag.epoch == last; })) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::atomic_ref<std::uint64_t>(words_[1]).store(1);
    for (std::size_t w = 0; w < writers_.size(); ++w) {
      Child& child = *writers_[w];
      ASSERT_EQ(child.wait(std::chrono::minutes(1)), 0) << "writer " << w << ": " << child.err();
      std::istringstream out(child.out());
      int threads = 0;
      for (std::string line; std::getline(out, line);) {
        int writer = 0;
        int thread = 0;
        long long count = 0;
        if (std::sscanf(line.c_str(), "w%d-t%d %lld", &writer, &thread, &count) == 3) {
          ledger.expect(writer, thread, count);
          ++threads;
        }
      }
      ASSERT_EQ(threads, kThreads) << child.out();
    }
    writers_.clear();
  }

  // The name of the file that rotation `rotated_at` (1-based) moved away,
  // after `rotations` rotations keeping every file: metrics.log.1 is the
  // latest.
  fs::path rotated_file(int rotations, int rotated_at) const {
    return fs::path(log_.string() + "." + std::to_string(rotations - rotated_at + 1));
  }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  TempDir tmp_;
  fs::path dir_ = fs::path(tmp_.path()) / "log";
  fs::path aside_ = fs::path(tmp_.path()) / "backups";
  fs::path log_ = dir_ / "metrics.log";
  fs::path config_ = fs::path(tmp_.path()) / "logrotate.conf";
  fs::path state_ = fs::path(tmp_.path()) / "logrotate.state";
  fs::path control_ = fs::path(tmp_.path()) / "control";
  std::uint64_t* words_ = nullptr;
  std::vector<std::unique_ptr<Child>> writers_;
  std::vector<std::pair<fs::path, int>> backups_;  // moved-aside file, rotation that made it
  std::vector<std::string> failed_runs_;
};

// What was found in a set of files, checked against the epochs.
struct Findings {
  std::size_t lines = 0;
  std::size_t torn = 0;
  std::size_t nul_bytes = 0;
  std::size_t files_not_starting_with_a_line = 0;
  // Rotated files that end in part of a line (counted in torn too).
  std::size_t rotated_files_ending_in_part_of_a_line = 0;
  // Lines whose append began after the rotation that moved their file away
  // had returned.
  std::size_t after_rotation = 0;
  std::vector<std::string> examples;

  // `newest_epoch`: the last rotation whose lines may be in the file; -1
  // for the file still at the path.
  void add(const std::string& name, const std::string& content, Ledger& ledger,
           std::int64_t newest_epoch, std::size_t cut = std::string::npos,
           std::map<std::pair<int, int>, int>* lost_per_thread = nullptr) {
    const ReadBack read = read_back(content);
    lines += read.lines.size();
    torn += read.torn;
    if (newest_epoch >= 0) rotated_files_ending_in_part_of_a_line += read.unterminated_tail;
    nul_bytes += read.nul_bytes;
    if (!content.empty() && content.front() != '{') ++files_not_starting_with_a_line;
    for (const std::string& example : read.examples) examples.push_back(name + " " + example);
    for (const auto& line : read.lines) {
      ledger.see(line.tag);
      if (newest_epoch >= 0 && line.tag.epoch > newest_epoch) {
        ++after_rotation;
        if (examples.size() < 10) {
          examples.push_back(fmt::format("{}: {} was appended after rotation {} had returned", name,
                                         runner_metrics::stress::format_tag(line.tag),
                                         newest_epoch + 1));
        }
      }
      if (lost_per_thread != nullptr && line.offset >= cut) {
        ++(*lost_per_thread)[{line.tag.writer, line.tag.thread}];
      }
    }
  }
};

TEST_F(RotationUnderLoad, FiftyForcedRotationsKeepingEveryFileLoseTearAndDuplicateNothing) {
  constexpr int kRotations = 50;
  write_file(config_.string(),
             replaced(runner_metrics::logrotate_config(log_), "rotate 0", "rotate 1000"));
  const auto start = std::chrono::steady_clock::now();
  start_writers();
  for (int r = 1; r <= kRotations; ++r) {
    let_writers_write();
    const ino_t before = inode_of(log_);
    force_rotation(r);
    ASSERT_NE(inode_of(log_), before) << "run " << r << " did not rotate";
  }
  Ledger ledger;
  stop_writers(ledger);
  const double seconds = seconds_since(start);

  Findings found;
  std::vector<std::string> expected_names{"metrics.log"};
  found.add("metrics.log", read_file(log_.string()).value_or(""), ledger, -1);
  for (int r = 1; r <= kRotations; ++r) {
    const fs::path file = rotated_file(kRotations, r);
    expected_names.push_back(file.filename().string());
    found.add(file.filename().string(), read_file(file.string()).value_or(""), ledger, r - 1);
  }
  std::size_t backup_lines = 0;
  for (const auto& [path, r] : backups_) {
    const std::size_t before = found.lines;
    found.add(path.filename().string(), read_file(path.string()).value_or(""), ledger, r - 1);
    backup_lines += found.lines - before;
  }
  std::sort(expected_names.begin(), expected_names.end());

  std::printf(
      "%d writer threads in %d processes, %d forced rotations (rotate 1000): %lld lines written, "
      "%zu found in %zu files + %zu .backup files (%zu lines), %zu torn, %lld lost, %lld "
      "duplicate, %zu appended to a moved file after logrotate returned, %zu logrotate runs "
      "failed because a writer created the log before logrotate's create; %.1f s, scale 1/%lld\n",
      kWriterThreads, kWriterProcesses, kRotations, ledger.expected(), found.lines,
      expected_names.size(), backups_.size(), backup_lines, found.torn, ledger.lost(),
      ledger.duplicates(), found.after_rotation, failed_runs_.size(), seconds, scale_divisor());
  RecordProperty("lines", std::to_string(found.lines));
  RecordProperty("rotations", kRotations);

  EXPECT_EQ(entries(), expected_names);
  EXPECT_GT(ledger.expected(), kRotations * kWriterThreads);
  // Create races (see force_rotation) are only counted here; the
  // production-config test below, where they happen most, fails on them.
  // Here the union, .backup files included, must still hold every line once.
  EXPECT_EQ(found.torn, 0u) << testing::PrintToString(found.examples);
  EXPECT_EQ(found.nul_bytes, 0u);
  EXPECT_EQ(ledger.lost(), 0) << ledger.lost_examples() << "\n" << create_race_report();
  EXPECT_EQ(ledger.duplicates(), 0);
  EXPECT_EQ(ledger.unexpected(), 0);
  EXPECT_EQ(found.after_rotation, 0u) << testing::PrintToString(found.examples);
}

// Watches files for logrotate moving or deleting them, and notes each file's
// size at that moment: what a shipper following the path could have read.
class MoveWatcher {
 public:
  MoveWatcher() : fd_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {
    if (fd_ < 0) throw std::runtime_error("inotify_init1 failed");
    thread_ = std::thread([this] { run(); });
  }
  ~MoveWatcher() {
    stop_.store(true);
    thread_.join();
    ::close(fd_);
  }
  MoveWatcher(const MoveWatcher&) = delete;
  MoveWatcher& operator=(const MoveWatcher&) = delete;

  // Watches the file open as `file_fd` at `path`; returns its index.
  std::size_t watch(const fs::path& path, int file_fd) {
    std::lock_guard lock(mutex_);
    const int wd = ::inotify_add_watch(fd_, path.c_str(), IN_MOVE_SELF | IN_ATTRIB);
    if (wd < 0) throw std::runtime_error("inotify_add_watch failed");
    files_.push_back(File{.fd = file_fd, .size_when_moved = -1});
    index_of_[wd] = files_.size() - 1;
    return files_.size() - 1;
  }

  // The file's size when it was first seen moved or unlinked, or -1.
  off_t size_when_moved(std::size_t index) {
    std::lock_guard lock(mutex_);
    return files_[index].size_when_moved;
  }

 private:
  struct File {
    int fd;
    off_t size_when_moved;
  };

  void run() {
    alignas(inotify_event) char buffer[4096];
    while (!stop_.load()) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      for (ssize_t at = 0; at < n;) {
        inotify_event event{};
        std::memcpy(&event, buffer + at, sizeof event);
        at += static_cast<ssize_t>(sizeof event + event.len);
        std::lock_guard lock(mutex_);
        const auto found = index_of_.find(event.wd);
        if (found == index_of_.end()) continue;
        File& file = files_[found->second];
        struct stat st {};
        if (file.size_when_moved < 0 && ::fstat(file.fd, &st) == 0 &&
            ((event.mask & IN_MOVE_SELF) != 0 || st.st_nlink == 0)) {
          file.size_when_moved = st.st_size;
        }
      }
    }
  }

  int fd_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<File> files_;
  std::map<int, std::size_t> index_of_;
  std::thread thread_;
};

std::string content_of(int fd) {
  std::string content;
  char buffer[1 << 16];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
    if (n <= 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
  return content;
}

TEST_F(RotationUnderLoad,
       FiftyRotationsWithTheProductionConfigTearNothingAndLoseOnlyLinesInFlight) {
  constexpr int kRotations = 50;
  write_file(config_.string(), runner_metrics::logrotate_config(log_));  // rotate 0
  const auto start = std::chrono::steady_clock::now();
  start_writers();

  // Each generation of the log is held open from when it appears at the
  // path, so that what logrotate deletes can still be read and counted.
  struct Generation {
    int fd;
    std::size_t watch;
    off_t size_when_rotation_returned = -1;
  };
  std::vector<Generation> generations;
  MoveWatcher watcher;
  const auto open_generation = [&] {
    const int fd = ::open(log_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open the log");
    generations.push_back(Generation{.fd = fd, .watch = watcher.watch(log_, fd)});
  };
  open_generation();
  for (int r = 1; r <= kRotations; ++r) {
    let_writers_write();
    const ino_t before = inode_of(log_);
    force_rotation(r);
    struct stat st {};
    ASSERT_EQ(::fstat(generations.back().fd, &st), 0);
    generations.back().size_when_rotation_returned = st.st_size;
    ASSERT_NE(inode_of(log_), before) << "run " << r << " did not rotate";
    open_generation();
  }
  Ledger ledger;
  stop_writers(ledger);
  const double seconds = seconds_since(start);

  // Lines appended to a generation after logrotate moved it away are the
  // ones a shipper following the path never sees.
  Findings found;
  std::map<std::pair<int, int>, int> lost_total;
  int most_lost_in_one_rotation = 0;
  int moves_seen = 0;
  for (std::size_t g = 0; g < generations.size(); ++g) {
    const bool rotated = g + 1 < generations.size();
    off_t cut = watcher.size_when_moved(generations[g].watch);
    if (cut >= 0) ++moves_seen;
    if (cut < 0 || (rotated && cut > generations[g].size_when_rotation_returned)) {
      cut = generations[g].size_when_rotation_returned;
    }
    std::map<std::pair<int, int>, int> lost;
    found.add(fmt::format("generation {}", g), content_of(generations[g].fd), ledger,
              rotated ? static_cast<std::int64_t>(g) : -1,
              rotated ? static_cast<std::size_t>(cut) : std::string::npos, &lost);
    for (const auto& [writer, count] : lost) {
      lost_total[writer] += count;
      most_lost_in_one_rotation = std::max(most_lost_in_one_rotation, count);
    }
    ::close(generations[g].fd);
  }
  long long lost = 0;
  for (const auto& [writer, count] : lost_total) lost += count;
  std::size_t backup_lines = 0;
  for (const auto& [path, r] : backups_) {
    const std::size_t before = found.lines;
    found.add(path.filename().string(), read_file(path.string()).value_or(""), ledger, r - 1);
    backup_lines += found.lines - before;
  }

  std::printf(
      "%d writer threads in %d processes, %d forced rotations (production config, rotate 0): "
      "%lld lines written; %zu torn; %lld lost in flight (appended to a file after logrotate "
      "moved it away; most from one writer thread in one rotation: %d; bound %d = rotations x "
      "writer threads); %zu appended to a moved file after logrotate returned; %zu create races "
      "(%zu lines stranded in .backup files, %zu failed logrotate runs); with every generation "
      "held open: %lld lines missing, %lld duplicate; %d of %d moves seen by inotify; %.1f s, "
      "scale 1/%lld\n",
      kWriterThreads, kWriterProcesses, kRotations, ledger.expected(), found.torn, lost,
      most_lost_in_one_rotation, kRotations * kWriterThreads, found.after_rotation, create_races(),
      backup_lines, failed_runs_.size(), ledger.lost(), ledger.duplicates(), moves_seen, kRotations,
      seconds, scale_divisor());
  RecordProperty("lines", std::to_string(ledger.expected()));
  RecordProperty("lost", std::to_string(lost));

  EXPECT_EQ(entries(), std::vector<std::string>{"metrics.log"});
  EXPECT_GT(ledger.expected(), kRotations * kWriterThreads);
  EXPECT_EQ(create_races(), 0u) << create_race_report();
  EXPECT_EQ(found.torn, 0u) << testing::PrintToString(found.examples);
  EXPECT_EQ(found.nul_bytes, 0u);
  EXPECT_LE(lost, kRotations * kWriterThreads);
  EXPECT_LE(most_lost_in_one_rotation, 1) << "a writer thread kept appending to a moved file";
  EXPECT_EQ(found.after_rotation, 0u) << testing::PrintToString(found.examples);
  EXPECT_EQ(ledger.lost(), 0) << ledger.lost_examples() << "\n" << create_race_report();
  EXPECT_EQ(ledger.duplicates(), 0);
  EXPECT_EQ(ledger.unexpected(), 0);
}

TEST_F(RotationUnderLoad, TwentyCopytruncateRotationsTearNothingAndLeaveNoNulHole) {
  constexpr int kRotations = 20;
  write_file(config_.string(),
             replaced(replaced(runner_metrics::logrotate_config(log_), "rotate 0", "rotate 1000"),
                      "    create\n", "    create\n    copytruncate\n"));
  const auto start = std::chrono::steady_clock::now();
  start_writers();
  const ino_t inode = inode_of(log_);
  for (int r = 1; r <= kRotations; ++r) {
    let_writers_write();
    force_rotation(r);
    ASSERT_TRUE(fs::exists(log_.string() + "." + std::to_string(r))) << "run " << r;
    ASSERT_EQ(inode_of(log_), inode) << "copytruncate replaced the file";
  }
  Ledger ledger;
  stop_writers(ledger);
  const double seconds = seconds_since(start);

  Findings found;
  const std::string current = read_file(log_.string()).value_or("");
  found.add("metrics.log", current, ledger, -1);
  std::size_t after_last_rotation = 0;
  for (const auto& line : read_back(current).lines) {
    if (line.tag.epoch == kRotations) ++after_last_rotation;
  }
  for (int r = 1; r <= kRotations; ++r) {
    const fs::path file = rotated_file(kRotations, r);
    found.add(file.filename().string(), read_file(file.string()).value_or(""), ledger, r - 1);
  }

  std::printf(
      "%d writer threads in %d processes, %d copytruncate rotations: %lld lines written, %zu "
      "found in %d files, %zu torn (%zu of them a copy's unfinished last line), %zu NUL bytes, "
      "%zu files not starting with a whole line, "
      "%lld duplicate, %lld lost (appended after logrotate's last read of the file and before its "
      "truncate, with an fsync of the copy in between: copytruncate's documented window), %zu "
      "appended after the last rotation; %.1f s, scale 1/%lld\n",
      kWriterThreads, kWriterProcesses, kRotations, ledger.expected(), found.lines, kRotations + 1,
      found.torn, found.rotated_files_ending_in_part_of_a_line, found.nul_bytes,
      found.files_not_starting_with_a_line, ledger.duplicates(), ledger.lost(), after_last_rotation,
      seconds, scale_divisor());
  RecordProperty("lines", std::to_string(found.lines));
  RecordProperty("lost", std::to_string(ledger.lost()));

  EXPECT_EQ(create_races(), 0u) << create_race_report();
  // A copy may end in the first part of a line: logrotate's read raced an
  // append that crossed a page, and Linux lets a read see such a write's
  // first page before its second (CI saw it once in 20 rotations under
  // ASan). The whole line was in the file, which logrotate then truncated:
  // copytruncate's window again. Any other torn line is a torn write.
  EXPECT_LE(found.rotated_files_ending_in_part_of_a_line, static_cast<std::size_t>(kRotations));
  EXPECT_EQ(found.torn - found.rotated_files_ending_in_part_of_a_line, 0u)
      << testing::PrintToString(found.examples);
  EXPECT_EQ(found.nul_bytes, 0u);
  EXPECT_EQ(found.files_not_starting_with_a_line, 0u);
  EXPECT_EQ(ledger.duplicates(), 0);
  EXPECT_EQ(ledger.unexpected(), 0);
  EXPECT_EQ(found.after_rotation, 0u) << testing::PrintToString(found.examples);
  EXPECT_GT(after_last_rotation, 0u) << "the writers stopped appending after the last truncate";
}

// logrotate's `create` step opens the new log with O_EXCL (logrotate 3.21,
// createOutputFile), so that it never takes over a file someone else made.
// An append that lands between logrotate's rename and that open must leave
// the create to logrotate: otherwise logrotate fails, moves the writer's new
// file to <log>-YYYYMMDDHH.backup (where no shipper reads it, and `rotate 0`
// never removes it) and, on a second race in the same hour, replaces the
// previous .backup file with it. The stress tests above hit this window
// several times per 50 rotations; here it is held open for 20 ms.
TEST(LogrotateCreateRace, AnAppendBetweenLogrotatesRenameAndItsCreateLeavesTheCreateToLogrotate) {
  using runner_metrics::RunnerInstalled;
  const auto line = [](int i) {
    return RunnerInstalled{.timestamp = 1700000000.0 + i, .flavor = "small", .duration = 1};
  };
  TempDir dir;
  const std::string path = dir / "metrics.log";
  runner_metrics::MetricsLog log(path);
  log.append(line(0));

  ASSERT_EQ(::rename(path.c_str(), (path + ".1").c_str()), 0);  // logrotate's rename
  int create_fd = -1;
  int create_error = 0;
  std::thread logrotate([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    create_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    create_error = errno;
  });
  log.append(line(1));  // within the 20 ms
  logrotate.join();
  EXPECT_GE(create_fd, 0) << "logrotate's create failed (" << std::strerror(create_error)
                          << "): the append in between created " << path << " first";
  if (create_fd >= 0) ::close(create_fd);
  log.append(line(2));

  // Each line once: line 1 in the renamed file or the new one, line 2 in
  // logrotate's new file.
  const std::string rotated = read_file(path + ".1").value_or("");
  const std::string current = read_file(path).value_or("");
  const std::string l0 = runner_metrics::to_line(line(0));
  const std::string l1 = runner_metrics::to_line(line(1));
  const std::string l2 = runner_metrics::to_line(line(2));
  EXPECT_TRUE(rotated + current == l0 + l1 + l2 || (rotated == l0 && current == l1 + l2))
      << path << ".1:\n"
      << rotated << path << ":\n"
      << current;
}

}  // namespace
