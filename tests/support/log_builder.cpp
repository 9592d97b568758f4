// SPDX-License-Identifier: Apache-2.0
#include "support/log_builder.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics::testing {

std::string installed_line(double timestamp, const std::string& flavor, double duration) {
  return to_line(RunnerInstalled{.timestamp = timestamp, .flavor = flavor, .duration = duration});
}

std::string start_line(double timestamp, const std::string& flavor, double idle,
                       std::optional<double> queue_duration) {
  return to_line(RunnerStart{.timestamp = timestamp,
                             .flavor = flavor,
                             .workflow = "Tests",
                             .repo = "canonical/github-runner-operator",
                             .github_event = "pull_request",
                             .idle = idle,
                             .queue_duration = queue_duration});
}

std::string stop_line(double timestamp, const std::string& flavor, const std::string& status,
                      double job_duration) {
  RunnerStop stop{.timestamp = timestamp,
                  .flavor = flavor,
                  .workflow = "Tests",
                  .repo = "canonical/github-runner-operator",
                  .github_event = "push",
                  .status = status,
                  .job_duration = job_duration};
  if (status != "normal") stop.status_info = CodeInformation{.code = 137};
  return to_line(stop);
}

std::string reconciliation_line(double timestamp, const std::string& flavor,
                                std::int64_t crashed_runners, std::int64_t idle_runners,
                                double duration) {
  return to_line(Reconciliation{.timestamp = timestamp,
                                .flavor = flavor,
                                .crashed_runners = crashed_runners,
                                .idle_runners = idle_runners,
                                .duration = duration});
}

namespace {

std::string without_newline(std::string line) {
  line.pop_back();
  return line;
}

class RandomLog {
 public:
  explicit RandomLog(std::uint64_t seed) : rng_(seed) {}

  std::string line(bool junk) {
    const int kind = pick(junk ? 100 : 80);
    now_ += pick(3) == 0 ? 0.0 : std::round(uniform(0, 2) * 1000) / 1000;
    if (kind < 24) return without_newline(installed_line(now_, flavor(), duration()));
    if (kind < 48) return without_newline(start());
    if (kind < 72) return without_newline(stop_line(now_, flavor(), status(), duration()));
    if (kind < 80) return reconciliations();
    if (kind < 84) return variant();
    if (kind < 88) return other_event();
    return invalid();
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  double uniform(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(rng_);
  }

  std::string flavor() {
    static const std::vector<std::string> flavors = {
        "small", "small", "small", "medium", "large", "arm64", "\xc3\xa9t\xc3\xa9", ""};
    return flavors[static_cast<std::size_t>(pick(static_cast<int>(flavors.size())))];
  }

  std::string status() {
    static const std::vector<std::string> statuses = {
        "normal", "normal", "normal", "normal", "abnormal", "timeout", "repo-policy-check-failure"};
    return statuses[static_cast<std::size_t>(pick(static_cast<int>(statuses.size())))];
  }

  // Magnitudes from milliseconds to days, exact zeros and integers among them.
  double duration() {
    switch (pick(6)) {
      case 0:
        return 0.0;
      case 1:
        return static_cast<double>(pick(5000));
      case 2:
        return uniform(0, 0.01);
      case 3:
        return std::exp(std::normal_distribution<double>(std::log(600), 1.5)(rng_));
      default:
        return uniform(1, 300);
    }
  }

  std::string start() {
    std::optional<double> queue;
    if (pick(4) != 0) queue = duration();
    return start_line(now_, flavor(), duration(), queue);
  }

  // Several passes of one flavor at the same instant: the last one's
  // idle_runners is the one that counts.
  std::string reconciliations() {
    const std::string f = flavor();
    std::string lines;
    const int count = 1 + pick(3);
    for (int i = 0; i < count; ++i) {
      lines += reconciliation_line(now_, f, pick(4), pick(40), duration());
    }
    lines.pop_back();
    return lines;
  }

  // Valid events written differently from how the library writes them.
  std::string variant() {
    switch (pick(6)) {
      case 5: {  // a newer writer's member only Python holds: inf, a big integer, a lone surrogate
        std::string line = installed_line(now_, flavor(), duration());
        line.insert(line.size() - 2, R"(, "x": [1e400, 123456789012345678901234567890, "\udc00"])");
        return line.substr(0, line.size() - 1);
      }
      case 0:  // members in another order, integers for floats
        return fmt::format(
            R"({{"flavor": "small", "duration": {}, "event": "runner_installed", "timestamp": {}}})",
            pick(1000), static_cast<std::int64_t>(now_));
      case 1: {  // an optional member given as null
        std::string line = start_line(now_, flavor(), duration(), std::nullopt);
        line.insert(line.size() - 2, ", \"queue_duration\": null");
        return line.substr(0, line.size() - 1);
      }
      case 2: {  // fields a newer writer added
        std::string line = installed_line(now_, flavor(), duration());
        line.insert(line.size() - 2, R"(, "region": "eu", "labels": ["x64", {"gpu": false}])");
        return line.substr(0, line.size() - 1);
      }
      case 3: {  // CRLF
        std::string line = stop_line(now_, flavor(), status(), duration());
        line.pop_back();
        return line + "\r";
      }
      default: {  // compact separators
        return fmt::format(
            R"({{"timestamp":{},"event":"runner_stop","flavor":"large","workflow":"w","repo":"r","github_event":"push","status":"normal","status_info":null,"job_duration":{}}})",
            now_, pick(100000));
      }
    }
  }

  std::string other_event() {
    if (pick(2) == 0) {
      return fmt::format(
          R"({{"timestamp": {}, "event": "runner_resized", "flavor": "small", "cores": 4}})", now_);
    }
    return R"({"event": "heartbeat", "host": "runner-1"})";
  }

  std::string invalid() {
    switch (pick(18)) {
      case 16: {  // a member nobody reads, but not JSON
        std::string line = installed_line(now_, flavor(), duration());
        line.insert(line.size() - 2, R"(, "region": [tru])");
        return line.substr(0, line.size() - 1);
      }
      case 17:  // another writer's event, but not JSON
        return R"({"event": "heartbeat", "host": nul})";
      case 0: {  // truncated
        std::string line = installed_line(now_, flavor(), duration());
        return line.substr(0, static_cast<std::size_t>(pick(static_cast<int>(line.size()) - 2)));
      }
      case 1: {  // binary garbage
        std::string bytes;
        const int size = 1 + pick(80);
        for (int i = 0; i < size; ++i) {
          char c = static_cast<char>(pick(256));
          bytes += c == '\n' ? '\xff' : c;
        }
        return bytes;
      }
      case 2:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_installed", "flavor": "small", "duration": Infinity}})",
            now_);
      case 3:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_installed", "flavor": "small", "duration": -1.5}})",
            now_);
      case 4:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_installed", "flavor": "small", "duration": "12.5"}})",
            now_);
      case 5:
        return fmt::format(
            R"({{"timestamp": {}, "event": "reconciliation", "flavor": "small", "crashed_runners": true, "idle_runners": 1, "duration": 1}})",
            now_);
      case 6:
        return fmt::format(
            R"({{"timestamp": {}, "event": "reconciliation", "flavor": "small", "crashed_runners": 1, "idle_runners": 1.0, "duration": 1}})",
            now_);
      case 7:
        return fmt::format(
            R"({{"timestamp": {}, "event": "reconciliation", "flavor": "small", "crashed_runners": 1, "idle_runners": 99999999999999999999, "duration": 1}})",
            now_);
      case 8:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_start", "flavor": "small", "workflow": "w", "repo": "r", "idle": 1}})",
            now_);
      case 9:
        return pick(2) == 0 ? "" : "  ";
      case 10:
        return pick(2) == 0 ? "[1, 2]" : "null";
      case 11:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_installed", "flavor": "a", "flavor": "b", "duration": 1}})",
            now_);
      case 12:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_installed", "flavor": "\ud800", "duration": 1}})",
            now_);
      case 13:
        return fmt::format(
            R"({{"timestamp": {}, "event": "runner_stop", "flavor": "s", "workflow": "w", "repo": "r", "github_event": "push", "status": "abnormal", "status_info": {{"code": 1.5}}, "job_duration": 3}})",
            now_);
      case 14:
        return fmt::format(
            R"({{"timestamp": -{}, "event": "runner_installed", "flavor": "small", "duration": 1}})",
            now_);
      default:
        return fmt::format(R"({{"timestamp": {}, "event": 5}} trailing)", now_);
    }
  }

  std::mt19937_64 rng_;
  double now_ = RANDOM_LOG_START;
};

}  // namespace

std::string random_log(const RandomLogOptions& options) {
  RandomLog log(options.seed);
  std::string text;
  text.reserve(options.lines * 180);
  std::size_t lines = 0;
  while (lines < options.lines) {
    std::string chunk = log.line(options.junk);
    std::size_t in_chunk = 1;
    for (const char c : chunk) in_chunk += c == '\n' ? 1 : 0;
    if (in_chunk > options.lines - lines) continue;
    text += chunk;
    text += '\n';
    lines += in_chunk;
  }
  return text;
}

}  // namespace runner_metrics::testing

namespace runner_metrics::testing {

JunkLog junk_log() {
  JunkLog log;
  auto add = [&](const std::string& line, std::uint64_t JunkLog::*kind) {
    log.text += line;
    log.text += '\n';
    ++(log.*kind);
  };
  std::string line = installed_line(1, "small", 2);
  line.insert(line.size() - 1, "\r");
  log.text += line;  // CRLF
  ++log.valid;
  add(installed_line(1, "small", 2).substr(0, 30), &JunkLog::invalid);
  add(std::string("\0\xff\xfe{\"event\": \x80}", 15), &JunkLog::invalid);
  add(R"({"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": -Infinity})",
      &JunkLog::invalid);
  add(R"({"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": NaN})",
      &JunkLog::invalid);
  add(std::string(100000, '[') + std::string(100000, ']'), &JunkLog::invalid);
  std::string nested_objects;
  for (int i = 0; i < 100000; ++i) nested_objects += "{\"a\": ";
  add(nested_objects + "1" + std::string(100000, '}'), &JunkLog::invalid);
  // Unknown members are ignored, but they must be JSON that Python's json
  // module can read: a line nested 1000 levels deep at most.
  for (const auto& [depth, kind] :
       {std::pair{999, &JunkLog::valid}, {1000, &JunkLog::invalid}, {100000, &JunkLog::invalid}}) {
    const auto levels = static_cast<std::size_t>(depth);
    std::string nested_member = installed_line(1, "small", 2);
    nested_member.insert(nested_member.size() - 2,
                         ", \"x\": " + std::string(levels, '[') + std::string(levels, ']'));
    nested_member.pop_back();
    add(nested_member, kind);
  }
  add(std::string(1024 * 1024, 'x'), &JunkLog::invalid);
  line = to_line(RunnerStart{.timestamp = 3,
                             .flavor = "small",
                             .workflow = std::string(1024 * 1024 - 300, 'w'),
                             .repo = "o/r",
                             .github_event = "push",
                             .idle = 1});
  line.pop_back();
  add(line, &JunkLog::valid);
  add(std::string(5 * 1024 * 1024, '{'), &JunkLog::invalid);
  add("", &JunkLog::invalid);
  line = R"({"timestamp": 4, "event": "runner_resized", "flavor": "small"})";
  add(line + "\r", &JunkLog::other);
  line = reconciliation_line(5, "small", 1, 2, 3);
  line.pop_back();
  log.text += line;  // no final "\n"
  ++log.valid;
  return log;
}

}  // namespace runner_metrics::testing
