// SPDX-License-Identifier: Apache-2.0
// Timeline: the report's aggregate over time. Counts, min / avg / max and
// percentiles in the right bucket, jobs in the right UTC day, a width chosen from the span alone,
// idle runners carried forward as format.md §7's idle_runners_last is, and merges that do not
// depend on how the log was split.
#include "runner_metrics/timeline.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/time_text.hpp"
#include "support/events.hpp"
#include "support/log_builder.hpp"

namespace runner_metrics {
namespace {

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z

using namespace testing;

void add_all(Timeline& timeline, const std::vector<AnyEvent>& events) {
  std::uint64_t offset = 0;
  for (const AnyEvent& event : events) timeline.add(event, {0, offset += 100});
}

std::int64_t bucket_of(double timestamp, std::int64_t width) {
  return static_cast<std::int64_t>(timestamp) / width;
}

// Everything a timeline holds, floats to the last bit, as text to compare.
std::string dump(const Timeline& timeline) {
  std::string out =
      fmt::format("interval {} unplaced {}\n", timeline.interval(), timeline.unplaced());
  const auto stats = [&](const char* name, const BucketStats& s) {
    if (s.count() == 0) return;
    out += fmt::format("  {} {} {} {} {} {} {} {}\n", name, s.count(), s.min(), s.avg(), s.max(),
                       s.quantile(0.5), s.quantile(0.95), s.quantile(0.99));
  };
  for (const TimelineGroup* group : timeline.groups()) {
    out += fmt::format("group {}\n", group->flavor.value_or("(all)"));
    for (const auto& [day, c] : group->days) {
      out += fmt::format(" day {}: {} {} {}\n", day, c.runner_installed, c.runner_start,
                         c.runner_stop);
    }
    for (const auto& [key, bucket] : group->buckets) {
      const EventCounts& c = bucket.counts;
      out += fmt::format(" bucket {}: {} {} {} {} {}\n", key, c.runner_installed, c.runner_start,
                         c.runner_stop, c.reconciliation, c.crashed_runners);
      for (const auto& [flavor, gauges] : bucket.latest) {
        for (const auto& latest : gauges) {
          if (!latest) continue;
          out += fmt::format("  latest {} {} {}:{} {}\n", flavor, latest->timestamp,
                             latest->position.file, latest->position.offset, latest->value);
        }
      }
      stats("installation", bucket.durations[Measure::Installation]);
      stats("idle", bucket.durations[Measure::Idle]);
      stats("queue", bucket.durations[Measure::Queue]);
      stats("job", bucket.durations[Measure::Job]);
      stats("reconciliation", bucket.durations[Measure::Reconciliation]);
    }
  }
  return out;
}

// The events of a random log with where they are, as read_logs sees them.
std::vector<std::pair<AnyEvent, LogPosition>> random_events(std::size_t lines, std::uint64_t seed) {
  const std::string log = testing::random_log({.lines = lines, .seed = seed, .junk = false});
  EventParser parser(ParseRules::Log);
  std::vector<std::pair<AnyEvent, LogPosition>> events;
  std::size_t begin = 0;
  while (begin < log.size()) {
    const std::size_t end = log.find('\n', begin);
    const ParsedLine& parsed = parser.read(std::string_view(log).substr(begin, end - begin));
    if (parsed.kind == ParsedLine::Kind::Event) events.push_back({parsed.event, {0, begin}});
    begin = end + 1;
  }
  return events;
}

TEST(Timeline, CountsEachEventInTheBucketOfItsTimestamp) {
  Timeline timeline;
  add_all(timeline,
          {installed(kT0, "s", 10), installed(kT0 + 59.999, "s", 20), installed(kT0 + 60, "s", 30),
           start(kT0 + 61, "s", 5, 2.5), stop(kT0 + 62, "s", "normal", 90),
           stop(kT0 + 63, "s", "abnormal", 1000), reconciliation(kT0 + 180, "s", 2, 7, 4)});
  EXPECT_EQ(timeline.interval(), 60);
  const auto groups = timeline.groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_FALSE(groups[0]->flavor.has_value());
  const auto& buckets = groups[0]->buckets;
  const std::int64_t first = bucket_of(kT0, 60);
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets.at(first).counts, (EventCounts{.runner_installed = 2}));
  EXPECT_EQ(buckets.at(first + 1).counts,
            (EventCounts{.runner_installed = 1, .runner_start = 1, .runner_stop = 2}));
  EXPECT_EQ(buckets.at(first + 3).counts, (EventCounts{.reconciliation = 1, .crashed_runners = 2}));
  EXPECT_EQ(timeline.first_bucket(), first);
  EXPECT_EQ(timeline.last_bucket(), first + 3);
  EXPECT_EQ(timeline.first_timestamp(), kT0);
  EXPECT_EQ(timeline.last_timestamp(), kT0 + 180);
}

TEST(Timeline, KeepsMinAvgMaxOfEachDurationAsSpecSevenTakesThem) {
  Timeline timeline;
  add_all(timeline,
          {installed(kT0, "s", 10), installed(kT0 + 1, "s", 20), installed(kT0 + 2, "s", 60),
           start(kT0 + 3, "s", 5, 2.5), start(kT0 + 4, "s", 7), stop(kT0 + 5, "s", "normal", 90),
           stop(kT0 + 6, "s", "abnormal", 5), reconciliation(kT0 + 7, "s", 0, 1, 4)});
  const BucketDurations& d = timeline.groups()[0]->buckets.begin()->second.durations;
  EXPECT_EQ(d[Measure::Installation].count(), 3u);
  EXPECT_EQ(d[Measure::Installation].min(), 10);
  EXPECT_EQ(d[Measure::Installation].avg(), 30);
  EXPECT_EQ(d[Measure::Installation].max(), 60);
  EXPECT_EQ(d[Measure::Idle].count(), 2u);
  EXPECT_EQ(d[Measure::Idle].avg(), 6);
  EXPECT_EQ(d[Measure::Queue].count(), 1u);  // only where present
  EXPECT_EQ(d[Measure::Queue].max(), 2.5);
  EXPECT_EQ(d[Measure::Job].count(), 1u);  // status "normal" only
  EXPECT_EQ(d[Measure::Job].max(), 90);
  EXPECT_EQ(d[Measure::Reconciliation].count(), 1u);
  EXPECT_EQ(d[Measure::Reconciliation].min(), 4);
}

TEST(Timeline, AvgOfABucketIsExactWhateverTheOrder) {
  BucketStats forward, backward;
  const std::vector<double> values = {1e16, 1, 0, 1e-3, 3, 1e16, 7.25};
  for (double v : values) forward.add(v);
  for (auto it = values.rbegin(); it != values.rend(); ++it) backward.add(*it);
  EXPECT_EQ(forward.avg(), backward.avg());
  BucketStats tenths;
  for (double v : {0.1, 0.2, 0.3}) tenths.add(v);
  EXPECT_EQ(tenths.avg(), 0.6 / 3);  // math.fsum's 0.6, not 0.1 + 0.2 + 0.3
}

TEST(Timeline, BucketPercentilesAreNearestRankAndTheirMemoryIsCapped) {
  BucketStats few;
  for (double v : {5.0, 1.0, 4.0, 2.0, 3.0}) few.add(v);
  EXPECT_EQ(few.quantile(0.5), 3);
  EXPECT_EQ(few.quantile(0.95), 5);
  EXPECT_EQ(few.quantile(0), 1);
  // A tenth of the values far below the rest, down to 1e-300 s: the sketch
  // keeps at most MAX_BINS bins, and the ranks above them within 2%.
  BucketStats wide;
  std::vector<double> values;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    const double exponent = i % 10 == 0 ? std::uniform_real_distribution<>(-300, -10)(rng)
                                        : std::uniform_real_distribution<>(0, 6)(rng);
    values.push_back(std::pow(10.0, exponent));
    wide.add(values.back());
  }
  std::sort(values.begin(), values.end());
  const auto exact = [&](double q) {
    return values[static_cast<std::size_t>(std::ceil(q * 20000)) - 1];
  };
  for (const double q : {0.2, 0.5, 0.95, 0.99}) {
    EXPECT_NEAR(wide.quantile(q) / exact(q), 1, BucketStats::ACCURACY) << q;
  }
  EXPECT_EQ(wide.max(), values.back());
  EXPECT_EQ(wide.min(), values.front());
  // p5 is among the tiny values, in the collapsed lowest bin (8.9 decades
  // under the max): answered high, never low, and below every other value.
  EXPECT_GT(wide.quantile(0.05), exact(0.05));
  EXPECT_LT(wide.quantile(0.05), 1e-2);
}

TEST(Timeline, CountsJobsPerUtcDayAndWidensDaysPastAThousand) {
  Timeline timeline;
  add_all(timeline, {start(kT0, "small", 1, 1.0), start(kT0 + 36000 - 0.001, "small", 1, 1.0),
                     start(kT0 + 36000, "large", 1, 1.0), installed(kT0 + 86400 * 5, "s", 1)});
  EXPECT_EQ(timeline.day_interval(), 86400);
  const TimelineGroup& group = *timeline.groups().at(0);
  const std::int64_t day = static_cast<std::int64_t>(kT0) / 86400;  // 2026-11-25
  ASSERT_EQ(group.days.size(), 3u);
  EXPECT_EQ(group.days.at(day).runner_start, 2u);      // 14:00 and 23:59:59.999
  EXPECT_EQ(group.days.at(day + 1).runner_start, 1u);  // midnight is the next day
  EXPECT_EQ(group.days.at(day + 5).runner_installed, 1u);
  // 1,000 days and more: two-day columns, as the buckets.
  add_all(timeline, {start(kT0 + 86400.0 * 1200, "small", 1, 1.0)});
  EXPECT_EQ(timeline.day_interval(), 2 * 86400);
  EXPECT_EQ(timeline.groups().at(0)->days.at(day / 2).runner_start, 3u);
}

TEST(Timeline, ChoosesTheFinestWidthThatCoversTheSpanInAThousandBuckets) {
  const std::vector<std::pair<double, std::int64_t>> cases = {
      {0, 60},                      // one event: 1 min
      {999 * 60.0, 60},             // 1000 minutes
      {1000 * 60.0, 300},           // one minute more
      {2 * 86400.0, 300},           // two days: 576 buckets of 5 min
      {7 * 86400.0, 900},           // a week: 672 of 15 min
      {30 * 86400.0, 3600},         // a month: 720 of 1 h
      {366 * 86400.0, 43200},       // a year: 733 of 12 h
      {5 * 366 * 86400.0, 172800},  // five years: 2 d
  };
  for (const auto& [span, width] : cases) {
    Timeline timeline;
    add_all(timeline, {installed(kT0, "s", 1), installed(kT0 + span, "s", 1)});
    EXPECT_EQ(timeline.interval(), width) << "span " << span;
    EXPECT_LE(*timeline.last_bucket() - *timeline.first_bucket() + 1, Timeline::AUTO_MAX_BUCKETS);
  }
}

TEST(Timeline, WideningKeepsEveryEventInTheBucketThatHoldsItsTimestamp) {
  Timeline timeline;
  std::vector<AnyEvent> events;
  for (int i = 0; i < 400; ++i) events.push_back(installed(kT0 + i * 3600.0 + 59, "s", i));
  add_all(timeline, events);
  EXPECT_EQ(timeline.interval(), 1800);  // 400 h: 800 buckets of 30 min
  const auto& buckets = timeline.groups()[0]->buckets;
  ASSERT_EQ(buckets.size(), 400u);
  for (int i = 0; i < 400; ++i) {
    const TimelineBucket& bucket = buckets.at(bucket_of(kT0 + i * 3600.0 + 59, 1800));
    EXPECT_EQ(bucket.counts.runner_installed, 1u);
    EXPECT_EQ(bucket.durations[Measure::Installation].max(), i);
  }
}

TEST(Timeline, AnExplicitIntervalIsKeptOrDoubledUntilTheSpanFits) {
  Timeline kept({.interval = 7});
  add_all(kept, {installed(kT0, "s", 1), installed(kT0 + 7 * 9999.0, "s", 1)});
  EXPECT_EQ(kept.interval(), 7);
  EXPECT_FALSE(kept.widened());

  Timeline doubled({.interval = 7});
  add_all(doubled, {installed(kT0, "s", 1), installed(kT0 + 7 * 10000.0, "s", 1)});
  EXPECT_EQ(doubled.interval(), 14);
  EXPECT_TRUE(doubled.widened());
}

TEST(Timeline, WindowKeepsSinceButNotUntil) {
  Timeline timeline({.window = {.since = kT0, .until = kT0 + 60}});
  add_all(timeline, {installed(kT0 - 0.001, "s", 1), installed(kT0, "s", 2),
                     installed(kT0 + 59.999, "s", 3), installed(kT0 + 60, "s", 4)});
  const auto& buckets = timeline.groups()[0]->buckets;
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets.begin()->second.counts.runner_installed, 2u);
  EXPECT_EQ(buckets.begin()->second.durations[Measure::Installation].max(), 3);
}

TEST(Timeline, NoEventsMeansNoGroupsAndNoSpan) {
  Timeline timeline({.window = {.since = kT0}});
  add_all(timeline, {installed(kT0 - 1, "s", 1)});
  EXPECT_TRUE(timeline.groups().empty());
  EXPECT_FALSE(timeline.first_bucket().has_value());
  EXPECT_FALSE(timeline.first_timestamp().has_value());
}

TEST(Timeline, EventsAfterTheYear9999AreCountedButNotPlaced) {
  Timeline timeline;
  add_all(timeline, {installed(kT0, "s", 1), installed(Timeline::CHART_END, "s", 1),
                     installed(1e300, "s", 1)});
  EXPECT_EQ(timeline.unplaced(), 2u);
  EXPECT_EQ(timeline.interval(), 60);
  EXPECT_EQ(timeline.groups()[0]->buckets.size(), 1u);

  Timeline far;  // from 1970 to 9999 still fits
  add_all(far, {installed(0, "s", 1), installed(Timeline::CHART_END - 1, "s", 1)});
  EXPECT_LE(*far.last_bucket() - *far.first_bucket() + 1, Timeline::AUTO_MAX_BUCKETS);
}

TEST(Timeline, ByFlavorMakesOneGroupPerFlavorSortedOnOneTimeAxis) {
  Timeline timeline({.window = {.by_flavor = true}});
  add_all(timeline, {installed(kT0, "small", 1), installed(kT0 + 3 * 86400, "large", 1),
                     installed(kT0 + 60, "small", 1)});
  const auto groups = timeline.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0]->flavor, "large");
  EXPECT_EQ(groups[1]->flavor, "small");
  EXPECT_EQ(timeline.interval(), 300);  // the span over all flavors decides
  EXPECT_EQ(groups[1]->buckets.size(), 1u);
}

TEST(Timeline, IdleRunnersCarryEachFlavorsLatestReconciliationForward) {
  Timeline timeline;
  add_all(timeline, {installed(kT0, "a", 1), reconciliation(kT0 + 60, "a", 0, 3),
                     reconciliation(kT0 + 61, "a", 0, 5),  // later in the bucket wins
                     reconciliation(kT0 + 180, "b", 0, 10), reconciliation(kT0 + 300, "a", 0, 1)});
  const std::int64_t first = bucket_of(kT0, 60);
  const auto idle = timeline.groups()[0]->idle_runners(first, first + 6);
  const std::vector<std::optional<std::uint64_t>> expected = {std::nullopt, 5, 5, 15, 15, 11, 11};
  EXPECT_EQ(idle, expected);
  // From a later first bucket, what came before still counts.
  EXPECT_EQ(timeline.groups()[0]->idle_runners(first + 4, first + 4),
            (std::vector<std::optional<std::uint64_t>>{15}));
}

TEST(Timeline, IdleRunnersOfTheLastBucketAreTheSummarysIdleRunnersLast) {
  const auto events = random_events(5000, 7);
  Timeline timeline;
  Summary summary;
  for (const auto& [event, position] : events) {
    timeline.add(event, position);
    summary.add(event, position);
  }
  const auto idle =
      timeline.groups()[0]->idle_runners(*timeline.first_bucket(), *timeline.last_bucket());
  ASSERT_FALSE(idle.empty());
  EXPECT_EQ(idle.back(), summary.groups()[0]->idle_runners_last());
}

TEST(Timeline, MergedPartsEqualOnePassHoweverTheLogIsSplit) {
  const auto events = random_events(6000, 11);
  for (const bool by_flavor : {false, true}) {
    const TimelineOptions options{.window = {.by_flavor = by_flavor}};
    Timeline whole(options);
    for (const auto& [event, position] : events) whole.add(event, position);
    const std::string expected = dump(whole);

    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 5; ++trial) {
      // Random cut points, then the parts merged in a random order.
      const auto parts = static_cast<std::size_t>(2 + trial);
      std::vector<std::size_t> cuts = {0, events.size()};
      for (std::size_t i = 1; i < parts; ++i) cuts.push_back(rng() % events.size());
      std::sort(cuts.begin(), cuts.end());
      std::vector<Timeline> timelines;
      for (std::size_t p = 0; p + 1 < cuts.size(); ++p) {
        Timeline& part = timelines.emplace_back(options);
        for (std::size_t i = cuts[p]; i < cuts[p + 1]; ++i) {
          part.add(events[i].first, events[i].second);
        }
      }
      std::shuffle(timelines.begin(), timelines.end(), rng);
      Timeline merged(options);
      for (const Timeline& part : timelines) merged.merge(part);
      EXPECT_EQ(dump(merged), expected) << "trial " << trial;
    }
  }
}

TEST(Timeline, OrderOfEventsDoesNotChangeTheResult) {
  auto events = random_events(3000, 5);
  Timeline in_order;
  for (const auto& [event, position] : events) in_order.add(event, position);
  std::shuffle(events.begin(), events.end(), std::mt19937_64(9));
  Timeline shuffled;
  for (const auto& [event, position] : events) shuffled.add(event, position);
  EXPECT_EQ(dump(shuffled), dump(in_order));
}

TEST(Timeline, MergeRefusesDifferentOptions) {
  Timeline a({.interval = 60});
  const Timeline b({.interval = 120});
  EXPECT_THROW(a.merge(b), std::invalid_argument);
  const Timeline c({.window = {.by_flavor = true}, .interval = 60});
  EXPECT_THROW(a.merge(c), std::invalid_argument);
}

TEST(ParseInterval, TakesWholeSecondsAloneOrWithAUnit) {
  EXPECT_EQ(parse_interval("90"), 90);
  EXPECT_EQ(parse_interval("30s"), 30);
  EXPECT_EQ(parse_interval("5m"), 300);
  EXPECT_EQ(parse_interval("15min"), 900);
  EXPECT_EQ(parse_interval("2h"), 7200);
  EXPECT_EQ(parse_interval("1d"), 86400);
  EXPECT_EQ(parse_interval("3660d"), 3660 * 86400);
}

TEST(ParseInterval, RejectsWhatIsNotAPositiveWholeWidth) {
  for (const char* text : {"", "0", "-5m", "1.5h", "5 m", "m", "5w", "5M", "1e3", "3661d",
                           "99999999999999999999", " 5m", "5m "}) {
    EXPECT_EQ(parse_interval(text), std::nullopt) << text;
  }
}

TEST(IntervalLabel, UsesTheLargestUnitThatDividesIt) {
  EXPECT_EQ(interval_label(60), "1 min");
  EXPECT_EQ(interval_label(900), "15 min");
  EXPECT_EQ(interval_label(7200), "2 h");
  EXPECT_EQ(interval_label(86400), "1 d");
  EXPECT_EQ(interval_label(90), "90 s");
}

}  // namespace
}  // namespace runner_metrics
