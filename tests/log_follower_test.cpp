// SPDX-License-Identifier: Apache-2.0
// log_follower.hpp: the whole file, then appends, each whole line once,
// across renames (create), truncation (copytruncate) and absence.
#include "runner_metrics/log_follower.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::wait_until;

struct Seen {
  std::string text;
  ParsedLine::Kind kind;
  std::string problem;
  std::uint64_t number;
  std::uint64_t offset;
};

// How a Collector takes lines: next() for each, or next() and then the
// lines already read through next_read(), as serve does under its lock.
enum class Taking { OneByOne, Batched };

// A follower on its own thread, recording every line it hands out.
class Collector {
 public:
  explicit Collector(const std::string& path, FollowOptions options = {},
                     Taking taking = Taking::OneByOne)
      : follower_(path, with_counters(std::move(options))), thread_([this, taking] {
          while (const LogLine* line = follower_.next()) {
            std::lock_guard lock(mutex_);
            do {
              seen_.push_back(Seen{std::string(line->text), line->parsed->kind,
                                   line->parsed->problem, line->number, line->offset});
            } while (taking == Taking::Batched && (line = follower_.next_read()) != nullptr);
          }
        }) {}

  ~Collector() {
    follower_.stop();
    thread_.join();
  }

  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<std::string> texts() {
    std::vector<std::string> out;
    for (const Seen& s : seen()) out.push_back(s.text);
    return out;
  }
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = 10s) {
    return wait_until([&] { return seen().size() >= count; }, timeout);
  }
  int replaced() const { return replaced_; }
  int truncated() const { return truncated_; }

 private:
  FollowOptions with_counters(FollowOptions options) {
    options.on_reopen = [this](LogReopen reason) {
      ++(reason == LogReopen::Replaced ? replaced_ : truncated_);
    };
    return options;
  }

  std::atomic<int> replaced_{0};
  std::atomic<int> truncated_{0};
  std::mutex mutex_;
  std::vector<Seen> seen_;
  LogFollower follower_;
  std::thread thread_;
};

void append(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

std::string event(int i) {
  std::string line = to_line(RunnerInstalled{
      .timestamp = static_cast<double>(i), .flavor = "f", .duration = static_cast<double>(i)});
  return line;
}

std::string events(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += event(i);
  return out;
}

std::string text_of(int i) {
  std::string line = event(i);
  line.pop_back();
  return line;
}

std::vector<std::string> texts_of(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(text_of(i));
  return out;
}

// Whether this process has `path` open (the follower runs in it).
bool open_here(const std::filesystem::path& path) {
  const std::filesystem::path file = std::filesystem::canonical(path);
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    if (std::filesystem::read_symlink(fd.path(), error) == file) return true;
  }
  return false;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(LogFollower, ReadsTheWholeFileThenEachAppendedLine) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 3));
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(3));
  append(log, events(3, 5));
  ASSERT_TRUE(collector.wait_for(5));
  EXPECT_EQ(collector.texts(), texts_of(0, 5));
  const auto seen = collector.seen();
  EXPECT_EQ(seen[4].number, 5u);
  EXPECT_EQ(seen[1].offset, event(0).size());
  for (const Seen& s : seen) EXPECT_EQ(s.kind, ParsedLine::Kind::Event);
}

TEST(LogFollower, NextReadHandsOutOnlyTheLinesAlreadyReadAndNeverWaits) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 3) + text_of(3));  // the fourth line not ended yet
  LogFollower follower(log);
  // If next() or next_read() ever waited here, stop() makes them return.
  const std::jthread watchdog([&](const std::stop_token& token) {
    for (int i = 0; i < 100 && !token.stop_requested(); ++i) std::this_thread::sleep_for(100ms);
    if (!token.stop_requested()) follower.stop();
  });
  EXPECT_EQ(follower.next_read(), nullptr);  // nothing read yet
  const LogLine* line = follower.next();
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->text, text_of(0));
  for (int i = 1; i < 3; ++i) {
    line = follower.next_read();
    ASSERT_NE(line, nullptr);
    EXPECT_EQ(line->text, text_of(i));
    EXPECT_EQ(line->number, static_cast<std::uint64_t>(i + 1));
    EXPECT_EQ(line->parsed->kind, ParsedLine::Kind::Event);
  }
  EXPECT_EQ(follower.next_read(), nullptr);  // the unended line is held
  append(log, "\n" + events(4, 6));
  EXPECT_EQ(follower.next_read(), nullptr);  // it does not read the file
  line = follower.next();
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->text, text_of(3));
  for (int i = 4; i < 6; ++i) {
    line = follower.next_read();
    ASSERT_NE(line, nullptr);
    EXPECT_EQ(line->text, text_of(i));
  }
  EXPECT_EQ(follower.next_read(), nullptr);
  follower.stop();
  EXPECT_EQ(follower.next_read(), nullptr);
  EXPECT_EQ(follower.next(), nullptr);
}

TEST(LogFollower, BatchedTakingSeesEveryLineOnceAcrossCreateRotationAndCopytruncate) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 3000));  // more than one read's worth
  // The grace outlasts any stall of this thread between the rename and the
  // old file's last lines.
  Collector collector(log, FollowOptions{.replaced_grace = 2s}, Taking::Batched);
  ASSERT_TRUE(collector.wait_for(3000));
  ASSERT_EQ(std::rename(log.c_str(), (dir / "metrics.log.1").c_str()), 0);
  append(dir / "metrics.log.1", events(3000, 3500));  // a writer that had the old file open
  append(log, events(3500, 6000));
  ASSERT_TRUE(collector.wait_for(6000));
  ASSERT_TRUE(wait_until([&] { return collector.replaced() == 1; }, 10s));
  // Past the grace period, the old file is closed.
  ASSERT_TRUE(wait_until([&] { return !open_here(dir / "metrics.log.1"); }, 20s));
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  ASSERT_TRUE(wait_until([&] { return collector.truncated() == 1; }, 10s));
  append(log, events(6000, 8000));
  ASSERT_TRUE(collector.wait_for(8000));
  std::this_thread::sleep_for(200ms);
  const std::vector<std::string> texts = collector.texts();
  EXPECT_EQ(sorted(texts), sorted(texts_of(0, 8000)));
  // Each file's lines in file order: the old file's before the new one's.
  EXPECT_EQ(std::vector<std::string>(texts.begin(), texts.begin() + 3500), texts_of(0, 3500));
  EXPECT_EQ(std::vector<std::string>(texts.begin() + 3500, texts.end()), texts_of(3500, 8000));
}

TEST(LogFollower, HoldsAHalfWrittenLineUntilItsNewline) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const std::string line = event(7);
  append(log, events(0, 1) + line.substr(0, 20));
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(1));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(collector.seen().size(), 1u);
  append(log, line.substr(20));
  ASSERT_TRUE(collector.wait_for(2));
  const auto seen = collector.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].text, text_of(7));
  EXPECT_EQ(seen[1].kind, ParsedLine::Kind::Event);
  EXPECT_EQ(seen[1].offset, event(0).size());
}

TEST(LogFollower, ReportsALineOverTheLimitAsInvalidAtOnceAndSkipsToItsEnd) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  Collector collector(log, FollowOptions{.max_line_bytes = 1000});
  append(log, std::string(600, 'x'));
  std::this_thread::sleep_for(200ms);
  append(log, std::string(600, 'x'));  // over the limit, and no "\n" yet
  ASSERT_TRUE(collector.wait_for(1));
  append(log, std::string(3 * 1024 * 1024, 'y'));
  append(log, "\n" + events(0, 1) + std::string(1000, 'z') + "\n" + events(1, 2));
  ASSERT_TRUE(collector.wait_for(4));
  std::this_thread::sleep_for(100ms);
  const auto seen = collector.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].kind, ParsedLine::Kind::Invalid);
  EXPECT_EQ(seen[0].problem, "line is longer than 1000 bytes");
  EXPECT_EQ(seen[0].offset, 0u);
  EXPECT_EQ(seen[1].text, text_of(0));
  EXPECT_EQ(seen[2].kind, ParsedLine::Kind::Invalid);  // 1000 bytes and its "\n": 1001
  EXPECT_EQ(seen[3].text, text_of(1));
}

TEST(LogFollower, StripsACarriageReturnAndCountsAnEmptyLineAsInvalid) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, text_of(0) + "\r\n\n{\"timestamp\": 1, \"event\": \"runner_resized\"}\n");
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(3));
  const auto seen = collector.seen();
  EXPECT_EQ(seen[0].text, text_of(0));
  EXPECT_EQ(seen[0].kind, ParsedLine::Kind::Event);
  EXPECT_EQ(seen[1].kind, ParsedLine::Kind::Invalid);
  EXPECT_EQ(seen[1].problem, "line is empty");
  EXPECT_EQ(seen[2].kind, ParsedLine::Kind::Other);
}

TEST(LogFollower, ReadsTheRenamedFileToItsEndThenTheNewOneAfterCreateRotation) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 3));
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(3));
  ASSERT_EQ(std::rename(log.c_str(), (dir / "metrics.log.1").c_str()), 0);
  append(dir / "metrics.log.1", events(3, 5));  // a writer that had the old file open
  append(log, events(5, 8));
  ASSERT_TRUE(collector.wait_for(8));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sorted(collector.texts()), sorted(texts_of(0, 8)));
  EXPECT_EQ(collector.replaced(), 1);
  EXPECT_EQ(collector.truncated(), 0);
}

TEST(LogFollower, ReadsLinesAppendedToTheReplacedFileDuringTheGracePeriod) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 1));
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(1));
  ASSERT_EQ(std::rename(log.c_str(), (dir / "old").c_str()), 0);
  append(log, events(1, 2));
  ASSERT_TRUE(collector.wait_for(2));
  append(dir / "old", events(2, 3));  // after the switch, within the grace period
  ASSERT_TRUE(collector.wait_for(3));
  EXPECT_EQ(sorted(collector.texts()), sorted(texts_of(0, 3)));
}

TEST(LogFollower, TakesTheUnfinishedLastLineOfAReplacedFileWhenItIsDoneWith) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, text_of(0));  // no "\n"
  Collector collector(log, FollowOptions{.replaced_grace = 100ms});
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(collector.seen().empty());
  ASSERT_EQ(std::rename(log.c_str(), (dir / "old").c_str()), 0);
  append(log, events(1, 2));
  ASSERT_TRUE(collector.wait_for(2));
  EXPECT_EQ(sorted(collector.texts()), sorted(texts_of(0, 2)));
  for (const Seen& s : collector.seen()) EXPECT_EQ(s.kind, ParsedLine::Kind::Event);
}

TEST(LogFollower, StartsAgainAtTheBeginningAfterCopytruncate) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 3));
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(3));
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  ASSERT_TRUE(wait_until([&] { return collector.truncated() == 1; }, 10s));
  append(log, events(3, 5));
  ASSERT_TRUE(collector.wait_for(5));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(collector.texts(), texts_of(0, 5));
  EXPECT_EQ(collector.replaced(), 0);
}

TEST(LogFollower, NoticesATruncatedFileThatGrewPastWhereItWasRead) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 2));
  Collector collector(log);
  ASSERT_TRUE(collector.wait_for(2));
  // Truncate and rewrite longer in one go, as a writer racing copytruncate
  // might, before the follower looks.
  const std::string rewritten = events(100, 110);
  const int fd = ::open(log.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, rewritten.data(), rewritten.size()),
            static_cast<ssize_t>(rewritten.size()));
  ::close(fd);
  ASSERT_TRUE(collector.wait_for(12));
  std::this_thread::sleep_for(200ms);
  std::vector<std::string> expected = texts_of(0, 2);
  for (const std::string& t : texts_of(100, 110)) expected.push_back(t);
  EXPECT_EQ(collector.texts(), expected);
}

TEST(LogFollower, WaitsForAnAbsentFileAndReadsItOnceCreated) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  Collector collector(log);
  std::this_thread::sleep_for(200ms);
  append(log, events(0, 2));
  ASSERT_TRUE(collector.wait_for(2));
  EXPECT_EQ(collector.texts(), texts_of(0, 2));
  EXPECT_EQ(collector.replaced(), 0);  // the first file is not a reopen
}

TEST(LogFollower, FollowsALogThatWasDeletedAndMadeAgain) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  append(log, events(0, 1));
  Collector collector(log, FollowOptions{.replaced_grace = 50ms});
  ASSERT_TRUE(collector.wait_for(1));
  ASSERT_EQ(::unlink(log.c_str()), 0);
  std::this_thread::sleep_for(300ms);  // absent for a while, past the grace period
  append(log, events(1, 3));
  ASSERT_TRUE(collector.wait_for(3));
  EXPECT_EQ(collector.texts(), texts_of(0, 3));
  EXPECT_EQ(collector.replaced(), 1);
}

TEST(LogFollower, WaitsForAMissingDirectory) {
  TempDir dir;
  const std::string log = dir / "later/metrics.log";
  std::vector<std::string> problems;
  std::mutex mutex;
  FollowOptions options;
  options.on_problem = [&](std::string_view message) {
    std::lock_guard lock(mutex);
    problems.emplace_back(message);
  };
  Collector collector(log, std::move(options));
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(::mkdir((dir / "later").c_str(), 0755), 0);
  append(log, events(0, 1));
  ASSERT_TRUE(collector.wait_for(1, 10s));
  std::lock_guard lock(mutex);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("later"), std::string::npos) << problems[0];
}

TEST(LogFollower, StopMakesAWaitingNextReturnNull) {
  TempDir dir;
  LogFollower follower(dir / "metrics.log");
  std::atomic<bool> returned{false};
  std::thread thread([&] {
    EXPECT_EQ(follower.next(), nullptr);
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned);
  follower.stop();
  thread.join();
  EXPECT_TRUE(returned);
  EXPECT_EQ(follower.next(), nullptr);
}

}  // namespace
}  // namespace runner_metrics
