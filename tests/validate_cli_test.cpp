// SPDX-License-Identifier: Apache-2.0
// `runner-metrics validate`: each invalid line with its file, number and
// reason (the first 20, then a count), a total, and an exit status that says
// whether the log is healthy.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/log_builder.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

const std::string kValid = installed_line(1, "small", 2);
const std::string kOther = R"({"timestamp": 1, "event": "runner_resized", "cores": 4})"
                           "\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; at < text.size(); at = end + 1) {
    end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at));
  }
  return lines;
}

TEST(ValidateCli, AValidLogExits0WithATotal) {
  TempDir dir;
  write_file(dir / "log", kValid + kValid + kOther);
  const auto result = run_cli({"validate", dir / "log"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "3 lines: 2 valid, 1 other, 0 invalid\n");
  EXPECT_EQ(result.err, "");
}

TEST(ValidateCli, EmptyFilesAreValid) {
  TempDir dir;
  write_file(dir / "log", "");
  const auto result = run_cli({"validate", dir / "log", dir / "log"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "0 lines: 0 valid, 0 other, 0 invalid\n");
}

TEST(ValidateCli, ListsEachInvalidLineWithItsFileLineAndReasonAndExits2) {
  TempDir dir;
  write_file(dir / "a.log",
             kValid +
                 R"({"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": -1})"
                 "\n" +
                 kValid + "\n");
  write_file(dir / "b.log", kOther + "{\"timestamp\": 1, \"event\": \"reconciliation\"}\r\n");
  const auto result = run_cli({"validate", dir / "a.log", dir / "b.log"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_EQ(lines_of(result.out), (std::vector<std::string>{
                                      dir / "a.log" + ":2: duration: must be >= 0",
                                      dir / "a.log" + ":4: line is empty",
                                      dir / "b.log" + ":2: flavor: is required",
                                      "6 lines: 2 valid, 1 other, 3 invalid",
                                  }));
  EXPECT_EQ(result.err, "runner-metrics: 3 of 6 lines are invalid\n");
}

TEST(ValidateCli, ListsTheFirst20InvalidLinesThenACount) {
  TempDir dir;
  std::string log;
  for (int i = 1; i <= 50; ++i) log += i % 2 == 0 ? "junk\n" : kValid;
  write_file(dir / "log", log);
  const auto result = run_cli({"validate", dir / "log"});
  EXPECT_EQ(result.exit_status, 2);
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 22u) << result.out;
  EXPECT_EQ(lines[0], dir / "log" + ":2: line is not a JSON object");
  EXPECT_EQ(lines[19], dir / "log" + ":40: line is not a JSON object");
  EXPECT_EQ(lines[20], "... and 5 more invalid lines");
  EXPECT_EQ(lines[21], "50 lines: 25 valid, 0 other, 25 invalid");
}

TEST(ValidateCli, LineNumbersAreThoseOfTheFileWhenALargeLogIsReadInParallel) {
  TempDir dir;
  std::string log;
  const std::size_t lines = 120000;  // ~13 MiB: several ranges
  log.reserve(lines * kValid.size());
  for (std::size_t i = 1; i <= lines; ++i) {
    log += i == 77777 || i == 111111 ? "{\"truncated\": \n" : kValid;
  }
  write_file(dir / "big.log", log);
  write_file(dir / "small.log", "junk\n");
  const auto result = run_cli({"validate", dir / "small.log", dir / "big.log"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_EQ(lines_of(result.out), (std::vector<std::string>{
                                      dir / "small.log" + ":1: line is not a JSON object",
                                      dir / "big.log" + ":77777: line is not valid JSON",
                                      dir / "big.log" + ":111111: line is not valid JSON",
                                      "120001 lines: 119998 valid, 0 other, 3 invalid",
                                  }));
}

TEST(ValidateCli, ReadsStandardInput) {
  const auto result = run_cli({"validate", "-"}, {.stdin_data = kValid + "junk"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_EQ(result.out,
            "<stdin>:2: line is not a JSON object\n2 lines: 1 valid, 0 other, 1 invalid\n");
}

TEST(ValidateCli, JunkIsReportedNeverACrash) {
  TempDir dir;
  const testing::JunkLog junk = testing::junk_log();
  write_file(dir / "log", junk.text);
  const auto result = run_cli({"validate", dir / "log"});
  EXPECT_EQ(result.exit_status, 2) << result.err;
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), junk.invalid + 1) << result.out;
  EXPECT_EQ(lines.back(), fmt::format("{} lines: {} valid, {} other, {} invalid", junk.total(),
                                      junk.valid, junk.other, junk.invalid));
  EXPECT_NE(result.out.find("line is longer than 1048576 bytes"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(": duration: must be a number"), std::string::npos) << result.out;
}

TEST(ValidateCli, ControlCharactersInReasonsAreEscaped) {
  TempDir dir;
  write_file(
      dir / "log",
      "{\"timestamp\": 1, \"event\": \"runner_installed\", \"a\\u001b\": 1, \"a\\u001b\": 2}\n");
  const auto result = run_cli({"validate", dir / "log"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("a\\x1b: is given twice"), std::string::npos) << result.out;
}

TEST(ValidateCli, AFileThatCannotBeReadExits1NamingThePath) {
  TempDir dir;
  write_file(dir / "a.log", kValid);
  const auto result = run_cli({"validate", dir / "a.log", dir / "missing.log"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.err, "runner-metrics: " + dir / "missing.log" + ": No such file or directory\n");
  EXPECT_EQ(result.out, "");
}

TEST(ValidateCli, HelpDocumentsTheExitStatuses) {
  const auto result = run_cli({"validate", "--help"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_NE(result.out.find("Exit status: 0 every line is valid; 2 some line is invalid; 1 a file "
                            "could not be read."),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace runner_metrics
