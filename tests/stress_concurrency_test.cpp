// SPDX-License-Identifier: Apache-2.0
// Issue 3, part 1: many processes append to one log at once, through the
// library from several threads and through the command line (`issue
// --stdin` batches and single `issue` calls). Every line must arrive whole,
// exactly once, in its writer's order, and be the very line its writer meant.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "support/process.hpp"
#include "support/stress.hpp"

namespace {

using runner_metrics::testing::read_file;
using runner_metrics::testing::TempDir;
using namespace runner_metrics::testing::stress;

std::string line_of(int seq) {
  return std::visit([](const auto& e) { return runner_metrics::to_line(e); },
                    runner_metrics::stress::make_event(Tag{.writer = 0, .thread = 0, .seq = seq}));
}

// The checker the stress tests rely on sees each kind of damage.
TEST(StressChecker, CountsTornGluedForgedUnterminatedLostDuplicateAndReorderedLines) {
  std::string forged = line_of(5);
  forged.replace(forged.find("\"timestamp\": ") + 14, 1, "2");  // same tag, another time
  const std::string content = line_of(0) + line_of(2) + line_of(1) + line_of(1) +
                              line_of(3).substr(0, 20) + line_of(4) + forged +
                              line_of(3).substr(0, line_of(3).size() - 1);
  const ReadBack read = read_back(content);
  Ledger ledger;
  ledger.expect(0, 0, 6);
  for (const auto& line : read.lines) ledger.see(line.tag, /*in_order=*/true);
  EXPECT_EQ(read.lines.size(), 4u);
  EXPECT_EQ(read.torn, 3u) << testing::PrintToString(read.examples);  // glued, forged, unterminated
  EXPECT_EQ(ledger.lost(), 3);                                        // 3, 4, 5
  EXPECT_EQ(ledger.duplicates(), 1);
  EXPECT_EQ(ledger.out_of_order(), 2);
  EXPECT_EQ(ledger.unexpected(), 0);
  EXPECT_EQ(read_back(std::string("{}\n\0\n", 4)).nul_bytes, 1u);
}

TEST(Stress, EightProcessesTwentyThousandEventsEachLoseAndTearNothing) {
  constexpr int kLibraryProcesses = 4;
  constexpr int kThreads = 4;
  constexpr int kCliProcesses = 4;
  constexpr int kProcesses = kLibraryProcesses + kCliProcesses;
  const long long events = scaled(20000, 100);
  const long long singles = scaled(300, 10);
  const long long batch = scaled(1000, 50);
  TempDir dir;
  const std::string log = dir / "metrics.log";

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Child>> children;
  for (int w = 0; w < kProcesses; ++w) {
    const std::string id = std::to_string(w);
    if (w < kLibraryProcesses) {
      // Paced so the library threads keep writing while the CLI processes run.
      children.push_back(std::make_unique<Child>(
          std::vector<std::string>{RUNNER_METRICS_STRESS_WRITER, "library", log, id,
                                   std::to_string(kThreads), std::to_string(events), "150"},
          dir / ("writer-" + id)));
    } else {
      children.push_back(std::make_unique<Child>(
          std::vector<std::string>{RUNNER_METRICS_STRESS_WRITER, "cli", RUNNER_METRICS_CLI, log, id,
                                   std::to_string(events), std::to_string(singles),
                                   std::to_string(batch)},
          dir / ("writer-" + id)));
    }
  }
  std::string cli_calls;
  for (int w = 0; w < kProcesses; ++w) {
    Child& child = *children[static_cast<std::size_t>(w)];
    ASSERT_EQ(child.wait(std::chrono::minutes(4)), 0)
        << "writer " << w << (child.timed_out() ? " timed out" : " failed") << ": " << child.err();
    if (w >= kLibraryProcesses) cli_calls += child.out();
  }
  const double write_seconds = seconds_since(start);

  Ledger ledger;
  for (int w = 0; w < kProcesses; ++w) {
    if (w < kLibraryProcesses) {
      for (int t = 0; t < kThreads; ++t) {
        ledger.expect(w, t, events / kThreads + (t < events % kThreads ? 1 : 0));
      }
    } else {
      ledger.expect(w, 0, events);
    }
  }
  const std::string content = read_file(log).value_or("");
  const ReadBack read = read_back(content);
  long long switches = 0;  // adjacent lines of different writers: evidence of real contention
  for (std::size_t i = 0; i < read.lines.size(); ++i) {
    ledger.see(read.lines[i].tag, /*in_order=*/true);
    if (i > 0 && read.lines[i].tag.writer != read.lines[i - 1].tag.writer) ++switches;
  }
  const long long lines = static_cast<long long>(read.lines.size() + read.torn);

  std::printf(
      "%d writers x %lld events = %lld lines expected, %lld found (%d library processes x %d "
      "threads; %d CLI processes, each --stdin batches of %lld plus %lld single issue calls), "
      "%zu torn, %lld lost, %lld duplicate, %lld out of order, %lld unknown; %lld writer "
      "switches between adjacent lines; %.1f s writing, scale 1/%lld\n%s",
      kProcesses, events, ledger.expected(), lines, kLibraryProcesses, kThreads, kCliProcesses,
      batch, singles, read.torn, ledger.lost(), ledger.duplicates(), ledger.out_of_order(),
      ledger.unexpected(), switches, write_seconds, scale_divisor(), cli_calls.c_str());
  RecordProperty("lines", std::to_string(lines));
  RecordProperty("torn", std::to_string(read.torn));
  RecordProperty("lost", std::to_string(ledger.lost()));
  RecordProperty("duplicate", std::to_string(ledger.duplicates()));

  EXPECT_EQ(lines, static_cast<long long>(kProcesses) * events);
  EXPECT_EQ(ledger.expected(), static_cast<long long>(kProcesses) * events);
  EXPECT_EQ(read.torn, 0u) << testing::PrintToString(read.examples);
  EXPECT_EQ(read.nul_bytes, 0u);
  EXPECT_EQ(ledger.lost(), 0) << ledger.lost_examples();
  EXPECT_EQ(ledger.duplicates(), 0);
  EXPECT_EQ(ledger.out_of_order(), 0);
  EXPECT_EQ(ledger.unexpected(), 0);
  EXPECT_GT(switches, kProcesses) << "the writers did not overlap";
}

}  // namespace
