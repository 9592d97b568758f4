// SPDX-License-Identifier: Apache-2.0
// `runner-metrics report`: the page lands at --output whole or not at all,
// the flags shape it, and bad usage or unreadable logs map to format.md §6's exit
// statuses with one line on stderr.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/log_builder.hpp"
#include "support/markup.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z

std::string two_flavor_log() {
  return installed_line(kT0, "small", 10) + installed_line(kT0 + 3600, "large", 20) +
         reconciliation_line(kT0 + 7200, "small", 0, 3, 4);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ReportCli, WritesOnePageToOutputAndNothingElse) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  const auto result = run_cli({"report", dir / "log", "--output", dir / "report.html"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  const auto page = read_file(dir / "report.html");
  ASSERT_TRUE(page.has_value());
  EXPECT_TRUE(page->starts_with("<!DOCTYPE html>"));
  EXPECT_NO_THROW(parse_markup(*page));
  struct stat status {};
  ASSERT_EQ(::stat((dir / "report.html").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0444, 0444u) << "a report is for sharing";
  // Nothing left beside it.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u);
}

TEST(ReportCli, OutputIsRequired) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  const auto result = run_cli({"report", dir / "log"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_TRUE(contains(result.err, "--output")) << result.err;
}

TEST(ReportCli, DashOutputIsStandardOutputAndDashInputIsStandardInput) {
  const auto result = run_cli({"report", "-", "-o", "-"}, {.stdin_data = two_flavor_log()});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(contains(result.out, "standard input"));
}

TEST(ReportCli, ReadsTheDefaultLogWhenNoFileIsGiven) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  const auto result = run_cli({"report", "--output=" + dir / "r.html"},
                              {.env = {{"RUNNER_METRICS_LOG", dir / "log"}}});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(contains(read_file(dir / "r.html").value_or(""), "Lines read: <b>3</b>"));
}

TEST(ReportCli, ByFlavorSinceUntilAndIntervalShapeThePage) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  const auto result =
      run_cli({"report", dir / "log", "-o", dir / "r.html", "--by", "flavor", "--since",
               "2026-11-25T14:00:00Z", "--until", "1795622400", "--interval", "15m"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const auto page = parse_markup(read_file(dir / "r.html").value_or(""));
  const auto sections = page->with_class("section", "group");
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0]->attribute("data-flavor"), "large");
  EXPECT_EQ(sections[1]->attribute("data-flavor"), "small");
  const std::string span = page->find_all("p", "id", "span").at(0)->text();
  EXPECT_TRUE(contains(span, "buckets of 15 min (5 buckets)")) << span;
  EXPECT_EQ(page->find_all("p", "id", "window").size(), 1u);
}

TEST(ReportCli, ABadIntervalOrTimeIsAUsageErrorNamingTheFlag) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--interval", "1.5h"},
                                                        {"--interval", "0"},
                                                        {"--interval", "5w"},
                                                        {"--since", "yesterday"},
                                                        {"--by", "repo"}}) {
    const auto result = run_cli({"report", dir / "log", "-o", dir / "r.html", flag, value});
    EXPECT_EQ(result.exit_status, 2) << flag << " " << value;
    EXPECT_TRUE(contains(result.err, flag)) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  const auto backwards = run_cli({"report", dir / "log", "-o", dir / "r.html", "--since",
                                  "1795615200", "--until", "1795615100"});
  EXPECT_EQ(backwards.exit_status, 2);
  EXPECT_TRUE(contains(backwards.err, "--until")) << backwards.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.html"));
}

TEST(ReportCli, AMissingLogFailsWithStatusOneNamingIt) {
  TempDir dir;
  const auto result = run_cli({"report", dir / "nope.log", "-o", dir / "r.html"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_TRUE(contains(result.err, "nope.log")) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.html"));
}

TEST(ReportCli, AnUnwritableOutputFailsNamingItAndLeavesNothingBehind) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  const auto missing_dir = run_cli({"report", dir / "log", "-o", dir / "no/such/r.html"});
  EXPECT_EQ(missing_dir.exit_status, 1);
  EXPECT_TRUE(contains(missing_dir.err, "no/such/r.html")) << missing_dir.err;

  std::filesystem::create_directory(dir / "r.html");  // a directory where the page should go
  const auto is_dir = run_cli({"report", dir / "log", "-o", dir / "r.html"});
  EXPECT_EQ(is_dir.exit_status, 1);
  EXPECT_TRUE(contains(is_dir.err, "r.html")) << is_dir.err;
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u) << "a temporary file was left behind";
}

TEST(ReportCli, AnExistingPageIsReplacedWhole) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  write_file(dir / "r.html", std::string(1 << 20, 'x'));
  const auto result = run_cli({"report", dir / "log", "-o", dir / "r.html"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const auto page = read_file(dir / "r.html").value_or("");
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_EQ(page.find('x' + std::string(64, 'x')), std::string::npos);
}

TEST(ReportCli, HelpDescribesTheFlags) {
  const auto result = run_cli({"report", "--help"});
  EXPECT_EQ(result.exit_status, 0);
  for (const char* flag : {"--output", "--since", "--until", "--by", "--interval"}) {
    EXPECT_TRUE(contains(result.out, flag)) << flag;
  }
}

// Past --max-sections the logs are read twice; standard input can be read
// once, so it is copied first. The page is the one the file gives.
TEST(ReportCli, MaxSectionsFromStandardInputDrawsTheBusiestAsFromAFile) {
  TempDir dir;
  std::string log;
  for (int i = 0; i < 12; ++i) {
    for (int k = 0; k <= i; ++k)
      log += installed_line(kT0 + i * 60 + k, fmt::format("f{:02}", i), 5);
  }
  write_file(dir / "log", log);
  const auto piped = run_cli({"report", "-", "-o", "-", "--by", "flavor", "--max-sections", "4",
                              "--max-label-values", "5"},
                             {.stdin_data = log});
  ASSERT_EQ(piped.exit_status, 0) << piped.err;
  const auto from_file = run_cli({"report", dir / "log", "-o", "-", "--by", "flavor",
                                  "--max-sections", "4", "--max-label-values", "5"});
  ASSERT_EQ(from_file.exit_status, 0) << from_file.err;
  const auto without_sources = [](std::string page) {
    // The header names the source: "standard input" or the file.
    const std::size_t from = page.find("<title>");
    return page.substr(page.find("</code>", page.find(R"(<p class="muted">From )")) + 7)
        .insert(0, page.substr(0, from));
  };
  EXPECT_EQ(without_sources(piped.out), without_sources(from_file.out));
  const auto page = parse_markup(piped.out);
  const auto sections = page->with_class("section", "group");
  ASSERT_EQ(sections.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(sections[i]->attribute("data-flavor"), fmt::format("f{:02}", 8 + i));
  }
  // Five rows, the busiest first, and the other seven flavors (1 + ... + 7
  // installs) in one.
  EXPECT_TRUE(contains(piped.out,
                       R"(<tr class="other" data-flavors="7"><th><i>other (7 flavors)</i></th>)"
                       "<td>28</td><td>28</td>"));
  EXPECT_TRUE(contains(piped.out, R"(<tr><th><a href="#g3">f11</a></th><td>12</td>)"));
  EXPECT_TRUE(contains(piped.out, R"(<tr><th>f07</th><td>8</td>)"));
}

TEST(ReportCli, ANegativeOrHugeMaxSectionsIsBadUsageNamingTheFlag) {
  TempDir dir;
  write_file(dir / "log", two_flavor_log());
  for (const std::string flag : {"--max-sections", "--max-label-values"}) {
    for (const auto& [value, problem] : std::vector<std::pair<std::string, std::string>>{
             {"-1", "is not a whole number written in decimal"},
             {"abc", "is not a whole number written in decimal"},
             {"010", "is not a whole number written in decimal"},  // not octal 8
             {"99999999999999999999999", "is not in 0 to 1000000000"}}) {
      const auto result =
          run_cli({"report", dir / "log", "-o", dir / "r.html", "--by", "flavor", flag, value});
      EXPECT_EQ(result.exit_status, 2) << flag << " " << value;
      EXPECT_EQ(result.err, "runner-metrics: " + flag + ": " + value + " " + problem + "\n");
      EXPECT_FALSE(read_file(dir / "r.html").has_value()) << "nothing written";
    }
  }
}

}  // namespace
}  // namespace runner_metrics
