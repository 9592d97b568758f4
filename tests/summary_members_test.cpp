// SPDX-License-Identifier: Apache-2.0
// The summary's members of the later generations (format.md §7): breakdowns
// capped at max_label_values, the same however the log is split among
// threads; active and expected runners; the reconciliation interval; queues
// under 60 s; and unknown values counted apart from every statistic.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runner_metrics/breakdowns.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/serialize.hpp"
#include "runner_metrics/summary.hpp"
#include "runner_metrics/summary_render.hpp"
#include "support/events.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

void add_all(Summary& summary, const std::vector<AnyEvent>& events) {
  std::uint64_t offset = 0;
  for (const AnyEvent& event : events) summary.add(event, {0, offset += 100});
}

const GroupSummary& only_group(const Summary& summary) {
  const auto groups = summary.groups();
  EXPECT_EQ(groups.size(), 1u);
  return *groups.at(0);
}

// The counts as (text, n) in order, "other" last when it counted anything.
std::vector<std::pair<std::string, std::uint64_t>> listed(const LabelCounts& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& [label, n] : counts.counts()) out.emplace_back(label.text, n);
  if (counts.other() > 0) out.emplace_back("other", counts.other());
  return out;
}

using Listed = std::vector<std::pair<std::string, std::uint64_t>>;

TEST(LabelCounts, KeepsTheValuesThatSortFirstWhateverTheOrderTheyCome) {
  for (const std::vector<std::string>& order :
       {std::vector<std::string>{"d", "c", "b", "a", "d", "a"},
        std::vector<std::string>{"a", "b", "c", "d", "d", "a"},
        std::vector<std::string>{"d", "d", "c", "a", "b", "a"}}) {
    LabelCounts counts;
    for (const std::string& value : order) counts.add({value}, 1, 2);
    EXPECT_EQ(listed(counts), (Listed{{"a", 2}, {"b", 1}, {"other", 3}}))
        << fmt::format("{}", fmt::join(order, " "));
    EXPECT_EQ(counts.total(), 6u);
  }
}

TEST(LabelCounts, AValueThatIsItselfOtherIsCountedUnderOther) {
  LabelCounts counts;
  counts.add({"other"}, 4, 10);
  counts.add({"b"}, 1, 10);
  EXPECT_EQ(listed(counts), (Listed{{"b", 1}, {"other", 4}}));
  // Bytes order: "Z" < "a" < "é" (UTF-8's lead byte is above ASCII).
  counts.add({"\xc3\xa9"}, 1, 10);
  counts.add({"Z"}, 1, 10);
  EXPECT_EQ(listed(counts), (Listed{{"Z", 1}, {"b", 1}, {"\xc3\xa9", 1}, {"other", 4}}));
}

TEST(LabelCounts, AValueLongerThan256BytesIsCountedUnderOther) {
  LabelCounts counts;
  const std::string longest(LabelCounts::MAX_VALUE_BYTES, 'r');
  counts.add({longest}, 2, 10);
  counts.add({longest + "r"}, 3, 10);
  counts.add({std::string(1 << 20, 'x')}, 1, 10);
  EXPECT_EQ(listed(counts), (Listed{{longest, 2}, {"other", 4}}));
}

TEST(LabelCounts, CodesSortByValueUnderTheirText) {
  LabelCounts counts;
  for (const std::int64_t code : {137, -9, 2, 137}) counts.add({"abnormal", code}, 1, 3);
  counts.add({"abandoned", 500}, 1, 3);
  std::vector<std::pair<std::string, std::int64_t>> keys;
  for (const auto& [label, n] : counts.counts()) keys.emplace_back(label.text, label.code);
  EXPECT_EQ(keys, (std::vector<std::pair<std::string, std::int64_t>>{
                      {"abandoned", 500}, {"abnormal", -9}, {"abnormal", 2}}));
  EXPECT_EQ(counts.other(), 2u);  // the two abnormal 137
}

TEST(LabelCounts, BusiestAreByCountThenValue) {
  LabelCounts counts;
  for (const auto& [value, n] : Listed{{"a", 1}, {"b", 5}, {"c", 5}, {"d", 2}}) {
    counts.add({value}, n, 100);
  }
  std::vector<std::string> busiest;
  for (const auto& [label, n] : counts.busiest(3)) busiest.push_back(label->text);
  EXPECT_EQ(busiest, (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(counts.busiest(10).size(), 4u);
}

// Random values split at random into parts, merged in random orders: always
// the whole counted and cut to the first `cap`.
TEST(LabelCounts, MergingPartsInAnyOrderIsExactlyTheWholeCutToTheCap) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 200; ++round) {
    const std::size_t cap = 1 + rng() % 12;
    const std::size_t distinct = 1 + rng() % 40;
    std::map<std::string, std::uint64_t> whole;
    std::vector<LabelCounts> parts(1 + rng() % 6);
    for (int i = 0; i < 300; ++i) {
      const std::string value = fmt::format("v{:02}", rng() % distinct);
      ++whole[value];
      parts[rng() % parts.size()].add({value}, 1, cap);
    }
    Listed expected;
    std::uint64_t other = 0;
    for (const auto& [value, n] : whole) {
      if (expected.size() < cap) {
        expected.emplace_back(value, n);
      } else {
        other += n;
      }
    }
    if (other > 0) expected.emplace_back("other", other);
    std::shuffle(parts.begin(), parts.end(), rng);
    LabelCounts merged;
    for (const LabelCounts& part : parts) merged.merge(part, cap);
    ASSERT_EQ(listed(merged), expected) << "round " << round << ", cap " << cap;
    ASSERT_LE(merged.counts().size(), cap);
  }
}

TEST(SummaryMembers, BreakdownsCountConclusionsCodesEventsAndRepos) {
  Summary summary;
  RunnerStop failed = stop(1, "s", "abnormal", 5);
  failed.status_info = CodeInformation{.code = 137};
  failed.job_conclusion = "failure";
  RunnerStop refused = stop(2, "s", "repo-policy-check-failure", 0);
  refused.status_info = CodeInformation{.code = 403};
  RunnerStop fine = stop(3, "s", "normal", 60);
  fine.job_conclusion = "success";
  RunnerStart started = start(4, "s", 1);
  started.repo = "canonical/x";
  started.github_event = "schedule";
  add_all(summary, {failed, refused, fine, started, start(5, "s", 2)});
  const std::string json = render_json(summary);
  EXPECT_NE(json.find(R"("runner_stop_status": {"abnormal": 1, "normal": 1, )"
                      R"("repo-policy-check-failure": 1}, )"
                      R"("runner_stop_conclusion": {"failure": 1, "success": 1}, )"
                      R"("runner_stop_codes": {"abnormal": {"137": 1}, )"
                      R"("repo-policy-check-failure": {"403": 1}}, )"
                      R"("github_events": {"push": 1, "schedule": 1}, )"
                      R"("repos": {"canonical/x": 1, "o/r": 1}, )"),
            std::string::npos)
      << json;
}

TEST(SummaryMembers, RunnerGaugesTakeTheLatestReconciliationThatCarriesThem) {
  Summary summary;
  Reconciliation old = reconciliation(10, "s", 0, 1);
  old.active_runners = 4;
  old.expected_runners = 9;
  Reconciliation later = reconciliation(20, "s", 0, 2);  // the 2023 writer: neither
  later.active_runners = 6;
  Reconciliation large = reconciliation(15, "l", 0, 3);
  add_all(summary, {old, later, large});
  const GroupSummary& group = only_group(summary);
  EXPECT_EQ(group.last(Gauge::IdleRunners), 5u);
  EXPECT_EQ(group.last(Gauge::ActiveRunners), 6u);    // s's latest that says: 6; l never says
  EXPECT_EQ(group.last(Gauge::ExpectedRunners), 9u);  // s's only one that says
  Summary none;
  add_all(none, {reconciliation(1, "s", 0, 1)});
  EXPECT_EQ(only_group(none).last(Gauge::ActiveRunners), std::nullopt);
  EXPECT_NE(render_json(none).find(R"("active_runners_last": null, "expected_runners_last": null)"),
            std::string::npos);
}

TEST(SummaryMembers, ReconciliationIntervalIsTheMeanOverFlavorsOfTheirAverageGap) {
  Summary summary;
  // s: 100, 400, 250 → (400 − 100) / 2 = 150; l: 1000, 1060 → 60; m: one pass, left out.
  add_all(summary, {reconciliation(100, "s", 0, 0), reconciliation(1000, "l", 0, 0),
                    reconciliation(400, "s", 0, 0), reconciliation(1060, "l", 0, 0),
                    reconciliation(250, "s", 0, 0), reconciliation(7, "m", 0, 0)});
  EXPECT_EQ(only_group(summary).reconciliation_interval(), 105.0);
  Summary by_flavor({.by_flavor = true});
  add_all(by_flavor, {reconciliation(100, "s", 0, 0), reconciliation(400, "s", 0, 0),
                      reconciliation(7, "m", 0, 0)});
  EXPECT_EQ(by_flavor.groups().at(0)->reconciliation_interval(), std::nullopt);  // m
  EXPECT_EQ(by_flavor.groups().at(1)->reconciliation_interval(), 300.0);         // s
}

TEST(SummaryMembers, QueueUnder60sCountsKnownQueuesBelowSixtySeconds) {
  Summary summary;
  add_all(summary, {start(1, "s", 1, 59.999), start(2, "s", 1, 60.0), start(3, "s", 1, 0.0),
                    start(4, "s", 1), start(5, "s", 1, UNKNOWN_VALUE)});
  const GroupSummary& group = only_group(summary);
  EXPECT_EQ(group.queue_under_60s, 2u);
  EXPECT_EQ(group.durations[Measure::Queue].count(), 3u);
  EXPECT_EQ(group.durations[Measure::Queue].unknown(), 1u);
}

TEST(SummaryMembers, UnknownValuesAreCountedApartAndSurviveMerges) {
  Summary a;
  Summary b;
  add_all(a, {installed(1, "s", UNKNOWN_VALUE), installed(2, "s", 10)});
  add_all(b, {installed(3, "s", UNKNOWN_VALUE), installed(4, "s", UNKNOWN_VALUE)});
  Summary only_unknown;
  only_unknown.merge(b);
  EXPECT_NE(
      render_json(only_unknown).find(R"("installation": {"count": 0, "unknown": 2, "min": null, )"),
      std::string::npos);
  a.merge(b);
  EXPECT_EQ(only_group(a).counts.runner_installed, 4u);
  EXPECT_NE(render_json(a).find(R"("installation": {"count": 1, "unknown": 3, "min": 10.0, )"),
            std::string::npos)
      << render_json(a);
  EXPECT_NE(render_text(a).find("    installation            3 unknown (Infinity)"),
            std::string::npos)
      << render_text(a);
}

// A log with 3,000 repositories, 40 conclusions and codes, cut at 50: the
// same summary on one worker and on several, in ranges of any size.
TEST(SummaryMembers, CappedBreakdownsDoNotDependOnHowManyWorkersReadTheLog) {
  TempDir dir;
  std::mt19937_64 rng(77);
  std::string log;
  for (int i = 0; i < 30000; ++i) {
    const double t = 1795615200 + i;
    const std::string flavor = i % 3 == 0 ? "small" : "large";
    if (i % 2 == 0) {
      RunnerStart e = start(t, flavor, 1, 30);
      e.repo = fmt::format("o/r{}", rng() % 3000);
      e.github_event = fmt::format("event-{}", rng() % 60);
      log += to_line(e);
    } else {
      RunnerStop e = stop(t, flavor, fmt::format("status-{}", rng() % 70), 1);
      e.status_info = CodeInformation{.code = static_cast<std::int64_t>(rng() % 40) - 20};
      e.job_conclusion = fmt::format("c{}", rng() % 40);
      log += to_line(e);
    }
  }
  write_file(dir / "log", log);
  for (const bool by_flavor : {false, true}) {
    const SummaryOptions options{.by_flavor = by_flavor, .max_label_values = 50};
    Summary one(options);
    (void)read_logs({dir / "log"}, {.workers = 1, .range_bytes = UINT64_MAX}, one);
    const std::string expected = render_json(one);
    EXPECT_NE(expected.find(R"(, "other": {"other": )"), std::string::npos);
    for (const unsigned workers : {2u, 3u, 8u}) {
      for (const std::uint64_t range_bytes : {1000u, 65536u}) {
        SCOPED_TRACE(::testing::Message() << workers << " workers, ranges of " << range_bytes);
        Summary several(options);
        (void)read_logs({dir / "log"}, {.workers = workers, .range_bytes = range_bytes}, several);
        EXPECT_EQ(render_json(several), expected);
      }
    }
    for (const GroupSummary* group : one.groups()) {
      for (const BreakdownMeasure& row : BREAKDOWNS) {
        EXPECT_LE(group->breakdowns[row.breakdown].counts().size(), 50u) << row.key;
      }
      EXPECT_EQ(group->breakdowns[Breakdown::Repos].total(), group->counts.runner_start);
    }
  }
}

}  // namespace
}  // namespace runner_metrics
