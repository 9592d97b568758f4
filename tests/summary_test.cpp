// SPDX-License-Identifier: Apache-2.0
// Summary, parse_time and read_logs (format.md §7): exact counts, min, max
// and avg, the window's edges, grouping, the tie rule for idle_runners_last,
// and merges that do not depend on how the log was split.
#include "runner_metrics/summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/summary_render.hpp"
#include "runner_metrics/time_text.hpp"
#include "support/events.hpp"
#include "support/log_builder.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

// Adds events as if they were consecutive lines of file 0.
void add_all(Summary& summary, const std::vector<AnyEvent>& events, std::uint32_t file = 0) {
  std::uint64_t offset = 0;
  for (const AnyEvent& event : events) summary.add(event, {file, offset += 100});
}

const GroupSummary& only_group(const Summary& summary) {
  const auto groups = summary.groups();
  EXPECT_EQ(groups.size(), 1u);
  return *groups.at(0);
}

TEST(Summary, CountsEachEventTypeAndStopStatus) {
  Summary summary;
  add_all(summary,
          {installed(1, "s", 1), installed(2, "s", 1), start(3, "s", 1), stop(4, "s", "normal", 1),
           stop(5, "s", "abnormal", 1), stop(6, "s", "normal", 1), reconciliation(7, "s", 2, 0),
           reconciliation(8, "m", 3, 0)});
  summary.add_other();
  summary.add_invalid();
  summary.add_invalid();
  EXPECT_EQ(summary.lines(), (LineCounts{.total = 11, .valid = 8, .other = 1, .invalid = 2}));
  const GroupSummary& group = only_group(summary);
  EXPECT_FALSE(group.flavor.has_value());
  EXPECT_EQ(group.counts, (EventCounts{.runner_installed = 2,
                                       .runner_start = 1,
                                       .runner_stop = 3,
                                       .reconciliation = 2,
                                       .crashed_runners = 5}));
  const LabelCounts& statuses = group.breakdowns[Breakdown::StopStatus];
  ASSERT_EQ(statuses.counts().size(), 2u);
  EXPECT_EQ(statuses.counts().begin()->first.text, "abnormal");
  EXPECT_EQ(statuses.counts().begin()->second, 1u);
  EXPECT_EQ(std::next(statuses.counts().begin())->first.text, "normal");
  EXPECT_EQ(std::next(statuses.counts().begin())->second, 2u);
  EXPECT_EQ(statuses.other(), 0u);
}

TEST(Summary, DurationsHaveExactCountMinMaxAndAvg) {
  Summary summary;
  for (int i = 0; i < 10; ++i) add_all(summary, {installed(1, "s", 0.1)});
  add_all(summary, {installed(1, "s", 1e-9), installed(1, "s", 7.25)});
  const DurationStats& stats = only_group(summary).durations[Measure::Installation];
  EXPECT_EQ(stats.count(), 12u);
  EXPECT_EQ(stats.min(), 1e-9);
  EXPECT_EQ(stats.max(), 7.25);
  EXPECT_EQ(stats.avg(), (1.0 + 1e-9 + 7.25) / 12);
  EXPECT_EQ(stats.quantile(0.5), 0.1);
}

TEST(Summary, AvgIsTheCorrectlyRoundedSumOverCount) {
  // Python's math.fsum(values) / len(values); adding in order in doubles
  // gives 0.09999999999999999 and 3333333333333333.5 instead.
  Summary tenths;
  for (int i = 0; i < 10; ++i) add_all(tenths, {installed(1, "s", 0.1)});
  EXPECT_EQ(only_group(tenths).durations[Measure::Installation].avg(), 0.1);
  Summary summary;
  add_all(summary, {installed(1, "s", 1e16), installed(1, "s", 1), installed(1, "s", 1)});
  EXPECT_EQ(only_group(summary).durations[Measure::Installation].avg(), (1e16 + 2) / 3);
}

TEST(Summary, HugeDurationsDoNotOverflowTheAverage) {
  const double huge = std::numeric_limits<double>::max();
  Summary summary;
  add_all(summary, {installed(1, "s", huge), installed(1, "s", huge), installed(1, "s", 0)});
  const double avg = only_group(summary).durations[Measure::Installation].avg();
  EXPECT_TRUE(std::isfinite(avg));
  EXPECT_DOUBLE_EQ(avg, huge / 3 * 2);
}

TEST(Summary, JobDurationsComeFromNormalStopsAndQueueOnlyWherePresent) {
  Summary summary;
  add_all(summary, {stop(1, "s", "normal", 10), stop(1, "s", "abnormal", 1000),
                    stop(1, "s", "normal", 30), start(1, "s", 5, 7), start(1, "s", 6)});
  const Durations& durations = only_group(summary).durations;
  EXPECT_EQ(durations[Measure::Job].count(), 2u);
  EXPECT_EQ(durations[Measure::Job].max(), 30.0);
  EXPECT_EQ(durations[Measure::Job].avg(), 20.0);
  EXPECT_EQ(durations[Measure::Idle].count(), 2u);
  EXPECT_EQ(durations[Measure::Queue].count(), 1u);
  EXPECT_EQ(durations[Measure::Queue].min(), 7.0);
  EXPECT_EQ(durations[Measure::Reconciliation].count(), 0u);
}

TEST(Summary, WindowKeepsSinceInclusiveAndUntilExclusive) {
  const double since = 1000;
  const double until = 2000;
  Summary summary({.since = since, .until = until});
  add_all(summary, {installed(std::nextafter(since, 0), "s", 1), installed(since, "s", 2),
                    installed(std::nextafter(until, 0), "s", 3), installed(until, "s", 4)});
  EXPECT_EQ(summary.lines().valid, 4u);  // lines count regardless of the window
  const DurationStats& stats = only_group(summary).durations[Measure::Installation];
  EXPECT_EQ(stats.count(), 2u);
  EXPECT_EQ(stats.min(), 2.0);
  EXPECT_EQ(stats.max(), 3.0);

  Summary only_since({.since = since});
  add_all(only_since, {installed(999, "s", 1), installed(5000, "s", 1)});
  EXPECT_EQ(only_group(only_since).counts.runner_installed, 1u);
  Summary only_until({.until = until});
  add_all(only_until, {installed(0, "s", 1), installed(5000, "s", 1)});
  EXPECT_EQ(only_group(only_until).counts.runner_installed, 1u);
}

TEST(Summary, WithoutByThereIsOneGroupEvenForAnEmptyLog) {
  const Summary summary;
  EXPECT_EQ(only_group(summary).counts, EventCounts{});
  EXPECT_FALSE(only_group(summary).idle_runners_last().has_value());
}

TEST(Summary, ByFlavorMakesOneGroupPerFlavorSortedAndOnlyForEventsInTheWindow) {
  Summary summary({.since = 10, .by_flavor = true});
  add_all(summary, {installed(10, "small", 1), installed(11, "large", 2), installed(12, "", 3),
                    installed(13, "small", 4), installed(5, "medium", 1)});
  const auto groups = summary.groups();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0]->flavor, "");
  EXPECT_EQ(groups[1]->flavor, "large");
  EXPECT_EQ(groups[2]->flavor, "small");
  EXPECT_EQ(groups[2]->counts.runner_installed, 2u);
  EXPECT_EQ(groups[2]->durations[Measure::Installation].avg(), 2.5);

  const Summary empty({.by_flavor = true});
  EXPECT_TRUE(empty.groups().empty());
}

TEST(Summary, IdleRunnersLastSumsEachFlavorsLatestReconciliation) {
  Summary summary;
  add_all(summary, {reconciliation(20, "small", 0, 5), reconciliation(10, "small", 0, 99),
                    reconciliation(15, "large", 0, 7), reconciliation(14, "large", 0, 99)});
  EXPECT_EQ(only_group(summary).idle_runners_last(), 12u);

  Summary by_flavor({.by_flavor = true});
  add_all(by_flavor, {reconciliation(20, "small", 0, 5), reconciliation(10, "small", 0, 99),
                      reconciliation(15, "large", 0, 7)});
  EXPECT_EQ(by_flavor.groups()[0]->idle_runners_last(), 7u);
  EXPECT_EQ(by_flavor.groups()[1]->idle_runners_last(), 5u);
}

TEST(Summary, IdleRunnersLastTieGoesToTheLaterLineInAnyOrderOfMerges) {
  // Same timestamp: the later line of a file wins, and a later file wins
  // over an earlier one.
  Summary one_pass;
  add_all(one_pass, {reconciliation(50, "s", 0, 1), reconciliation(50, "s", 0, 2)}, 0);
  EXPECT_EQ(only_group(one_pass).idle_runners_last(), 2u);

  Summary first_file;
  Summary second_file;
  first_file.add(reconciliation(50, "s", 0, 1), {0, 900});
  second_file.add(reconciliation(50, "s", 0, 2), {1, 10});
  Summary forward = first_file;
  forward.merge(second_file);
  Summary backward = second_file;
  backward.merge(first_file);
  EXPECT_EQ(only_group(forward).idle_runners_last(), 2u);
  EXPECT_EQ(only_group(backward).idle_runners_last(), 2u);

  // A greater timestamp beats a later line.
  Summary earlier_line_later_time;
  earlier_line_later_time.add(reconciliation(51, "s", 0, 3), {0, 0});
  earlier_line_later_time.add(reconciliation(50, "s", 0, 4), {0, 100});
  EXPECT_EQ(only_group(earlier_line_later_time).idle_runners_last(), 3u);
}

TEST(Summary, CrashedRunnersSaturateInsteadOfWrapping) {
  const std::int64_t most = std::numeric_limits<std::int64_t>::max();
  Summary summary;
  add_all(summary, {reconciliation(1, "s", most, most), reconciliation(1, "s", most, 0),
                    reconciliation(1, "s", most, 0), reconciliation(1, "t", 0, most),
                    reconciliation(1, "u", 0, most), reconciliation(1, "v", 0, most)});
  EXPECT_EQ(only_group(summary).counts.crashed_runners, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(only_group(summary).idle_runners_last(), std::numeric_limits<std::uint64_t>::max());
}

TEST(Summary, MergingPartsInAnyOrderGivesWhatOnePassGives) {
  std::vector<AnyEvent> events;
  EventParser parser(ParseRules::Log);
  const std::string log = testing::random_log({.lines = 5000, .seed = 3, .junk = false});
  for (std::size_t start_at = 0, end; start_at < log.size(); start_at = end + 1) {
    end = log.find('\n', start_at);
    std::string_view line(log.data() + start_at, end - start_at);
    if (line.ends_with('\r')) line.remove_suffix(1);
    events.push_back(parser.parse(line));
  }
  for (const SummaryOptions options :
       {SummaryOptions{},
        SummaryOptions{.since = testing::RANDOM_LOG_START + 100, .by_flavor = true}}) {
    Summary whole(options);
    std::vector<Summary> parts(4, Summary(options));
    for (std::size_t i = 0; i < events.size(); ++i) {
      whole.add(events[i], {0, i});
      parts[i * parts.size() / events.size()].add(events[i], {0, i});
    }
    Summary forward(options);
    Summary backward(options);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      forward.merge(parts[i]);
      backward.merge(parts[parts.size() - 1 - i]);
    }
    EXPECT_EQ(render_json(forward), render_json(whole));
    EXPECT_EQ(render_json(backward), render_json(whole));
  }
}

TEST(Summary, MergeRefusesASummaryMadeWithOtherOptions) {
  Summary a;
  const Summary b({.by_flavor = true});
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(ParseTime, AcceptsUnixSecondsAndIso8601) {
  EXPECT_EQ(parse_time("1764079200"), 1764079200.0);
  EXPECT_EQ(parse_time("1.5e9"), 1.5e9);
  EXPECT_EQ(parse_time("0"), 0.0);
  EXPECT_EQ(parse_time("2026-11-25T14:00:00Z"), 1795615200.0);
  EXPECT_EQ(parse_time("2026-11-25t14:00:00z"), 1795615200.0);
  EXPECT_EQ(parse_time("2026-11-25 14:00:00Z"), 1795615200.0);
  EXPECT_EQ(parse_time("2026-11-25T14:00:00"), 1795615200.0);  // no offset: UTC
  EXPECT_EQ(parse_time("2026-11-25T14:00Z"), 1795615200.0);
  EXPECT_EQ(parse_time("2026-11-25T16:00:00+02:00"), 1795615200.0);
  EXPECT_EQ(parse_time("2026-11-25T12:30:00-0130"), 1795615200.0);
  EXPECT_EQ(parse_time("2026-11-25"), 1795615200.0 - 14 * 3600);
  EXPECT_EQ(parse_time("2026-11-25T14:00:00.25Z"), 1795615200.25);
  EXPECT_EQ(parse_time("2026-11-25T14:00:00,5Z"), 1795615200.5);
  EXPECT_EQ(parse_time("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(parse_time("2024-02-29"), 1709164800.0);  // a leap day
}

TEST(ParseTime, RejectsWhatIsNeither) {
  for (const char* text :
       {"", "yesterday", "2026-11-25T", "2026-11-25T14", "2026-13-01", "2026-02-29",
        "2026-11-25T24:00:00Z", "2026-11-25T14:60Z", "2026-11-25T14:00:00+2", "2026-11-25Z",
        "26-11-25", "2026-11-25T14:00:00.Z", "2026-11-25T14:00:00Zjunk", "1e999", "\"1\"", "1, 2",
        "NaN"}) {
    EXPECT_FALSE(parse_time(text).has_value()) << text;
  }
}

// ---------------------------------------------------------------------------
// summarize_logs

// A summary read by read_logs, with what it was asked to keep.
struct LogsSummary {
  Summary summary;
  std::vector<InvalidLine> invalid_lines;
};

struct SummarizeOptions {
  SummaryOptions summary;
  std::size_t invalid_lines_kept = 0;
  unsigned workers = 0;
  std::uint64_t range_bytes = ReadOptions{}.range_bytes;
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

LogsSummary summarize_in(const std::vector<std::string>& paths, SummarizeOptions options) {
  LogsSummary result{Summary(options.summary), {}};
  result.invalid_lines = read_logs(paths,
                                   {.invalid_lines_kept = options.invalid_lines_kept,
                                    .workers = options.workers,
                                    .range_bytes = options.range_bytes,
                                    .progress = options.progress},
                                   result.summary);
  return result;
}

TEST(SummarizeLogs, ParallelRangesGiveTheSameSummaryAsOneSequentialPass) {
  TempDir dir;
  write_file(dir / "a.log", testing::random_log({.lines = 20000, .seed = 21}));
  write_file(dir / "b.log", testing::random_log({.lines = 7000, .seed = 22}));
  write_file(dir / "empty.log", "");
  const std::vector<std::string> paths = {dir / "a.log", dir / "empty.log", dir / "b.log"};
  for (const bool by_flavor : {false, true}) {
    SummarizeOptions sequential{.summary = {.by_flavor = by_flavor}, .invalid_lines_kept = 50};
    sequential.workers = 1;
    sequential.range_bytes = std::numeric_limits<std::uint64_t>::max();
    const LogsSummary expected = summarize_in(paths, sequential);
    EXPECT_EQ(expected.summary.lines().total, 27000u);
    for (const unsigned workers : {2u, 3u, 8u}) {
      for (const std::uint64_t range_bytes : {1000u, 65536u}) {
        SCOPED_TRACE(::testing::Message() << workers << " workers, ranges of " << range_bytes);
        SummarizeOptions parallel = sequential;
        parallel.workers = workers;
        parallel.range_bytes = range_bytes;
        const LogsSummary result = summarize_in(paths, parallel);
        EXPECT_EQ(render_json(result.summary), render_json(expected.summary));
        ASSERT_EQ(result.invalid_lines.size(), expected.invalid_lines.size());
        for (std::size_t i = 0; i < result.invalid_lines.size(); ++i) {
          EXPECT_EQ(result.invalid_lines[i].path, expected.invalid_lines[i].path);
          EXPECT_EQ(result.invalid_lines[i].line, expected.invalid_lines[i].line);
          EXPECT_EQ(result.invalid_lines[i].problem, expected.invalid_lines[i].problem);
        }
      }
    }
  }
}

TEST(SummarizeLogs, KeepsTheFirstInvalidLinesWithTheirLineNumberInTheFile) {
  TempDir dir;
  const std::string good = testing::installed_line(1, "s", 1);
  std::string log;
  for (int i = 1; i <= 3000; ++i) log += i % 500 == 0 ? "junk\n" : good;
  write_file(dir / "a.log", log);
  write_file(dir / "b.log", good + "{\"event\": \"runner_installed\"}\n");
  const LogsSummary result = summarize_in(
      {dir / "a.log", dir / "b.log"}, {.invalid_lines_kept = 4, .workers = 2, .range_bytes = 4096});
  EXPECT_EQ(result.summary.lines().invalid, 7u);
  ASSERT_EQ(result.invalid_lines.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(result.invalid_lines[i].path, dir / "a.log");
    EXPECT_EQ(result.invalid_lines[i].line, 500 * (i + 1));
    EXPECT_EQ(result.invalid_lines[i].problem, "line is not a JSON object");
  }
  const LogsSummary all =
      summarize_in({dir / "a.log", dir / "b.log"},
                   {.invalid_lines_kept = 100, .workers = 2, .range_bytes = 4096});
  ASSERT_EQ(all.invalid_lines.size(), 7u);
  EXPECT_EQ(all.invalid_lines[6].path, dir / "b.log");
  EXPECT_EQ(all.invalid_lines[6].line, 2u);
  EXPECT_EQ(all.invalid_lines[6].field, "flavor");
}

TEST(SummarizeLogs, ALaterFileWinsATieOnTheLatestReconciliation) {
  TempDir dir;
  write_file(dir / "old.log", testing::reconciliation_line(50, "s", 0, 1, 1) +
                                  testing::reconciliation_line(50, "s", 0, 2, 1));
  write_file(dir / "new.log", testing::reconciliation_line(50, "s", 0, 3, 1));
  auto idle = [&](const std::vector<std::string>& paths) {
    return only_group(summarize_in(paths, {.workers = 2}).summary).idle_runners_last();
  };
  EXPECT_EQ(idle({dir / "old.log", dir / "new.log"}), 3u);
  EXPECT_EQ(idle({dir / "new.log", dir / "old.log"}), 2u);
}

TEST(SummarizeLogs, ReportsProgressOnTheCallingThreadUpToTheTotal) {
  TempDir dir;
  const std::string log = testing::random_log({.lines = 5000, .seed = 2});
  write_file(dir / "a.log", log);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  const auto caller = std::this_thread::get_id();
  SummarizeOptions options{.workers = 2, .range_bytes = 10000};
  options.progress = [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_TRUE(std::this_thread::get_id() == caller);
    calls.emplace_back(done, total);
  };
  (void)summarize_in({dir / "a.log"}, options);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back().second, log.size());
  EXPECT_GE(calls.back().first, log.size());  // ranges read a little past their end
}

TEST(SummarizeLogs, AFileThatCannotBeReadThrowsReadLogError) {
  TempDir dir;
  write_file(dir / "a.log", testing::installed_line(1, "s", 1));
  try {
    (void)summarize_in({dir / "a.log", dir / "missing.log"}, {});
    FAIL() << "read a missing file";
  } catch (const ReadLogError& e) {
    EXPECT_EQ(e.path(), dir / "missing.log");
  }
  EXPECT_THROW((void)summarize_in({dir.path()}, {}), ReadLogError);
}

TEST(SummarizeLogs, NoFilesIsAnEmptySummary) {
  const LogsSummary result = summarize_in({}, {});
  EXPECT_EQ(result.summary.lines().total, 0u);
  EXPECT_EQ(result.summary.groups().size(), 1u);
}

}  // namespace
}  // namespace runner_metrics
