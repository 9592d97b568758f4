// SPDX-License-Identifier: Apache-2.0
// Every worked example of tests/data/vectors.jsonl (the seed era's fields) and
// tests/data/vectors-later.jsonl (job_conclusion, active_runners,
// expected_runners) through the library, the CLI's field flags and
// `issue --stdin`.
#include "support/vectors.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

// Both files' vectors, seed era first.
std::vector<Vector> all_vectors() {
  std::vector<Vector> vectors = load_vectors("vectors.jsonl");
  for (Vector& v : load_vectors("vectors-later.jsonl")) vectors.push_back(std::move(v));
  return vectors;
}

// An error names `field` if it is the field or the last part of its path
// ("code" in "status_info.code").
bool names_field(const std::string& reported, const std::string& field) {
  return reported == field ||
         (reported.size() > field.size() && reported.compare(reported.size() - field.size() - 1,
                                                             std::string::npos, "." + field) == 0);
}

std::string dashed(std::string name) {
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

// The input with its `event` value replaced by the type's own name, for
// vectors where an explicit name overrides it.
std::string with_type_name(const Vector& v) {
  std::string input = v.input;
  for (const JsonMember& m : v.members) {
    if (m.name == "event") input.replace(input.find(m.raw), m.raw.size(), "\"" + *v.type + "\"");
  }
  return input;
}

// The vectors are copies of the contract's; where the contract is beside the
// checkout (as in the project's own CI), they must not drift from it.
TEST(Vectors, CopiesInTestsDataAreByteIdenticalToTheContracts) {
  const std::string contract = RUNNER_METRICS_CONTRACT_DIR;
  if (!testing::read_file(contract + "/vectors.jsonl")) {
    GTEST_SKIP() << "no contract beside the checkout (" << contract << "); nothing to compare";
  }
  for (const std::string name : {"vectors.jsonl", "vectors-later.jsonl"}) {
    SCOPED_TRACE(name);
    const auto theirs = testing::read_file(contract + "/" + name);
    const auto ours =
        testing::read_file(std::string(RUNNER_METRICS_SOURCE_DIR) + "/tests/data/" + name);
    ASSERT_TRUE(theirs.has_value());
    ASSERT_TRUE(ours.has_value());
    EXPECT_TRUE(*ours == *theirs) << "tests/data/" << name << " differs from " << contract;
  }
}

TEST(Vectors, LibraryWritesEachExactLineAndRejectsEachErrorNamingTheField) {
  EventParser parser(ParseRules::Input);
  std::size_t outs = 0;
  std::size_t errors = 0;
  for (const Vector& v : all_vectors()) {
    SCOPED_TRACE(v.label());
    if (v.out) {
      AnyEvent event = parser.parse(v.type ? with_type_name(v) : v.input);
      if (v.type) {
        for (const JsonMember& m : v.members) {
          if (m.name == "event") std::visit([&](auto& e) { e.event = m.text; }, event);
        }
      }
      EXPECT_EQ(std::visit([](const auto& e) { return to_line(e); }, event), *v.out);
      ++outs;
    } else {
      try {
        parser.parse(v.input);
        ADD_FAILURE() << "accepted " << v.input;
      } catch (const ValidationError& e) {
        EXPECT_TRUE(names_field(e.field(), *v.error)) << e.what() << " should name " << *v.error;
        EXPECT_NE(std::string(e.what()).find(*v.error), std::string::npos) << e.what();
      }
      ++errors;
    }
  }
  EXPECT_GE(outs, 20u);
  EXPECT_GE(errors, 20u);
}

// Flags carry text: a vector whose point is a JSON type (a number given as a
// string, null for a string, an empty object) or a NUL (argv cannot hold one)
// or a missing timestamp (the CLI's default is now) has no flag form.
bool has_flag_form(const Vector& v) {
  static const std::set<std::string> text_fields = {
      "event", "flavor", "workflow", "repo", "github_event", "status", "job_conclusion"};
  bool has_timestamp = false;
  for (const JsonMember& m : v.members) {
    if (m.name == "timestamp") has_timestamp = true;
    const bool text_field = text_fields.count(m.name) > 0;
    if (m.raw == "null" && !v.error) continue;
    if (text_field != m.is_string && text_fields.count(m.name) + m.is_string > 0) return false;
    if (m.is_string && m.text.find('\0') != std::string::npos) return false;
    if (m.raw == "{}") return false;
  }
  return has_timestamp || !v.error;
}

std::vector<std::string> flags_for(const Vector& v, const std::string& log) {
  std::vector<std::string> args = {"issue", dashed(v.event_name()), "--log=" + log};
  for (const JsonMember& m : v.members) {
    if (m.raw == "null") continue;
    if (m.name == "event") {
      if (v.type) args.push_back("--event=" + m.text);
    } else if (m.name == "status_info") {
      for (const JsonMember& nested : m.members) {
        args.push_back("--status-" + dashed(nested.name) + "=" + nested.raw);
      }
    } else {
      args.push_back("--" + dashed(m.name) + "=" + (m.is_string ? m.text : m.raw));
    }
  }
  return args;
}

void expect_rejected(const testing::ProcessResult& result, const Vector& v,
                     const std::string& log) {
  EXPECT_EQ(result.exit_status, 2) << result.err;
  EXPECT_NE(result.err.find(*v.error), std::string::npos)
      << result.err << " should name " << *v.error;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_FALSE(testing::read_file(log).has_value()) << "something was written";
}

// The later fields have flags of their own: every line of vectors-later.jsonl
// can be written with them, and each of its errors but the misspelt member
// (no flag has that name) and the number for a string is given as flags.
TEST(Vectors, EveryLaterVectorButTwoHasAFlagForm) {
  std::size_t outs = 0;
  std::size_t errors = 0;
  for (const Vector& v : load_vectors("vectors-later.jsonl")) {
    SCOPED_TRACE(v.label());
    if (v.out) {
      EXPECT_TRUE(has_flag_form(v));
      ++outs;
    } else if (has_flag_form(v)) {
      ++errors;
    }
  }
  EXPECT_EQ(outs, 8u);
  EXPECT_EQ(errors, 3u);
}

TEST(Vectors, CliFlagsWriteEachExactLineAndRejectEachErrorNamingTheField) {
  std::size_t ran = 0;
  for (const Vector& v : all_vectors()) {
    if (!has_flag_form(v)) continue;
    SCOPED_TRACE(v.label());
    TempDir dir;
    const std::string log = dir / "metrics.log";
    const auto args = flags_for(v, log);
    const auto result = run_cli(args);
    if (v.out) {
      EXPECT_EQ(result.exit_status, 0) << result.err << fmt::format(" {}", fmt::join(args, " "));
      EXPECT_EQ(testing::read_file(log).value_or("<no file>"), *v.out);
    } else {
      expect_rejected(result, v, log);
    }
    ++ran;
  }
  EXPECT_GE(ran, 30u);
}

TEST(Vectors, CliStdinWritesEachExactLineAndRejectsEachErrorNamingTheField) {
  std::size_t ran = 0;
  for (const Vector& v : all_vectors()) {
    if (v.type) continue;  // an overriding name is for the library and --event only
    SCOPED_TRACE(v.label());
    TempDir dir;
    const std::string log = dir / "metrics.log";
    const auto result = run_cli({"issue", "--stdin", "--log", log}, {.stdin_data = v.input + "\n"});
    if (v.out) {
      EXPECT_EQ(result.exit_status, 0) << result.err;
      EXPECT_EQ(testing::read_file(log).value_or("<no file>"), *v.out);
    } else {
      expect_rejected(result, v, log);
    }
    ++ran;
  }
  EXPECT_GE(ran, 40u);
}

TEST(Vectors, CliStdinBatchIsWrittenWholeOrNotAtAll) {
  std::string input;
  std::string expected;
  std::string bad_line;
  for (const Vector& v : all_vectors()) {
    if (v.type) continue;
    if (v.out) {
      input += v.input + "\n\n";  // blank lines are skipped
      expected += *v.out;
    } else if (bad_line.empty()) {
      bad_line = v.input;
    }
  }
  TempDir dir;
  const std::string log = dir / "metrics.log";
  auto result = run_cli({"issue", "--stdin", "--log=" + log}, {.stdin_data = input});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(testing::read_file(log).value_or(""), expected);

  // The same batch with one bad line in the middle: nothing more is written,
  // and the error gives the bad line's number.
  const std::size_t lines_before =
      static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n'));
  result = run_cli({"issue", "--stdin", "--log=" + log},
                   {.stdin_data = input + bad_line + "\n" + input});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find(fmt::format("line {}:", lines_before + 1)), std::string::npos)
      << result.err;
  EXPECT_EQ(testing::read_file(log).value_or(""), expected);
}

}  // namespace
}  // namespace runner_metrics
