// SPDX-License-Identifier: Apache-2.0
// One line-length limit, MAX_LINE_BYTES (1 MiB, "\n" included), for every
// reader and writer: a line one byte over it is invalid for `issue --stdin`,
// `validate`, `summary`, `report` and `serve` alike, and a line of exactly
// the limit is valid for all of them. A 3 MB line that is otherwise a valid
// event gets the same verdict everywhere.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace {

using runner_metrics::MAX_LINE_BYTES;
using runner_metrics::RunnerInstalled;
using runner_metrics::to_line;
using namespace runner_metrics::testing;

// A valid event's line of exactly `bytes` bytes, "\n" included.
std::string line_of(std::size_t bytes) {
  const std::string short_line =
      to_line(RunnerInstalled{.timestamp = 2, .flavor = "", .duration = 1});
  std::string line = short_line;
  line.insert(line.find(R"("flavor": "")") + 11, std::string(bytes - short_line.size(), 'f'));
  return line;
}

const std::string kBefore = to_line(RunnerInstalled{.timestamp = 1, .flavor = "a", .duration = 1});
const std::string kAfter = to_line(RunnerInstalled{.timestamp = 3, .flavor = "b", .duration = 1});

struct Verdicts {
  int issue_status = 0;
  std::string issue_err;
  std::string validate_out;
  std::string summary_lines;
  bool report_says;
  double serve_invalid;
};

// Every reader's verdict on a log of kBefore, `line`, kAfter.
Verdicts verdicts(const std::string& line) {
  TempDir dir;
  const std::string input = kBefore + line + kAfter;
  write_file(dir / "log", input);
  Verdicts v;
  const auto issued =
      run_cli({"issue", "--stdin", "--log", dir / "written.log"}, {.stdin_data = input});
  v.issue_status = issued.exit_status;
  v.issue_err = issued.err;
  if (issued.exit_status == 0) {
    EXPECT_EQ(read_file(dir / "written.log"), input);
  } else {
    EXPECT_FALSE(std::filesystem::exists(dir / "written.log"));
  }

  v.validate_out = run_cli({"validate", dir / "log"}).out;
  const auto summary = run_cli({"summary", "--format", "json", dir / "log"}).out;
  v.summary_lines = summary.substr(0, summary.find('}') + 1);
  const auto reported = run_cli({"report", dir / "log", "--output", dir / "page.html"});
  EXPECT_EQ(reported.exit_status, 0) << reported.err;
  const std::string page = read_file(dir / "page.html").value_or("");
  const bool invalid = line.size() > MAX_LINE_BYTES;
  v.report_says = page.find(fmt::format("({} valid events, 0 other events, {} invalid lines)",
                                        invalid ? 2 : 3, invalid ? 1 : 0)) != std::string::npos;

  ServeProcess serve(dir / "log");
  double seen = -1;
  EXPECT_TRUE(wait_until([&] {
    const auto exposition = runner_metrics::testing::scrape(serve.port());
    const auto events =
        exposition.value(R"(runner_metric_events_total{event="runner_installed",flavor="b"})");
    seen = exposition.value("metrics_log_invalid_lines_total").value_or(-1);
    return events.has_value();  // kAfter was read: so was the line before it
  }));
  v.serve_invalid = seen;
  return v;
}

TEST(LineLimit, ALineOfExactlyTheLimitIsValidForEveryReaderAndTheWriter) {
  const std::string line = line_of(MAX_LINE_BYTES);
  ASSERT_EQ(line.size(), MAX_LINE_BYTES);
  const Verdicts v = verdicts(line);
  EXPECT_EQ(v.issue_status, 0) << v.issue_err;
  EXPECT_EQ(v.validate_out, "3 lines: 3 valid, 0 other, 0 invalid\n");
  EXPECT_EQ(v.summary_lines, R"({"lines": {"total": 3, "valid": 3, "other": 0, "invalid": 0})");
  EXPECT_TRUE(v.report_says);
  EXPECT_EQ(v.serve_invalid, 0);
}

// `issue` refuses the second of three lines whole; every reader counts it as
// the one invalid line of three.
void expect_every_reader_refuses(const Verdicts& v) {
  EXPECT_EQ(v.issue_status, 2);
  EXPECT_EQ(v.issue_err, "runner-metrics: line 2: line is longer than 1048576 bytes\n");
  EXPECT_TRUE(
      v.validate_out.ends_with(":2: line is longer than 1048576 bytes\n"
                               "3 lines: 2 valid, 0 other, 1 invalid\n"))
      << v.validate_out;
  EXPECT_EQ(v.summary_lines, R"({"lines": {"total": 3, "valid": 2, "other": 0, "invalid": 1})");
  EXPECT_TRUE(v.report_says);
  EXPECT_EQ(v.serve_invalid, 1);
}

TEST(LineLimit, ALineOneByteOverTheLimitIsInvalidForEveryReaderAndRefusedByIssue) {
  const std::string line = line_of(MAX_LINE_BYTES + 1);
  expect_every_reader_refuses(verdicts(line));
}

TEST(LineLimit, AThreeMegabyteOtherwiseValidLineIsInvalidForEveryReaderAndRefusedByIssue) {
  const std::string line = line_of(3'000'000);
  expect_every_reader_refuses(verdicts(line));
}

}  // namespace
