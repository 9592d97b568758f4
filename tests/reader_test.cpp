// SPDX-License-Identifier: Apache-2.0
// EventReader: every line of a log exactly once, classified, with its number
// and offset, whatever the line endings, buffer size or byte ranges.
#include "runner_metrics/reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/log_builder.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;
using Kind = ParsedLine::Kind;

struct Seen {
  std::string text;
  std::uint64_t number;
  std::uint64_t offset;
  Kind kind;
  std::string problem;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> read_all(const std::string& path, ReaderOptions options = {}) {
  EventReader reader(path, options);
  std::vector<Seen> lines;
  while (const LogLine* line = reader.next()) {
    lines.push_back({std::string(line->text), line->number, line->offset, line->parsed->kind,
                     line->parsed->problem});
  }
  EXPECT_EQ(reader.next(), nullptr);  // and stays at the end
  return lines;
}

const std::string kValid =
    R"({"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 2.0})";
const std::string kOther = R"({"timestamp": 1.0, "event": "runner_resized", "cores": 4})";

TEST(EventReader, YieldsEachLineWithItsNumberOffsetAndKind) {
  TempDir dir;
  write_file(dir / "log", kValid + "\n" + kOther + "\nnot json\n");
  const auto lines = read_all(dir / "log");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, kValid);
  EXPECT_EQ(lines[0].number, 1u);
  EXPECT_EQ(lines[0].offset, 0u);
  EXPECT_EQ(lines[0].kind, Kind::Event);
  EXPECT_EQ(lines[1].number, 2u);
  EXPECT_EQ(lines[1].offset, kValid.size() + 1);
  EXPECT_EQ(lines[1].kind, Kind::Other);
  EXPECT_EQ(lines[2].text, "not json");
  EXPECT_EQ(lines[2].offset, kValid.size() + kOther.size() + 2);
  EXPECT_EQ(lines[2].kind, Kind::Invalid);
}

TEST(EventReader, GivesTheParsedEvent) {
  TempDir dir;
  write_file(dir / "log", installed_line(5, "large", 7.5));
  EventReader reader(dir / "log");
  const LogLine* line = reader.next();
  ASSERT_NE(line, nullptr);
  ASSERT_EQ(line->parsed->kind, Kind::Event);
  const auto& event = std::get<RunnerInstalled>(line->parsed->event);
  EXPECT_EQ(event.timestamp, 5.0);
  EXPECT_EQ(event.flavor, "large");
  EXPECT_EQ(event.duration, 7.5);
}

TEST(EventReader, IgnoresOneTrailingCarriageReturn) {
  TempDir dir;
  write_file(dir / "log", kValid + "\r\n" + kValid + "\r\r\n" + kValid + "\r");
  const auto lines = read_all(dir / "log");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].kind, Kind::Event);
  EXPECT_EQ(lines[0].text, kValid);
  EXPECT_EQ(lines[1].text, kValid + "\r");  // only one "\r" belongs to the line ending,
  EXPECT_EQ(lines[1].kind, Kind::Event);    // and the other is JSON whitespace
  EXPECT_EQ(lines[2].kind, Kind::Event);
}

TEST(EventReader, CountsALastLineWithoutNewline) {
  TempDir dir;
  write_file(dir / "log", kValid + "\n" + kValid);
  const auto lines = read_all(dir / "log");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].kind, Kind::Event);
  EXPECT_EQ(lines[1].offset, kValid.size() + 1);
}

TEST(EventReader, EmptyFileHasNoLinesAndEmptyLinesAreInvalid) {
  TempDir dir;
  write_file(dir / "empty", "");
  EXPECT_TRUE(read_all(dir / "empty").empty());
  write_file(dir / "blank", "\n\r\n");
  const auto lines = read_all(dir / "blank");
  ASSERT_EQ(lines.size(), 2u);
  for (const Seen& line : lines) {
    EXPECT_EQ(line.kind, Kind::Invalid);
    EXPECT_EQ(line.problem, "line is empty");
  }
}

TEST(EventReader, LineLongerThanTheLimitIsInvalidAndSkippedWithoutHoldingIt) {
  TempDir dir;
  const std::string long_line(1000, 'x');
  write_file(dir / "log", kValid + "\n" + long_line + "\n" + kValid + "\n" + long_line);
  const ReaderOptions options{.max_line_bytes = 100};
  const auto lines = read_all(dir / "log", options);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].kind, Kind::Event);
  EXPECT_EQ(lines[1].kind, Kind::Invalid);
  EXPECT_EQ(lines[1].problem, "line is longer than 100 bytes");
  EXPECT_EQ(lines[1].offset, kValid.size() + 1);
  EXPECT_EQ(lines[2].kind, Kind::Event);
  EXPECT_EQ(lines[2].number, 3u);
  EXPECT_EQ(lines[2].offset, kValid.size() + long_line.size() + 2);
  EXPECT_EQ(lines[3].kind, Kind::Invalid);
  EXPECT_EQ(lines[3].problem, "line is longer than 100 bytes");
}

TEST(EventReader, ALineOfExactlyTheLimitIsReadTheLimitCountingItsNewline) {
  TempDir dir;
  write_file(dir / "log", kValid + "\n" + kValid);
  const auto lines = read_all(dir / "log", {.max_line_bytes = kValid.size() + 1});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].kind, Kind::Event);
  EXPECT_EQ(lines[1].kind, Kind::Event);
  // The last line has no "\n" but is held to the same limit.
  const auto shorter = read_all(dir / "log", {.max_line_bytes = kValid.size()});
  ASSERT_EQ(shorter.size(), 2u);
  EXPECT_EQ(shorter[0].kind, Kind::Invalid);
  EXPECT_EQ(shorter[1].kind, Kind::Invalid);
}

TEST(EventReader, AnyBufferSizeReadsTheSameLines) {
  TempDir dir;
  const std::string log = testing::random_log({.lines = 3000, .seed = 5});
  write_file(dir / "log", log);
  const auto expected = read_all(dir / "log");
  EXPECT_EQ(expected.size(), 3000u);
  for (std::size_t limit : {400u, 401u, 777u, 4096u}) {
    SCOPED_TRACE(limit);
    auto lines = read_all(dir / "log", {.max_line_bytes = limit});
    ASSERT_EQ(lines.size(), expected.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (expected[i].text.size() >= limit) continue;  // too long for this buffer
      ASSERT_EQ(lines[i], expected[i]) << "line " << i + 1;
    }
  }
}

TEST(EventReader, ByteRangesSplitAFileWithoutLosingOrDoublingALine) {
  TempDir dir;
  std::string log = testing::random_log({.lines = 60, .seed = 9});
  log += "last line without newline";
  write_file(dir / "log", log);
  const auto whole = read_all(dir / "log");
  // Every cut point, so cuts fall on line starts, on "\n", mid-line and
  // past the end.
  for (std::uint64_t cut = 0; cut <= log.size() + 1; cut += 5) {
    for (std::uint64_t second_cut : {cut + 1, cut + 200, cut + 5000}) {
      std::vector<Seen> joined;
      for (const ByteRange range :
           {ByteRange{0, cut}, ByteRange{cut, second_cut}, ByteRange{second_cut}}) {
        for (Seen line : read_all(dir / "log", {.max_line_bytes = 1024, .range = range})) {
          EXPECT_GE(line.offset, range.begin);
          EXPECT_LT(line.offset, range.end);
          joined.push_back(line);
        }
      }
      ASSERT_EQ(joined.size(), whole.size()) << "cuts at " << cut << ", " << second_cut;
      for (std::size_t i = 0; i < whole.size(); ++i) {
        ASSERT_EQ(joined[i].offset, whole[i].offset);
        ASSERT_EQ(joined[i].text, whole[i].text);
      }
    }
  }
}

TEST(EventReader, RangeLineNumbersCountFromTheRangeStart) {
  TempDir dir;
  write_file(dir / "log", kValid + "\n" + kValid + "\n" + kValid + "\n");
  const auto lines = read_all(dir / "log", {.range = {kValid.size(), kValid.size() + 2}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].number, 1u);
  EXPECT_EQ(lines[0].offset, kValid.size() + 1);
}

TEST(EventReader, ReadsStandardInput) {
  TempDir dir;
  write_file(dir / "log", kValid + "\n" + kOther + "\n");
  const int saved = ::dup(0);
  const int file = ::open((dir / "log").c_str(), O_RDONLY);
  ASSERT_GE(file, 0);
  ::dup2(file, 0);
  ::close(file);
  const auto lines = read_all("-");
  ::dup2(saved, 0);
  ::close(saved);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].kind, Kind::Other);
}

TEST(EventReader, BinaryGarbageAndNulBytesAreInvalidLines) {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 256; ++i) {
    if (i != '\n') garbage += static_cast<char>(i);
  }
  write_file(dir / "log", garbage + "\n" + std::string("{\"a\0\": 1}", 10) + "\n" + kValid + "\n");
  const auto lines = read_all(dir / "log");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].kind, Kind::Invalid);
  EXPECT_EQ(lines[1].kind, Kind::Invalid);
  EXPECT_EQ(lines[2].kind, Kind::Event);
}

TEST(EventReader, CountsTheBytesItRead) {
  TempDir dir;
  write_file(dir / "log", kValid + "\n" + kValid + "\n");
  EventReader reader(dir / "log");
  EXPECT_EQ(reader.bytes_read(), 0u);
  while (reader.next() != nullptr) {
  }
  EXPECT_EQ(reader.bytes_read(), 2 * kValid.size() + 2);
}

TEST(EventReader, MissingFileOrDirectoryThrowsReadLogErrorNamingThePath) {
  TempDir dir;
  try {
    EventReader reader(dir / "missing.log");
    FAIL() << "opened a missing file";
  } catch (const ReadLogError& e) {
    EXPECT_EQ(e.path(), dir / "missing.log");
    EXPECT_EQ(std::string(e.what()), dir / "missing.log" + ": No such file or directory");
  }
  EXPECT_THROW(EventReader reader(dir.path()), ReadLogError);
}

}  // namespace
}  // namespace runner_metrics
