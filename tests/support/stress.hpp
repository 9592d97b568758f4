// SPDX-License-Identifier: Apache-2.0
// What the stress tests share: how hard to push (scaled down under the
// sanitizers), writer processes run in parallel, and the ledger that reads
// written lines back and counts torn, lost, duplicate and reordered ones.
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"
#include "tools/stress_events.hpp"

extern char** environ;

namespace runner_metrics::testing::stress {

using runner_metrics::stress::format_tag;
using runner_metrics::stress::make_event;
using runner_metrics::stress::parse_tag;
using runner_metrics::stress::Tag;

/// How much the stress tests divide their event counts by:
/// $RUNNER_METRICS_STRESS_SCALE if set (a whole number >= 1), else 8 in an
/// AddressSanitizer build (where a process runs several times slower and the
/// point is memory errors under concurrency, which an eighth still exercises;
/// at 4 the eight-process test alone took 146 s of a loaded CI run), else 1.
inline long long scale_divisor() {
  static const long long divisor = [] {
    if (const char* env = std::getenv("RUNNER_METRICS_STRESS_SCALE"); env && *env) {
      return std::max(1LL, std::atoll(env));
    }
#if defined(__SANITIZE_ADDRESS__)
    return 8LL;
#else
    return 1LL;
#endif
  }();
  return divisor;
}

/// `n` divided by the scale divisor, at least `floor`.
inline long long scaled(long long n, long long floor = 1) {
  return std::max(floor, n / scale_divisor());
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// A child process with its stdout and stderr in files.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& output_prefix)
      : out_path_(output_prefix + ".out"), err_path_(output_prefix + ".err") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const int error = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error(fmt::format("cannot run {}", argv[0]));
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Waits up to `timeout`; kills the child (by its pid) when it is over.
  /// Returns the exit status, or -1 if it was killed or killed itself.
  int wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (pid_ > 0) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = 0;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = 0;
        timed_out_ = true;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  bool timed_out() const { return timed_out_; }
  std::string out() const { return read_file(out_path_).value_or(""); }
  std::string err() const { return read_file(err_path_).value_or(""); }

 private:
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = 0;
  bool timed_out_ = false;
};

/// One line of a file, read back.
struct ReadLine {
  Tag tag;
  std::size_t offset = 0;  ///< Where the line starts in its file.
};

/// The lines of one file's content.
struct ReadBack {
  std::vector<ReadLine> lines;  ///< Lines that are exactly the event their tag stands for.
  std::size_t torn = 0;         ///< Lines that are not: torn, glued, forged or unterminated.
  /// 1 if the content ends in a line without "\n" (counted in torn too).
  std::size_t unterminated_tail = 0;
  std::size_t nul_bytes = 0;
  std::vector<std::string> examples;  ///< The first few bad lines, shortened.
};

/// Reads every line of `content`: each must end in "\n", parse under the
/// Input rules (so validate) and be byte for byte the line of the event its
/// flavor's tag stands for.
inline ReadBack read_back(std::string_view content) {
  ReadBack result;
  result.nul_bytes = static_cast<std::size_t>(std::count(content.begin(), content.end(), '\0'));
  EventParser parser(ParseRules::Input);
  std::string expected;
  for (std::size_t start = 0; start < content.size();) {
    std::size_t end = content.find('\n', start);
    const bool terminated = end != std::string_view::npos;
    if (!terminated) end = content.size();
    const std::string_view line = content.substr(start, end - start);
    const std::size_t offset = start;
    start = end + 1;
    std::optional<Tag> tag;
    if (terminated) {
      const ParsedLine& parsed = parser.read(line);
      if (parsed.kind == ParsedLine::Kind::Event) {
        tag = parse_tag(
            std::visit([](const auto& e) -> std::string_view { return e.flavor; }, parsed.event));
      }
      if (tag) {
        expected.clear();
        std::visit([&](const auto& e) { append_line(expected, e); }, make_event(*tag));
        if (std::string_view(expected).substr(0, expected.size() - 1) != line) tag.reset();
      }
    }
    if (tag) {
      result.lines.push_back(ReadLine{.tag = *tag, .offset = offset});
    } else {
      ++result.torn;
      if (!terminated) result.unterminated_tail = 1;
      if (result.examples.size() < 5) {
        result.examples.push_back(fmt::format("at byte {}: {:?}{}", offset,
                                              std::string(line.substr(0, 160)),
                                              terminated ? "" : " (no newline)"));
      }
    }
  }
  return result;
}

/// What every writer thread wrote, and what was found of it.
class Ledger {
 public:
  void expect(int writer, int thread, long long count) {
    Stream& stream = streams_[{writer, thread}];
    stream.seen.assign(static_cast<std::size_t>(count), 0);
    expected_ += count;
  }

  /// Records one line found. With `in_order`, a line of a writer thread
  /// that comes before one of its earlier lines counts as out of order.
  void see(const Tag& tag, bool in_order = false) {
    const auto found = streams_.find({tag.writer, tag.thread});
    if (found == streams_.end() || tag.seq < 0 ||
        static_cast<std::size_t>(tag.seq) >= found->second.seen.size()) {
      ++unexpected_;
      return;
    }
    Stream& stream = found->second;
    std::uint8_t& count = stream.seen[static_cast<std::size_t>(tag.seq)];
    if (count > 0) ++duplicates_;
    if (count < 255) ++count;
    if (in_order && tag.seq <= stream.last) ++out_of_order_;
    stream.last = std::max(stream.last, tag.seq);
    ++found_;
  }

  long long expected() const { return expected_; }
  long long found() const { return found_; }
  long long duplicates() const { return duplicates_; }
  long long unexpected() const { return unexpected_; }
  long long out_of_order() const { return out_of_order_; }
  long long lost() const {
    long long lost = 0;
    for (const auto& [key, stream] : streams_) {
      lost += std::count(stream.seen.begin(), stream.seen.end(), 0);
    }
    return lost;
  }
  /// The first few lost tags, for a failure message.
  std::string lost_examples() const {
    std::string text;
    int shown = 0;
    for (const auto& [key, stream] : streams_) {
      for (std::size_t seq = 0; seq < stream.seen.size() && shown < 5; ++seq) {
        if (stream.seen[seq] != 0) continue;
        text +=
            format_tag(Tag{
                .writer = key.first, .thread = key.second, .seq = static_cast<std::int64_t>(seq)}) +
            " ";
        ++shown;
      }
    }
    return text;
  }

 private:
  struct Stream {
    std::vector<std::uint8_t> seen;
    std::int64_t last = -1;
  };
  std::map<std::pair<int, int>, Stream> streams_;
  long long expected_ = 0;
  long long found_ = 0;
  long long duplicates_ = 0;
  long long unexpected_ = 0;
  long long out_of_order_ = 0;
};

}  // namespace runner_metrics::testing::stress
