// SPDX-License-Identifier: Apache-2.0
// The report's memory and page stay bounded by its buckets and sections
// whatever the log holds. A CI-sized hostile log: 200,000 lines over three
// years and 20 flavors, most of them crowded into a few buckets whose
// durations spread over 80 decades (each bucket's sketch would need 4,600
// bins, 37 KiB, uncapped; 512 and 4 KiB capped), every stop with a status of
// its own and every start a repository and event of its own. The real
// binary runs it under /usr/bin/time. Under AddressSanitizer the peak is not
// checked and the log has a tenth of the lines, in 2 flavors of one hot
// bucket each, so that bucket still holds thousands of durations over 80
// decades: past the sketch's cap, as in the normal build.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "runner_metrics/measures.hpp"
#include "runner_metrics/serialize.hpp"
#include "runner_metrics/timeline.hpp"
#include "support/log_builder.hpp"
#include "support/peak_memory.hpp"
#include "support/process.hpp"
#include "support/sanitizer.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z
constexpr int kLines = kAddressSanitizer ? 20000 : 200000;
constexpr int kFlavors = kAddressSanitizer ? 2 : 20;
constexpr int kHotBuckets = kAddressSanitizer ? 1 : 10;  // of each flavor, where most lines go
constexpr double kSpan = 3 * 365 * 86400.0;

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++n;
  }
  return n;
}

void write_hostile_log(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 rng(99);
  // 10^-40 to 10^40 seconds, uniform in the exponent. (Not more: the
  // summary's own sketches, uncapped, take 8 bytes a bin of 1% over the range.)
  std::uniform_real_distribution<> exponent(-40, 40);
  const auto anything = [&] { return std::pow(10.0, exponent(rng)); };
  std::string piece;
  for (int i = 0; i < kLines; ++i) {
    const int flavor = i % kFlavors;
    const std::string name = fmt::format("flavor-{:02}", flavor);
    // Nine lines in ten in one of the flavor's hot days, the rest anywhere.
    double t = kT0 + std::uniform_real_distribution<>(0, kSpan)(rng);
    if (i % 10 != 0) {
      const int hot = (i / kFlavors) % kHotBuckets;
      t = kT0 + (hot * 97 + flavor) * 86400.0 + std::uniform_real_distribution<>(0, 3600)(rng);
    }
    switch ((i / kFlavors) % 4) {  // every flavor gets every kind
      case 0:
        piece += installed_line(t, name, anything());
        break;
      case 1:
        piece += to_line(RunnerStart{.timestamp = t,
                                     .flavor = name,
                                     .workflow = fmt::format("w{}", i),
                                     .repo = fmt::format("owner/repo-{}", i),
                                     .github_event = fmt::format("event-{}", i),
                                     .idle = anything(),
                                     .queue_duration = anything()});
        break;
      case 2:
        // Half stop normally (job durations), half with a status of their own.
        piece += stop_line(
            t, name, (i / kFlavors) % 8 == 2 ? "normal" : fmt::format("status-{}", i), anything());
        break;
      default:
        piece += reconciliation_line(t, name, i % 3, i % 50, anything());
    }
    if (piece.size() > (1u << 20)) {
      out << piece;
      piece.clear();
    }
  }
  out << piece;
}

TEST(ReportBound, SpreadDurationsCrowdedInFewBucketsOfManyDaysStayUnderBoundedMemoryAndPage) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  write_hostile_log(dir / "hostile.log");
  const auto result = run_process(under_time({RUNNER_METRICS_CLI, "report", "--by", "flavor",
                                              dir / "hostile.log", "--output", dir / "report.html"},
                                             dir / "rss"));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const std::string page = read_file(dir / "report.html").value_or("");

  // Everything is there: 20 sections of every panel, one time axis of days.
  EXPECT_EQ(count_of(page, R"(<section class="group")"), std::size_t{kFlavors});
  const std::size_t panels = count_of(page, R"(<figure class="panel")");
  EXPECT_EQ(panels % kFlavors, 0u);
  EXPECT_EQ(panels / kFlavors, 8 + BREAKDOWNS.size());
  // Every panel has data but the job conclusions (no stop carries one).
  EXPECT_EQ(count_of(page, R"(data-empty="true")"), std::size_t{kFlavors});
  EXPECT_NE(page.find("in buckets of <b>2 d</b>"), std::string::npos);
  // The breakdowns show ten bars, whatever the number of statuses.
  for (std::size_t at = page.find(R"(data-panel="breakdown-runner_stop_status")");
       at != std::string::npos;
       at = page.find(R"(data-panel="breakdown-runner_stop_status")", at + 1)) {
    EXPECT_EQ(count_of(page.substr(at, page.find("</figure>", at) - at), R"(<g class="row)"), 10u);
  }

  // The bound: 20 sections of at most 1,000 buckets, five durations in each
  // bucket capped at BucketStats::MAX_BYTES (23 MiB a section if every bucket
  // were crowded; here 10 buckets a section are), and the summary's tables.
  const long rss_kib = peak_rss_kib(dir / "rss");
  ASSERT_GT(rss_kib, 0) << result.err;
  // The page follows the buckets drawn (548 of 2 d), not the 200,000 events:
  // at most 1.5 KiB a bucket a section, hover titles and points included.
  EXPECT_LT(page.size(), std::size_t{kFlavors} * 548 * 1536) << "page bytes";
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "peak RSS " << rss_kib << " KiB not checked under AddressSanitizer";
#else
  // Measured: 97 MiB, most of it the summary's own (uncapped, 0.5%) sketches
  // of 80 decades, 150 KiB each, and its capped breakdowns, on two threads.
  EXPECT_LT(rss_kib, 128 * 1024) << "peak RSS";
#endif
}

}  // namespace
}  // namespace runner_metrics
