// SPDX-License-Identifier: Apache-2.0
// Memory bounded whatever the log holds: 200,000 flavors through `summary
// --by flavor` and `report --by flavor`, and free-text fields with a
// distinct value on every line, each run as its own process under
// /usr/bin/time, whose peak resident set is the bound checked.
// The outputs are checked exactly too, so a bound met by dropping data fails.
// Under AddressSanitizer, whose shadow memory and quarantine dwarf the
// program, the peak is not checked and the logs are sized down, past every
// cap still: the same code paths and exact outputs, for a tenth of the time.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "support/log_builder.hpp"
#include "support/peak_memory.hpp"
#include "support/process.hpp"
#include "support/sanitizer.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z
// Past the 1,000 flavors kept in either build.
constexpr int kFlavors = kAddressSanitizer ? 5000 : 200000;
constexpr int kBusy = 20;  // flavor-000000 to -000019 get more events than the rest
constexpr long kBoundKib = 256 * 1024;

// Two lines a flavor (an install and a reconciliation, a few seconds apart
// over about two days), and three more installs for each of the kBusy
// busiest. Written a piece at a time: the test holds no whole log.
void write_many_flavor_log(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  std::string piece;
  for (int i = 0; i < kFlavors; ++i) {
    const std::string flavor = fmt::format("flavor-{:06}", i);
    const double t = kT0 + i;
    piece += installed_line(t, flavor, 10 + i % 7);
    piece += reconciliation_line(t + 0.5, flavor, i % 2, i % 5, 4);
    if (i < kBusy) {
      for (int k = 0; k < 3; ++k) piece += installed_line(t + 0.25, flavor, 20);
    }
    if (piece.size() > (1u << 20)) {
      out << piece;
      piece.clear();
    }
  }
  out << piece;
}

// The whole number after `label` in `text`, or -1. (Not std::regex: GCC 12
// warns inside it in the sanitizer build, where warnings are errors.)
long number_after(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  if (at == std::string::npos) return -1;
  try {
    return std::stol(text.substr(at + label.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

struct Measured {
  int exit_status = -1;
  std::string err;
  long max_rss_kib = -1;
};

// The CLI with `args`, stdout to `out_path`, under /usr/bin/time.
Measured run_timed(const std::vector<std::string>& args, const std::string& out_path) {
  std::vector<std::string> command = {RUNNER_METRICS_CLI};
  command.insert(command.end(), args.begin(), args.end());
  const std::string report = out_path + ".rss";
  std::string shell = "exec";
  for (const std::string& arg : under_time(command, report)) shell += fmt::format(" '{}'", arg);
  shell += fmt::format(" > '{}'", out_path);
  const auto result = run_process({"/bin/sh", "-c", shell});
  return {result.exit_status, result.err, peak_rss_kib(report)};
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++n;
  }
  return n;
}

void check_rss(const Measured& measured, [[maybe_unused]] long bound_kib) {
  ASSERT_GT(measured.max_rss_kib, 0) << measured.err;
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "peak RSS " << measured.max_rss_kib
               << " KiB not checked: AddressSanitizer's shadow memory and quarantine dwarf the "
                  "program (the output was checked)";
#else
  EXPECT_LT(measured.max_rss_kib, bound_kib);
#endif
}

TEST(MemoryBound, SummaryByFlavorOf200000FlavorsStaysUnder256MiB) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  write_many_flavor_log(dir / "log");
  const Measured run = run_timed({"summary", "--by", "flavor", dir / "log"}, dir / "out");
  ASSERT_EQ(run.exit_status, 0) << run.err;
  // Line by line: a test that later measures a child's memory counts what
  // this process holds when it forks.
  std::ifstream text(dir / "out");
  std::string line;
  ASSERT_TRUE(std::getline(text, line));
  EXPECT_EQ(line, fmt::format("lines  {0} total  {0} valid  0 other  0 invalid",
                              2 * kFlavors + 3 * kBusy));
  std::size_t groups = 0;
  std::string last_group;  // the last flavor's lines, whole
  while (std::getline(text, line)) {
    if (line.starts_with("flavor flavor-")) {
      ++groups;
      last_group.clear();
    }
    last_group += line + "\n";
  }
  EXPECT_EQ(groups, std::size_t{kFlavors});
  EXPECT_TRUE(last_group.starts_with(fmt::format("flavor flavor-{:06}\n", kFlavors - 1)));
  EXPECT_NE(last_group.find("  runner_installed                                 1\n"),
            std::string::npos);
  EXPECT_NE(last_group.find(fmt::format("    installation            1     {0}     {0}     {0}",
                                        fmt::format("{:.1f} s", 10.0 + (kFlavors - 1) % 7))),
            std::string::npos)
      << last_group;
  check_rss(run, kBoundKib);
}

TEST(MemoryBound, ReportByFlavorOf200000FlavorsDrawsTheBusiest20UnderBound) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  write_many_flavor_log(dir / "log");
  const Measured run =
      run_timed({"report", "--by", "flavor", dir / "log", "-o", dir / "page.html"}, dir / "out");
  ASSERT_EQ(run.exit_status, 0) << run.err;
  const auto page = read_file(dir / "page.html");
  ASSERT_TRUE(page.has_value());
  // Sections for the 20 busiest flavors, in flavor order, and nothing else.
  const std::string opening = R"(<section class="group" id="g)";
  const std::string flavor_attribute = R"(" data-flavor=")";
  std::vector<std::string> drawn;
  for (std::size_t at = page->find(opening); at != std::string::npos;
       at = page->find(opening, at + 1)) {
    const std::size_t id = at + opening.size();
    const std::size_t id_end = page->find(flavor_attribute, id);
    ASSERT_NE(id_end, std::string::npos);
    EXPECT_EQ(page->substr(id, id_end - id), std::to_string(drawn.size()));
    const std::size_t flavor = id_end + flavor_attribute.size();
    drawn.push_back(page->substr(flavor, page->find('"', flavor) - flavor));
  }
  std::vector<std::string> busiest;
  for (int i = 0; i < kBusy; ++i) busiest.push_back(fmt::format("flavor-{:06}", i));
  EXPECT_EQ(drawn, busiest);
  // Lifecycle, jobs per day, runners, 5 durations and the 5 breakdowns.
  EXPECT_EQ(count_of(*page, R"(<figure class="panel")"), std::size_t{kBusy} * 13);
  // The flavors table: the 1,000 busiest (the default --max-label-values),
  // then the other 199,000 summed in one row: one install and one
  // reconciliation each, crashed_runners 1 for every odd flavor, idle i % 5.
  EXPECT_NE(page->find(fmt::format(
                "<caption>{} flavors, the busiest first; charts for the 20 busiest", kFlavors)),
            std::string::npos);
  const std::size_t table = page->find("<tbody>", page->find(R"(<table class="flavors")"));
  const std::size_t table_end = page->find("</table>", table);
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(count_of(page->substr(table, table_end - table), "<tr><th>"), 1000u);
  std::uint64_t crashed = 0;
  std::uint64_t idle = 0;
  for (int i = 1000; i < kFlavors; ++i) {
    crashed += static_cast<std::uint64_t>(i % 2);
    idle += static_cast<std::uint64_t>(i % 5);
  }
  constexpr int kOther = kFlavors - 1000;
  EXPECT_NE(page->find(fmt::format(
                R"(<tr class="other" data-flavors="{0}"><th><i>other ({0} flavors)</i></th>)"
                "<td>{1}</td><td>{0}</td><td>0</td><td>0</td><td>{0}</td><td>{2}</td>"
                "<td>{3}</td><td>-</td><td>-</td></tr>",  // no active or expected runners said
                kOther, 2 * kOther, crashed, idle)),
            std::string::npos);
  check_rss(run, kBoundKib);
}

// workflow is read and checked, never kept; repo and github_event are kept
// for at most --max-label-values values each: a distinct value on every line
// costs nothing more.
TEST(MemoryBound, DistinctFreeTextOnEveryLineDoesNotGrowMemory) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  constexpr int kLines = kAddressSanitizer ? 20000 : 300000;
  {
    std::ofstream out(dir / "log", std::ios::binary);
    std::string piece;
    for (int i = 0; i < kLines; ++i) {
      piece += fmt::format(
          R"({{"timestamp": {}, "event": "runner_start", "flavor": "small", "workflow": "w-{}", )"
          R"("repo": "org/repo-{}", "github_event": "event-{}", "idle": 1.0}})"
          "\n",
          kT0 + i, i, i, i);
      if (piece.size() > (1u << 20)) {
        out << piece;
        piece.clear();
      }
    }
    out << piece;
  }
  const Measured summary = run_timed({"summary", dir / "log"}, dir / "summary.txt");
  ASSERT_EQ(summary.exit_status, 0) << summary.err;
  EXPECT_TRUE(read_file(dir / "summary.txt")
                  ->starts_with(fmt::format("lines  {0} total  {0} valid  0 other", kLines)));
  const Measured report = run_timed({"report", dir / "log", "-o", dir / "page.html"}, dir / "out");
  ASSERT_EQ(report.exit_status, 0) << report.err;
  EXPECT_NE(read_file(dir / "page.html")->find(fmt::format("Lines read: <b>{}</b>", kLines)),
            std::string::npos);
  // The program and two readers' 4 MiB buffers, not the 40 MB log.
  check_rss(summary, 40 * 1024);
  check_rss(report, 40 * 1024);
}

// A process's peak resident set in KiB (VmHWM), read while it runs.
long peak_rss_kib(pid_t pid) {
  const auto status = read_file(fmt::format("/proc/{}/status", pid));
  return status ? number_after(*status, "VmHWM:") : -1;
}

// serve keeps at most --max-label-values flavors (1,000 by default) and folds
// the rest into "other": 200,000 flavors cost it no more than 1,000 do.
TEST(MemoryBound, ServeFollowingA200000FlavorLogFoldsPastTheCapUnderBound) {
  TempDir dir;
  write_many_flavor_log(dir / "log");
  testing::ServeProcess serve(dir / "log");
  constexpr double kEvents = 2.0 * kFlavors + 3 * kBusy;
  testing::Exposition exposition;
  const auto events_seen = [&] {
    exposition = testing::scrape(serve.port());
    double sum = 0;
    for (const std::string& series : exposition.series_of("runner_metric_events_total")) {
      sum += exposition.value(series).value_or(0);
    }
    return sum == kEvents;
  };
  ASSERT_TRUE(testing::wait_until(events_seen, std::chrono::seconds(120)))
      << "serve did not count the " << kEvents << " events";
  std::set<std::string> flavors;
  for (const std::string& series : exposition.series_of("runner_spawn_duration_seconds_count")) {
    flavors.insert(series);
  }
  EXPECT_EQ(flavors.size(), 1001U);  // the first 1,000 flavors and "other"
  EXPECT_EQ(exposition.value(R"(runner_spawn_duration_seconds_count{flavor="other"})"),
            kFlavors - 1000);
  EXPECT_EQ(exposition.value(R"(metrics_log_label_values_folded_total{label="flavor"})"),
            2.0 * (kFlavors - 1000));
  Measured measured{0, {}, peak_rss_kib(serve.process().pid())};
  check_rss(measured, kBoundKib);
}

// A million-distinct-values attack, sized for CI: 200,000 repositories and
// events, 50,000 statuses, conclusions and codes, each new on its line.
// summary keeps the 100 of each that sort first and serve the 100 it saw
// first; both count the rest as "other", exactly, in bounded memory.
constexpr int kAttackJobs = kAddressSanitizer ? 20000 : 200000;  // past the 100 kept

void write_distinct_values_log(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  std::string piece;
  for (int i = 0; i < kAttackJobs; ++i) {
    piece += fmt::format(
        R"({{"timestamp": {}, "event": "runner_start", "flavor": "small", "workflow": "w", )"
        R"("repo": "attacker/repo-{:07}", "github_event": "event-{:07}", "idle": 1.0}})"
        "\n",
        kT0 + i, i, i);
    if (i % 4 == 0) {
      piece += fmt::format(
          R"({{"timestamp": {}, "event": "runner_stop", "flavor": "small", "workflow": "w", )"
          R"("repo": "r", "github_event": "e", "status": "s-{:07}", "status_info": {{"code": {}}}, )"
          R"("job_duration": 1.0, "job_conclusion": "c-{:07}"}})"
          "\n",
          kT0 + i, i, i, i);
    }
    if (piece.size() > (1u << 20)) {
      out << piece;
      piece.clear();
    }
  }
  out << piece;
}

// `{"prefix0000000": 1, ..., "prefix0000099": 1, "other": N}` for values i
// taken every `step`.
std::string first_hundred(const std::string& prefix, int step, int total) {
  std::string out = "{";
  for (int k = 0; k < 100; ++k) out += fmt::format("\"{}{:07}\": 1, ", prefix, k * step);
  return out + fmt::format("\"other\": {}}}", total - 100);
}

TEST(MemoryBound, SummaryAndServeCapTwoHundredThousandDistinctRepositories) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  write_distinct_values_log(dir / "log");
  constexpr int kStops = kAttackJobs / 4;
  const Measured summary = run_timed(
      {"summary", "--format", "json", "--max-label-values", "100", dir / "log"}, dir / "out.json");
  ASSERT_EQ(summary.exit_status, 0) << summary.err;
  const std::string json = read_file(dir / "out.json").value_or("");
  EXPECT_NE(json.find(R"("repos": )" + first_hundred("attacker/repo-", 1, kAttackJobs)),
            std::string::npos)
      << json.substr(0, 2000);
  EXPECT_NE(json.find(R"("github_events": )" + first_hundred("event-", 1, kAttackJobs)),
            std::string::npos);
  EXPECT_NE(json.find(R"("runner_stop_status": )" + first_hundred("s-", 4, kStops)),
            std::string::npos);
  EXPECT_NE(json.find(R"("runner_stop_conclusion": )" + first_hundred("c-", 4, kStops)),
            std::string::npos);
  EXPECT_NE(json.find(fmt::format(R"("other": {{"other": {}}}}}, "github_events")", kStops - 100)),
            std::string::npos);
  check_rss(summary, 40 * 1024);

  const Measured text =
      run_timed({"summary", "--max-label-values", "100", dir / "log"}, dir / "out.txt");
  ASSERT_EQ(text.exit_status, 0) << text.err;
  // The ten busiest of a tie are the first in order; the rest is one line.
  EXPECT_NE(read_file(dir / "out.txt")
                ->find(fmt::format("    {:<38}{:>10}\n    {:<38}{:>10}\n", "attacker/repo-0000009",
                                   1, "(90 more, and other)", kAttackJobs - 10)),
            std::string::npos)
      << *read_file(dir / "out.txt");

  testing::ServeProcess serve(dir / "log", {"--max-label-values", "100"});
  testing::Exposition exposition;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        exposition = testing::scrape(serve.port());
        return exposition.value(
                   R"(runner_metric_events_total{event="runner_start",flavor="small"})") ==
               kAttackJobs;
      },
      std::chrono::seconds(120)));
  EXPECT_EQ(exposition.series_of("job_repository_count").size(), 101u);
  EXPECT_EQ(exposition.value(R"(job_repository_count{repository="attacker/repo-0000099"})"), 1);
  EXPECT_EQ(exposition.value(R"(job_repository_count{repository="other"})"), kAttackJobs - 100);
  EXPECT_EQ(exposition.value(R"(metrics_log_label_values_folded_total{label="repository"})"),
            kAttackJobs - 100);
  EXPECT_EQ(exposition.value(R"(metrics_log_label_values_folded_total{label="event"})"),
            kAttackJobs - 100);
  EXPECT_EQ(exposition.value(R"(job_conclusion_count{conclusion="other"})"), kStops - 100);
  EXPECT_EQ(exposition.series_of("job_status_count").size(), 101u);
  check_rss(Measured{0, {}, peak_rss_kib(serve.process().pid())}, 64 * 1024);
}

// A kept breakdown value holds its text: 1,000 repositories of 64 KiB each
// (64 MB of names) would be kept whole without the 256-byte limit on values.
TEST(MemoryBound, LongRepositoryNamesAreCountedUnderOtherNotKept) {
  if (!have_time()) GTEST_SKIP() << "/usr/bin/time (Debian package time) is not installed";
  TempDir dir;
  constexpr int kRepos = kAddressSanitizer ? 100 : 1000;
  {
    std::ofstream out(dir / "log", std::ios::binary);
    for (int i = 0; i < kRepos; ++i) {
      out << fmt::format(
          R"({{"timestamp": {}, "event": "runner_start", "flavor": "small", "workflow": "w", )"
          R"("repo": "{:04}{}", "github_event": "push", "idle": 1.0}})"
          "\n",
          kT0 + i, i, std::string(65536, 'r'));
    }
    out << fmt::format(
        R"({{"timestamp": {}, "event": "runner_start", "flavor": "small", "workflow": "w", )"
        R"("repo": "o/r", "github_event": "push", "idle": 1.0}})"
        "\n",
        kT0);
  }
  const Measured summary = run_timed({"summary", "--format", "json", dir / "log"}, dir / "out");
  ASSERT_EQ(summary.exit_status, 0) << summary.err;
  EXPECT_NE(
      read_file(dir / "out")->find(fmt::format(R"("repos": {{"o/r": 1, "other": {}}})", kRepos)),
      std::string::npos)
      << read_file(dir / "out")->substr(0, 2000);
  check_rss(summary, 40 * 1024);
  const Measured report = run_timed({"report", dir / "log", "-o", dir / "page.html"}, dir / "out");
  ASSERT_EQ(report.exit_status, 0) << report.err;
  check_rss(report, 40 * 1024);
  EXPECT_LT(std::filesystem::file_size(dir / "page.html"), 1u << 20);
}

}  // namespace
}  // namespace runner_metrics
