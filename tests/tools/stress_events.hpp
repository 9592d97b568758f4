// SPDX-License-Identifier: Apache-2.0
// The events the stress tests write and check. Each carries, in its flavor,
// who wrote it and when: "w3-t1-s000123" (writer 3, thread 1, its 124th
// event), with "-e17" appended when it was written after the 17th forced
// rotation had returned. Every other field follows from the tag, so a line
// read back is compared byte for byte with the one line it must be: a torn,
// glued or forged line cannot pass for a real one.
//
// Shared by tests/tools/stress_writer.cpp (which writes them) and the
// stress tests (which check them).
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "runner_metrics/events.hpp"

namespace runner_metrics::stress {

struct Tag {
  int writer = 0;
  int thread = 0;
  std::int64_t seq = 0;
  /// Forced rotations that had returned before the append began; -1: none counted.
  std::int64_t epoch = -1;

  bool operator==(const Tag&) const = default;
};

inline std::string format_tag(const Tag& tag) {
  if (tag.epoch < 0) return fmt::format("w{}-t{}-s{:06}", tag.writer, tag.thread, tag.seq);
  return fmt::format("w{}-t{}-s{:06}-e{}", tag.writer, tag.thread, tag.seq, tag.epoch);
}

/// The tag a flavor holds, or nullopt when it is not exactly a tag that
/// format_tag writes.
inline std::optional<Tag> parse_tag(std::string_view text) {
  Tag tag;
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  const auto number = [&](char prefix, auto& value) {
    if (p == end || *p != prefix) return false;
    ++p;
    const auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc{} || next == p) return false;
    p = next;
    return true;
  };
  const auto dash = [&] {
    if (p == end || *p != '-') return false;
    ++p;
    return true;
  };
  if (!number('w', tag.writer) || !dash() || !number('t', tag.thread) || !dash() ||
      !number('s', tag.seq)) {
    return std::nullopt;
  }
  if (p != end && (!dash() || !number('e', tag.epoch))) return std::nullopt;
  if (p != end || format_tag(tag) != text) return std::nullopt;
  return tag;
}

/// The one event a tag stands for. All four types, optional fields present
/// and absent, so batches and flags exercise every shape of line.
inline AnyEvent make_event(const Tag& tag) {
  const std::int64_t s = tag.seq;
  const double timestamp = 1700000000.0 + static_cast<double>(s) * 0.25;
  const auto scaled = [&](std::int64_t modulo, double step) {
    return static_cast<double>(s % modulo) * step;
  };
  std::string flavor = format_tag(tag);
  switch (s % 4) {
    case 0:
      return RunnerInstalled{
          .timestamp = timestamp, .flavor = std::move(flavor), .duration = scaled(1000, 0.5)};
    case 1: {
      RunnerStart event{.timestamp = timestamp,
                        .flavor = std::move(flavor),
                        .workflow = fmt::format("wf-{}", s % 97),
                        .repo = fmt::format("owner/repo-{}", tag.writer),
                        .github_event = s % 2 == 0 ? "push" : "pull_request",
                        .idle = scaled(300, 0.25)};
      if (s % 3 != 0) event.queue_duration = scaled(50, 0.125);
      return event;
    }
    case 2: {
      RunnerStop event{.timestamp = timestamp,
                       .flavor = std::move(flavor),
                       .workflow = fmt::format("wf-{}", s % 89),
                       .repo = fmt::format("owner/repo-{}", tag.writer),
                       .github_event = "workflow_dispatch",
                       .status = s % 5 == 0 ? "abnormal" : "normal",
                       .job_duration = scaled(7200, 1.5)};
      if (s % 5 == 0) event.status_info = CodeInformation{.code = s % 2 == 0 ? -9 : 137};
      return event;
    }
    default:
      return Reconciliation{.timestamp = timestamp,
                            .flavor = std::move(flavor),
                            .crashed_runners = s % 3,
                            .idle_runners = s % 11,
                            .duration = scaled(600, 0.75)};
  }
}

}  // namespace runner_metrics::stress
