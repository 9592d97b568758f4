// SPDX-License-Identifier: Apache-2.0
// report_logs and the engine it uses, read_logs: every valid event reaches
// exactly one worker's copy of an aggregate, and the report's Timeline is
// the one a single pass over the log makes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/report.hpp"
#include "support/log_builder.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using testing::TempDir;
using testing::write_file;

// An aggregate of the test's own: the offsets of the valid events it was given.
class Offsets {
 public:
  struct Options {
    unsigned* made = nullptr;  // counts the Offsets made
  };
  explicit Offsets(Options options) : options_(options) { ++*options_.made; }
  const Options& options() const { return options_; }
  void add(const ParsedLine& line, LogPosition position) {
    if (line.kind == ParsedLine::Kind::Event) seen.push_back(position.offset);
  }
  void merge(const Offsets& other) {
    seen.insert(seen.end(), other.seen.begin(), other.seen.end());
  }

  std::vector<std::uint64_t> seen;

 private:
  Options options_;
};

TEST(ReadLogs, EveryValidEventReachesOneWorkersAggregateOnce) {
  TempDir dir;
  const std::string log = testing::random_log({.lines = 20000, .seed = 12});
  write_file(dir / "log", log);
  unsigned made = 0;
  Offsets offsets({.made = &made});
  Summary summary;
  (void)read_logs({dir / "log"}, {.workers = 3, .range_bytes = 32 * 1024}, summary, offsets);
  EXPECT_EQ(made, 1u + 3u);  // the caller's, and one for each worker
  std::vector<std::uint64_t> all = offsets.seen;
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "an event seen twice";
  EXPECT_EQ(all.size(), summary.lines().valid);
}

TEST(ReportLogs, TheTimelineIsTheOneOnePassMakesAndSharesTheSummarysWindow) {
  TempDir dir;
  const std::string log = testing::random_log({.lines = 20000, .seed = 13});
  write_file(dir / "log", log);
  ReportOptions options;
  options.read.workers = 4;
  options.read.range_bytes = 16 * 1024;
  options.window = {.since = testing::RANDOM_LOG_START + 1000,
                    .until = testing::RANDOM_LOG_START + 50000,
                    .by_flavor = true};
  options.interval = 120;
  const FleetReport report = report_logs({dir / "log"}, options);

  Timeline expected(
      {.window = {.since = options.window.since, .until = options.window.until, .by_flavor = true},
       .interval = 120});
  EventParser parser(ParseRules::Log);
  std::size_t begin = 0;
  while (begin < log.size()) {
    const std::size_t end = log.find('\n', begin);
    const ParsedLine& parsed = parser.read(std::string_view(log).substr(begin, end - begin));
    if (parsed.kind == ParsedLine::Kind::Event) expected.add(parsed.event, {0, begin});
    begin = end + 1;
  }
  EXPECT_EQ(report.timeline.interval(), expected.interval());
  EXPECT_EQ(report.timeline.first_timestamp(), expected.first_timestamp());
  EXPECT_EQ(report.timeline.last_timestamp(), expected.last_timestamp());
  const auto groups = report.timeline.groups();
  const auto expected_groups = expected.groups();
  ASSERT_EQ(groups.size(), expected_groups.size());
  ASSERT_EQ(groups.size(), report.summary.groups().size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups[g]->flavor, report.summary.groups()[g]->flavor);
    ASSERT_EQ(groups[g]->buckets.size(), expected_groups[g]->buckets.size());
    std::uint64_t installed = 0;
    for (const auto& [key, bucket] : groups[g]->buckets) {
      const TimelineBucket& other = expected_groups[g]->buckets.at(key);
      EXPECT_EQ(bucket.counts, other.counts) << key;
      EXPECT_EQ(bucket.durations[Measure::Job].count(), other.durations[Measure::Job].count());
      if (bucket.durations[Measure::Job].count() > 0) {
        EXPECT_EQ(bucket.durations[Measure::Job].avg(), other.durations[Measure::Job].avg());
      }
      installed += bucket.counts.runner_installed;
    }
    // The charts add up to the header's table.
    EXPECT_EQ(installed, report.summary.groups()[g]->counts.runner_installed);
  }
  EXPECT_EQ(report.sources, std::vector<std::string>{dir / "log"});
}

// More flavors than max_sections: the first pass cannot know the busiest, so
// a second reads the logs again for them. Its buckets must be the ones a
// single pass over every flavor makes (the span is every flavor's).
TEST(ReportLogs, PastMaxSectionsTheBusiestFlavorsTimelinesAreTheOnePassOnes) {
  TempDir dir;
  std::string log;
  const double t0 = testing::RANDOM_LOG_START;
  for (int i = 0; i < 40; ++i) {
    const std::string flavor = "f" + std::to_string(i);
    // f0 .. f39 with 1 .. 40 installs: f37, f38 and f39 are the busiest.
    for (int k = 0; k <= i; ++k) {
      log += testing::installed_line(t0 + i * 700 + k * 13, flavor, 1 + k);
    }
  }
  log += testing::installed_line(t0 + 90000, "late", 1);  // widens every flavor's buckets
  write_file(dir / "log", log);
  ReportOptions options;
  options.read.workers = 3;
  options.read.range_bytes = 4 * 1024;
  options.window.by_flavor = true;
  options.max_sections = 3;
  const FleetReport report = report_logs({dir / "log"}, options);

  Timeline one_pass({.window = {.by_flavor = true}});
  EventParser parser(ParseRules::Log);
  std::size_t begin = 0;
  while (begin < log.size()) {
    const std::size_t end = log.find('\n', begin);
    const ParsedLine& parsed = parser.read(std::string_view(log).substr(begin, end - begin));
    if (parsed.kind == ParsedLine::Kind::Event) one_pass.add(parsed.event, {0, begin});
    begin = end + 1;
  }
  EXPECT_EQ(report.summary.groups().size(), 41u);
  EXPECT_EQ(report.timeline.interval(), one_pass.interval());
  EXPECT_EQ(report.timeline.first_bucket(), one_pass.first_bucket());
  EXPECT_EQ(report.timeline.last_bucket(), one_pass.last_bucket());
  const auto groups = report.timeline.groups();
  ASSERT_EQ(groups.size(), 3u);
  std::map<std::string, const TimelineGroup*> expected;
  for (const TimelineGroup* group : one_pass.groups()) expected[*group->flavor] = group;
  const std::vector<std::string> busiest = {"f37", "f38", "f39"};
  for (std::size_t g = 0; g < 3; ++g) {
    EXPECT_EQ(groups[g]->flavor, busiest[g]);
    const TimelineGroup& want = *expected.at(busiest[g]);
    ASSERT_EQ(groups[g]->buckets.size(), want.buckets.size());
    for (const auto& [key, bucket] : groups[g]->buckets) {
      EXPECT_EQ(bucket.counts, want.buckets.at(key).counts) << key;
      EXPECT_EQ(bucket.durations[Measure::Installation].max(),
                want.buckets.at(key).durations[Measure::Installation].max());
    }
  }
  std::vector<std::string> chosen;
  for (const GroupSummary* group : busiest_groups(report.summary, 3))
    chosen.push_back(*group->flavor);
  EXPECT_EQ(chosen, (std::vector<std::string>{"f39", "f38", "f37"}));
}

}  // namespace
}  // namespace runner_metrics
