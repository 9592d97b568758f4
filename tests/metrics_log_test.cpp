// SPDX-License-Identifier: Apache-2.0
// MetricsLog, the writer of format.md §4: exact lines, creation, errors that name
// the path, rotation, truncation, validation before writing, batches,
// concurrency and a full disk.
#include "runner_metrics/metrics_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "runner_metrics/errors.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using runner_metrics::AnyEvent;
using runner_metrics::CodeInformation;
using runner_metrics::EventParser;
using runner_metrics::IssueMetricEventError;
using runner_metrics::MAX_LINE_BYTES;
using runner_metrics::MetricsLog;
using runner_metrics::MetricsLogOptions;
using runner_metrics::Reconciliation;
using runner_metrics::RunnerInstalled;
using runner_metrics::RunnerStart;
using runner_metrics::RunnerStop;
using runner_metrics::to_line;
using runner_metrics::ValidationError;
using namespace runner_metrics::testing;

RunnerInstalled installed(int i, std::string flavor = "small") {
  return RunnerInstalled{
      .timestamp = 1700000000.0 + i, .flavor = std::move(flavor), .duration = i * 0.25};
}

RunnerStart start(int i, std::string workflow = "ci") {
  RunnerStart event{.timestamp = 1700000000.5 + i,
                    .flavor = "large",
                    .workflow = std::move(workflow),
                    .repo = "canonical/github-runner-operator",
                    .github_event = "push",
                    .idle = i * 1.5};
  if (i % 2 == 0) event.queue_duration = i * 0.125;
  return event;
}

RunnerStop stop(int i) {
  RunnerStop event{.timestamp = 1700000001.0 + i,
                   .flavor = "small",
                   .workflow = fmt::format("wf-{}", i),
                   .repo = "owner/name",
                   .github_event = "pull_request",
                   .status = i % 3 == 0 ? "abnormal" : "normal",
                   .job_duration = i * 2.0};
  if (i % 3 == 0) event.status_info = CodeInformation{.code = -9};
  return event;
}

Reconciliation reconciliation(int i) {
  return Reconciliation{.timestamp = 1700000002.0 + i,
                        .flavor = "medium",
                        .crashed_runners = i % 4,
                        .idle_runners = i % 7,
                        .duration = i * 0.5};
}

// A mix of the four types, `count` events long.
std::vector<AnyEvent> mixed_events(int count) {
  std::vector<AnyEvent> events;
  events.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    switch (i % 4) {
      case 0:
        events.emplace_back(installed(i));
        break;
      case 1:
        events.emplace_back(start(i));
        break;
      case 2:
        events.emplace_back(stop(i));
        break;
      default:
        events.emplace_back(reconciliation(i));
        break;
    }
  }
  return events;
}

std::string line_of(const AnyEvent& event) {
  return std::visit([](const auto& e) { return to_line(e); }, event);
}

std::string lines_of(const std::vector<AnyEvent>& events) {
  std::string lines;
  for (const AnyEvent& event : events) lines += line_of(event);
  return lines;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size() - 1;
    lines.push_back(text.substr(start, end + 1 - start));
    start = end + 1;
  }
  return lines;
}

// Sets the umask for one scope and restores the old one.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

mode_t permission_bits(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return static_cast<mode_t>(-1);
  return st.st_mode & 0777;
}

// ---------------------------------------------------------------------------
// Exact lines and creation

TEST(MetricsLog, AppendWritesExactlyTheEventsLineBytes) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  EXPECT_EQ(log.path(), fs::path(path));
  const RunnerInstalled event{.timestamp = 123, .flavor = "small", .duration = 456};
  log.append(event);
  EXPECT_EQ(read_file(path),
            "{\"timestamp\": 123.0, \"event\": \"runner_installed\", \"flavor\": \"small\", "
            "\"duration\": 456.0}\n");
  log.append(stop(3));
  EXPECT_EQ(read_file(path), to_line(event) + to_line(stop(3)));
}

TEST(MetricsLog, AppendGoesAfterWhatTheFileAlreadyHolds) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  write_file(path, "existing line\n");
  MetricsLog log(path);
  log.append(reconciliation(5));
  EXPECT_EQ(read_file(path), "existing line\n" + to_line(reconciliation(5)));
}

TEST(MetricsLog, CreatesAMissingFileWithMode0644UnderUmask022) {
  const ScopedUmask mask(022);
  TempDir dir;
  const std::string path = dir / "metrics.log";
  ASSERT_FALSE(fs::exists(path));
  MetricsLog log(path);
  log.append(installed(1));
  EXPECT_EQ(permission_bits(path), 0644u);
  EXPECT_EQ(read_file(path), to_line(installed(1)));
}

// ---------------------------------------------------------------------------
// Errors name the path and the OS error

TEST(MetricsLog, MissingDirectoryThrowsNamingPathAndErrorAndIsNotCreated) {
  TempDir dir;
  const std::string missing_dir = dir / "no-such-dir";
  const std::string path = missing_dir + "/metrics.log";
  MetricsLog log(path);
  try {
    log.append(installed(1));
    FAIL() << "append to a log in a missing directory succeeded";
  } catch (const IssueMetricEventError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(missing_dir));
}

TEST(MetricsLog, PathThatIsADirectoryThrowsNamingThePath) {
  TempDir dir;
  const std::string path = dir / "a-directory";
  fs::create_directory(path);
  MetricsLog log(path);
  try {
    log.append(installed(1));
    FAIL() << "append to a directory succeeded";
  } catch (const IssueMetricEventError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("Is a directory"), std::string::npos) << message;
  }
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_TRUE(fs::is_empty(path));
}

// ---------------------------------------------------------------------------
// Rotation and truncation

TEST(MetricsLog, ReopensAfterRenameSoTheNextLineGoesToTheNewFile) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  log.append(installed(1));
  fs::rename(path, path + ".1");
  log.append(installed(2));
  EXPECT_EQ(read_file(path + ".1"), to_line(installed(1)));
  EXPECT_EQ(read_file(path), to_line(installed(2)));
}

// After fork(2) parent and child share an inotify instance; a log used on
// both sides must not let one take the rename notice the other needs.
TEST(MetricsLog, AfterForkParentAndChildBothNoticeARename) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  log.append(installed(1));
  const pid_t child = ::fork();
  if (child == 0) {
    fs::rename(path, path + ".1");
    log.append(installed(2));  // the child reads the rename notice first
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  log.append(installed(3));
  EXPECT_EQ(read_file(path + ".1"), to_line(installed(1)));
  EXPECT_EQ(read_file(path), to_line(installed(2)) + to_line(installed(3)));
}

TEST(MetricsLog, ReopensAfterRenameAndCreateSoTheNextLineGoesToTheCreatedFile) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  log.append(installed(1));
  fs::rename(path, path + ".1");
  write_file(path, "");  // logrotate's `create`
  log.append(installed(2));
  log.append(installed(3));
  EXPECT_EQ(read_file(path + ".1"), to_line(installed(1)));
  EXPECT_EQ(read_file(path), to_line(installed(2)) + to_line(installed(3)));
}

TEST(MetricsLog, RecreatesTheFileAfterItWasDeletedHoldingOnlyTheNewLine) {
  const ScopedUmask mask(022);
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  log.append(installed(1));
  ASSERT_EQ(::unlink(path.c_str()), 0);
  log.append(installed(2));
  EXPECT_EQ(read_file(path), to_line(installed(2)));
  EXPECT_EQ(permission_bits(path), 0644u);
}

TEST(MetricsLog, AfterCopytruncateTheNextLineLandsAtOffsetZeroWithoutANulHole) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  log.append(installed(1));
  log.append(installed(2));
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  log.append(installed(3));
  const std::string content = read_file(path).value_or("<unreadable>");
  EXPECT_EQ(content, to_line(installed(3)));
  EXPECT_EQ(content.find('\0'), std::string::npos);
}

// ---------------------------------------------------------------------------
// Change notices: a thread that keeps appending learns of a rename or another
// writer's close from a SIGURG the kernel sends while the rename happens, not
// from a read(2) per append. Each test appends often enough first that the
// notices are directed at the appending thread.

constexpr int kPastTheStreak = 100;

// The lines `first`..`last` (inclusive) of installed(i).
std::string installed_lines(int first, int last) {
  std::string lines;
  for (int i = first; i <= last; ++i) lines += to_line(installed(i));
  return lines;
}

bool sigurg_is_handled() {
  struct sigaction current {};
  return ::sigaction(SIGURG, nullptr, &current) == 0 && current.sa_handler != SIG_DFL &&
         current.sa_handler != SIG_IGN;
}

TEST(ChangeNotices, ARenameIsSeenByTheNextAppendOfTheThreadThatKeepsAppending) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  for (int i = 1; i <= kPastTheStreak; ++i) log.append(installed(i));
  ASSERT_TRUE(sigurg_is_handled()) << "the notices were not started: this test would test nothing";
  for (int round = 1; round <= 3; ++round) {
    fs::rename(path, fmt::format("{}.{}", path, round));
    log.append(installed(kPastTheStreak + round));
  }
  EXPECT_EQ(read_file(path + ".1"), installed_lines(1, kPastTheStreak));
  EXPECT_EQ(read_file(path + ".2"), installed_lines(kPastTheStreak + 1, kPastTheStreak + 1));
  EXPECT_EQ(read_file(path + ".3"), installed_lines(kPastTheStreak + 2, kPastTheStreak + 2));
  EXPECT_EQ(read_file(path), installed_lines(kPastTheStreak + 3, kPastTheStreak + 3));
}

TEST(ChangeNotices, ARenameAndCreateByAnotherProcessIsSeenByTheNextAppend) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  for (int i = 1; i <= kPastTheStreak; ++i) log.append(installed(i));
  const pid_t child = ::fork();
  if (child == 0) {
    const bool done = ::rename(path.c_str(), (path + ".1").c_str()) == 0 &&
                      ::close(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644)) == 0;
    ::_exit(done ? 0 : 1);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // not cut short by the notice (SA_RESTART)
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  log.append(installed(kPastTheStreak + 1));
  EXPECT_EQ(read_file(path + ".1"), installed_lines(1, kPastTheStreak));
  EXPECT_EQ(read_file(path), installed_lines(kPastTheStreak + 1, kPastTheStreak + 1));
}

// The thread the notices are directed at sleeps on a condition variable
// while another thread renames the file; it must see the rename when it
// wakes.
TEST(ChangeNotices, ARenameWhileTheAppendingThreadWaitsIsSeenWhenItWakes) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  std::mutex mutex;
  std::condition_variable changed;
  int stage = 0;
  std::thread appender([&] {
    for (int i = 1; i <= kPastTheStreak; ++i) log.append(installed(i));
    std::unique_lock lock(mutex);
    stage = 1;
    changed.notify_all();
    changed.wait(lock, [&] { return stage == 2; });
    log.append(installed(kPastTheStreak + 1));
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return stage == 1; });
    fs::rename(path, path + ".1");
    stage = 2;
    changed.notify_all();
  }
  appender.join();
  EXPECT_EQ(read_file(path + ".1"), installed_lines(1, kPastTheStreak));
  EXPECT_EQ(read_file(path), installed_lines(kPastTheStreak + 1, kPastTheStreak + 1));
}

// The notices go to one thread; another thread appending right after a
// rename must not rely on them.
TEST(ChangeNotices, AnotherThreadsAppendRightAfterARenameGoesToTheNewFile) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  std::thread([&] {
    for (int i = 1; i <= kPastTheStreak; ++i) log.append(installed(i));
  }).join();
  fs::rename(path, path + ".1");
  log.append(installed(kPastTheStreak + 1));
  EXPECT_EQ(read_file(path + ".1"), installed_lines(1, kPastTheStreak));
  EXPECT_EQ(read_file(path), installed_lines(kPastTheStreak + 1, kPastTheStreak + 1));
}

TEST(ChangeNotices, AThreadThatBlocksSigurgSeesEveryRenameAtItsNextAppend) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path);
  std::thread([&] {
    sigset_t urgent;
    sigemptyset(&urgent);
    sigaddset(&urgent, SIGURG);
    ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &urgent, nullptr), 0);
    for (int i = 1; i <= kPastTheStreak; ++i) log.append(installed(i));
    for (int round = 1; round <= 3; ++round) {
      fs::rename(path, fmt::format("{}.{}", path, round));
      log.append(installed(kPastTheStreak + round));
    }
  }).join();
  EXPECT_EQ(read_file(path + ".1"), installed_lines(1, kPastTheStreak));
  EXPECT_EQ(read_file(path + ".3"), installed_lines(kPastTheStreak + 2, kPastTheStreak + 2));
  EXPECT_EQ(read_file(path), installed_lines(kPastTheStreak + 3, kPastTheStreak + 3));
}

std::atomic<int> program_sigurgs{0};

// A program that takes SIGURG over (its own handler, ignored, or the
// default) after the notices started: nothing is killed or lost; the appends
// until the writer's next audit (at most 64 appends or 100 ms) still go
// to the renamed file, and from then on every append reads the inotify
// instance, so the next renames are seen at once. Run in a child process:
// the dispositions are process-wide.
TEST(ChangeNotices, AProgramTakingSigurgOverLosesNoLineAndTheAuditFindsTheRename) {
  constexpr int kAfter = 100;  // more than the 64 appends between audits
  for (const std::string_view takeover : {"handler", "ignore", "default"}) {
    SCOPED_TRACE(takeover);
    TempDir dir;
    const std::string path = dir / "metrics.log";
    const pid_t child = ::fork();
    if (child == 0) {
      MetricsLog log(path);
      for (int i = 1; i <= kPastTheStreak; ++i) log.append(installed(i));
      if (takeover == "handler") {
        ::signal(SIGURG, [](int) { program_sigurgs.fetch_add(1); });
      } else {
        ::signal(SIGURG, takeover == "ignore" ? SIG_IGN : SIG_DFL);
      }
      fs::rename(path, path + ".1");
      for (int i = kPastTheStreak + 1; i <= kPastTheStreak + kAfter; ++i) log.append(installed(i));
      fs::rename(path, path + ".2");
      log.append(installed(kPastTheStreak + kAfter + 1));
      ::_exit(takeover != "handler" || program_sigurgs.load() > 0 ? 0 : 3);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    const std::string first = read_file(path + ".1").value_or("");
    const std::string second = read_file(path + ".2").value_or("");
    const auto lines = [](const std::string& text) {
      return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    };
    const int late = lines(first) - kPastTheStreak;  // appended to the renamed file
    EXPECT_GE(late, 0);
    EXPECT_LE(late, 64);
    EXPECT_EQ(first, installed_lines(1, kPastTheStreak + late));
    EXPECT_EQ(second, installed_lines(kPastTheStreak + late + 1, kPastTheStreak + kAfter));
    EXPECT_EQ(read_file(path),
              installed_lines(kPastTheStreak + kAfter + 1, kPastTheStreak + kAfter + 1));
  }
}

// ---------------------------------------------------------------------------
// Invalid events write nothing

struct InvalidCase {
  const char* name;
  std::string field;
  RunnerInstalled event;
};

std::vector<InvalidCase> invalid_cases() {
  return {
      {"negative duration", "duration",
       RunnerInstalled{.timestamp = 1, .flavor = "small", .duration = -0.5}},
      {"NaN timestamp", "timestamp",
       RunnerInstalled{.timestamp = std::numeric_limits<double>::quiet_NaN(),
                       .flavor = "small",
                       .duration = 1}},
      {"invalid UTF-8 flavor", "flavor",
       RunnerInstalled{.timestamp = 1,
                       .flavor = "sm\xff\xfe"
                                 "all",
                       .duration = 1}},
      {"2 MiB flavor", "flavor",
       RunnerInstalled{.timestamp = 1, .flavor = std::string(2 * 1024 * 1024, 'x'), .duration = 1}},
  };
}

TEST(MetricsLog, InvalidEventThrowsValidationErrorNamingTheFieldAndCreatesNoFile) {
  ASSERT_GT(2u * 1024 * 1024, MAX_LINE_BYTES);
  for (const InvalidCase& c : invalid_cases()) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const std::string path = dir / "metrics.log";
    MetricsLog log(path);
    try {
      log.append(c.event);
      ADD_FAILURE() << "invalid event was accepted";
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), c.field) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(path));
  }
}

TEST(MetricsLog, InvalidEventLeavesAnExistingFileUnchanged) {
  for (const InvalidCase& c : invalid_cases()) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const std::string path = dir / "metrics.log";
    MetricsLog log(path);
    log.append(installed(1));
    EXPECT_THROW(log.append(c.event), ValidationError);
    EXPECT_EQ(read_file(path), to_line(installed(1)));
  }
}

// ---------------------------------------------------------------------------
// Batches

TEST(MetricsLog, AppendAllOfAThousandMixedEventsWritesTheirExactConcatenation) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  const std::vector<AnyEvent> events = mixed_events(1000);
  MetricsLog log(path);
  log.append_all(events);
  const std::string expected = lines_of(events);
  EXPECT_EQ(read_file(path), expected);
  EXPECT_EQ(std::count(expected.begin(), expected.end(), '\n'), 1000);
}

TEST(MetricsLog, AppendAllOfOneEventTypeWritesTheirExactConcatenation) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  std::vector<RunnerStop> events;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    events.push_back(stop(i));
    expected += to_line(stop(i));
  }
  MetricsLog log(path);
  log.append_all(events);
  EXPECT_EQ(read_file(path), expected);
}

TEST(MetricsLog, AppendAllWithOneInvalidEventInTheMiddleWritesNothing) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  std::vector<AnyEvent> events = mixed_events(1000);
  events[500] = Reconciliation{
      .timestamp = 1, .flavor = "x", .crashed_runners = -1, .idle_runners = 0, .duration = 1};
  MetricsLog log(path);
  try {
    log.append_all(events);
    FAIL() << "a batch with an invalid event was written";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "crashed_runners") << e.what();
  }
  EXPECT_FALSE(fs::exists(path));

  // Also when the file exists: it keeps exactly what it held.
  log.append(installed(1));
  EXPECT_THROW(log.append_all(events), ValidationError);
  EXPECT_EQ(read_file(path), to_line(installed(1)));
}

TEST(MetricsLog, AppendAllOfABatchOver4MiBWritesEveryLineWhole) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  std::vector<RunnerStart> events;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    // Lengths vary so that line ends fall on no fixed boundary.
    events.push_back(start(
        i, fmt::format("{}-{}", i, std::string(300 + static_cast<std::size_t>(i % 257), 'w'))));
    expected += to_line(events.back());
  }
  ASSERT_GT(expected.size(), 8u * 1024 * 1024);
  MetricsLog log(path);
  log.append_all(events);
  const std::string content = read_file(path).value_or("");
  EXPECT_EQ(content.size(), expected.size());
  EXPECT_TRUE(content == expected) << "the file differs from the concatenated lines";
  const std::vector<std::string> lines = split_lines(content);
  ASSERT_EQ(lines.size(), 20000u);
  EventParser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view text(lines[i].data(), lines[i].size() - 1);
    ASSERT_EQ(lines[i].back(), '\n') << "line " << i;
    const AnyEvent parsed = parser.parse(text);
    ASSERT_EQ(line_of(parsed), lines[i]) << "line " << i;
    ASSERT_EQ(lines[i], to_line(events[i])) << "line " << i;
  }
}

// ---------------------------------------------------------------------------
// Concurrency

TEST(MetricsLog, ConcurrentWritersSharingOneLogAndOwningTheirOwnNeverTearOrLoseALine) {
  constexpr int kSharedWriters = 8;
  constexpr int kOwnWriters = 2;
  constexpr int kWriters = kSharedWriters + kOwnWriters;
  constexpr int kPerWriter = 5000;
  TempDir dir;
  const std::string path = dir / "metrics.log";

  auto event_of = [](int writer, int seq) {
    return RunnerStart{.timestamp = 1700000000.0 + seq,
                       .flavor = "small",
                       .workflow = fmt::format("writer-{}-seq-{}", writer, seq),
                       .repo = "owner/name",
                       .github_event = "push",
                       .idle = seq * 0.5};
  };
  std::unordered_map<std::string, std::pair<int, int>> expected;
  for (int writer = 0; writer < kWriters; ++writer) {
    for (int seq = 0; seq < kPerWriter; ++seq) {
      expected.emplace(to_line(event_of(writer, seq)), std::pair{writer, seq});
    }
  }
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kWriters * kPerWriter));

  {
    MetricsLog shared(path);
    std::vector<std::thread> threads;
    for (int writer = 0; writer < kWriters; ++writer) {
      threads.emplace_back([&, writer] {
        std::optional<MetricsLog> own;
        if (writer >= kSharedWriters) own.emplace(path);
        MetricsLog& log = own ? *own : shared;
        for (int seq = 0; seq < kPerWriter; ++seq) log.append(event_of(writer, seq));
      });
    }
    for (std::thread& thread : threads) thread.join();
  }

  const std::string content = read_file(path).value_or("");
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n');
  const std::vector<std::string> lines = split_lines(content);
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kWriters * kPerWriter));
  std::vector<int> next(static_cast<std::size_t>(kWriters),
                        0);  // each writer's lines appear in its order
  std::size_t unexpected = 0;
  for (const std::string& line : lines) {
    const auto found = expected.find(line);
    if (found == expected.end()) {
      if (++unexpected <= 5) ADD_FAILURE() << "unexpected line: " << line.substr(0, 200);
      continue;
    }
    const auto [writer, seq] = found->second;
    const auto w = static_cast<std::size_t>(writer);
    EXPECT_EQ(seq, next[w]) << "writer " << writer << " out of order or duplicated";
    next[w] = seq + 1;
  }
  EXPECT_EQ(unexpected, 0u);
  for (int writer = 0; writer < kWriters; ++writer) {
    EXPECT_EQ(next[static_cast<std::size_t>(writer)], kPerWriter)
        << "writer " << writer << " lost lines";
  }
}

// ---------------------------------------------------------------------------
// A full disk

TEST(MetricsLog, DevFullThrowsNamingThePathAndNoSpaceLeftOnDevice) {
  MetricsLog log("/dev/full");
  try {
    log.append(installed(1));
    FAIL() << "append to /dev/full succeeded";
  } catch (const IssueMetricEventError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("/dev/full"), std::string::npos) << message;
    EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  }
}

// A 64 KiB tmpfs mounted for one test, unmounted after it.
class TinyTmpfs : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_ / "mnt";
    fs::create_directory(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=64k") != 0) {
      const int error = errno;
      if (error == EPERM) {
        GTEST_SKIP() << "cannot mount a tmpfs (" << std::strerror(error)
                     << "): the disk-full test needs root with CAP_SYS_ADMIN";
      }
      FAIL() << "mount tmpfs on " << mount_point_ << ": " << std::strerror(error);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_ && ::umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << mount_point_ << ": " << std::strerror(errno);
    }
  }

  std::string log_path() const { return mount_point_ + "/metrics.log"; }

  // Appends events made by `make(i)` until the log throws; returns what the
  // file should hold (the lines of the appends that returned) and the error.
  template <class Make>
  std::pair<std::string, std::string> fill(MetricsLog& log, Make make) {
    std::string expected;
    for (int i = 0; i < 100000; ++i) {
      const auto event = make(i);
      try {
        log.append(event);
      } catch (const IssueMetricEventError& e) {
        return {expected, e.what()};
      }
      expected += to_line(event);
    }
    ADD_FAILURE() << "a 64 KiB tmpfs never filled up";
    return {expected, ""};
  }

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
};

TEST_F(TinyTmpfs, FullDiskThrowsNamingThePathAndLeavesOnlyWholeLines) {
  MetricsLog log(log_path());
  // Flavors of 40 to 48 characters: lines of nine lengths, so the write that
  // hits the full disk is cut inside a line, not at its end.
  const auto [expected, error] = fill(log, [](int i) {
    return installed(i, std::string(40 + static_cast<std::size_t>(i % 9), 'f'));
  });
  EXPECT_NE(error.find(log_path()), std::string::npos) << error;
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  ASSERT_GT(expected.size(), 0u);

  const std::string content = read_file(log_path()).value_or("<unreadable>");
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n') << "a torn line was left at the end of the file";
  EXPECT_TRUE(content == expected)
      << "file holds " << content.size() << " bytes, expected " << expected.size();
  for (const std::string& line : split_lines(content)) {
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line_of(EventParser().parse(std::string_view(line).substr(0, line.size() - 1))),
              line);
  }
}

TEST_F(TinyTmpfs, FullDiskWithTheTornLineStartingAtAPageBoundaryStillReportsNoSpace) {
  // Lines of exactly three 4 KiB pages: five fill 15 of the 16 pages, the
  // sixth starts on a fresh page and is cut after it.
  constexpr std::size_t kLine = 3 * 4096;
  const auto make = [](int i) {
    RunnerInstalled event = installed(i, "");
    const std::size_t overhead = to_line(event).size();
    event.flavor = std::string(kLine - overhead, 'p');
    return event;
  };
  ASSERT_EQ(to_line(make(0)).size(), kLine);
  ASSERT_EQ(to_line(make(9)).size(), kLine);
  MetricsLog log(log_path());
  const auto [expected, error] = fill(log, make);
  EXPECT_NE(error.find(log_path()), std::string::npos) << error;
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  const std::string content = read_file(log_path()).value_or("<unreadable>");
  EXPECT_EQ(content.size() % kLine, 0u) << "a torn line was left at the end of the file";
  EXPECT_TRUE(content == expected)
      << "file holds " << content.size() << " bytes, expected " << expected.size();
}

TEST_F(TinyTmpfs, FullDiskDuringABatchLeavesOnlyWholeLines) {
  std::vector<AnyEvent> events;
  for (int i = 0; i < 2000; ++i)
    events.emplace_back(installed(i, std::string(40 + static_cast<std::size_t>(i % 9), 'b')));
  MetricsLog log(log_path());
  try {
    log.append_all(events);
    FAIL() << "a batch larger than the file system was written";
  } catch (const IssueMetricEventError& e) {
    EXPECT_NE(std::string(e.what()).find(log_path()), std::string::npos) << e.what();
  }
  const std::string content = read_file(log_path()).value_or("<unreadable>");
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n') << "a torn line was left at the end of the file";
  const std::vector<std::string> lines = split_lines(content);
  ASSERT_LT(lines.size(), events.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i], line_of(events[i])) << "line " << i;
  }
}

// ---------------------------------------------------------------------------
// fsync

TEST(MetricsLog, FsyncOptionStillWritesExactLines) {
  TempDir dir;
  const std::string path = dir / "metrics.log";
  MetricsLog log(path, MetricsLogOptions{.fsync = true});
  log.append(installed(1));
  log.append(stop(3));
  const std::vector<AnyEvent> batch = mixed_events(10);
  log.append_all(batch);
  EXPECT_EQ(read_file(path), to_line(installed(1)) + to_line(stop(3)) + lines_of(batch));
}

}  // namespace
