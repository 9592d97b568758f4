// SPDX-License-Identifier: Apache-2.0
// serialize.hpp: the exact bytes of a line, and what to_line refuses.
#include "runner_metrics/serialize.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"

namespace runner_metrics {
namespace {

std::string python_float(double value) {
  std::string out;
  detail::append_python_float(out, value);
  return out;
}

TEST(Serialize, FloatsAreWrittenAsPythonsRepr) {
  // Each expectation is what CPython's repr() prints for the same double.
  EXPECT_EQ(python_float(0.0), "0.0");
  EXPECT_EQ(python_float(-0.0), "-0.0");
  EXPECT_EQ(python_float(123.0), "123.0");
  EXPECT_EQ(python_float(0.0001), "0.0001");
  EXPECT_EQ(python_float(0.00012345), "0.00012345");
  EXPECT_EQ(python_float(1e-05), "1e-05");
  EXPECT_EQ(python_float(1.5e-07), "1.5e-07");
  EXPECT_EQ(python_float(1e16), "1e+16");
  EXPECT_EQ(python_float(1.2345e16), "1.2345e+16");
  EXPECT_EQ(python_float(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(python_float(9007199254740993.0), "9007199254740992.0");
  EXPECT_EQ(python_float(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(python_float(0.1), "0.1");
  EXPECT_EQ(python_float(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(python_float(1700000000.123456), "1700000000.123456");
  EXPECT_EQ(python_float(5e-324), "5e-324");
  EXPECT_EQ(python_float(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(python_float(2.5e-310), "2.5e-310");
  EXPECT_EQ(python_float(100.5), "100.5");
  EXPECT_EQ(python_float(1e22), "1e+22");
}

// Python's repr from an independent source: the shortest round-trip digits
// of std::to_chars (libstdc++'s Ryū), placed by repr's rule (positional for
// decimal exponents -4 to 15).
std::string repr_from_to_chars(double value) {
  std::array<char, 64> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                 std::chars_format::scientific)
                       .ptr;
  const std::string text(buffer.data(), end);  // d[.ddd]e±XX
  const auto e = text.find('e');
  std::string digits = text.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exponent = std::stoi(text.substr(e + 1));
  if (exponent < -4 || exponent >= 16) return "<exponent form>";
  if (exponent < 0)
    return "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto whole = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= whole) return digits + std::string(whole - digits.size(), '0') + ".0";
  return digits.substr(0, whole) + "." + digits.substr(whole);
}

// The shortcut for values with few decimals (timestamps, durations) against
// that independent repr: every 1 to 6 decimals, near 0, near 1e-4, near
// 1e15, and values one ulp away (which must not take the shortcut wrongly).
TEST(Serialize, FloatsWithFewDecimalsMatchAnIndependentShortestRepr) {
  std::mt19937_64 random(17);
  std::size_t checked = 0;
  for (int decimals = 1; decimals <= 7; ++decimals) {
    const double scale = std::pow(10.0, decimals);
    for (int i = 0; i < 20000; ++i) {
      const std::uint64_t magnitude = std::uint64_t{1} << (random() % 50);
      const double value = static_cast<double>(random() % magnitude + 1) / scale;
      for (const double v : {value, std::nextafter(value, 0.0), std::nextafter(value, 1e300)}) {
        if (v < 1e-4 || v >= 1e16) continue;
        ASSERT_EQ(python_float(v), repr_from_to_chars(v)) << fmt::format("{:.17g}", v);
        ++checked;
      }
    }
  }
  for (const double v : {0.0001, 0.00015, 0.05, 0.5, 1700000000.25, 1234.5, 999999999999999.9,
                         99999999999999.99, 0.1 + 0.2, 1e15 - 0.5}) {
    EXPECT_EQ(python_float(v), repr_from_to_chars(v)) << fmt::format("{:.17g}", v);
  }
  EXPECT_GT(checked, 300000u);
}

TEST(Serialize, StringsAreAsciiWithPythonsEscapes) {
  const auto line = to_line(
      RunnerInstalled{.timestamp = 1,
                      .flavor = "a\"b\\c/d\n\r\t\b\f\x01\x7f\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80",
                      .duration = 2});
  EXPECT_EQ(line,
            "{\"timestamp\": 1.0, \"event\": \"runner_installed\", \"flavor\": "
            "\"a\\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0001\\u007f\\u00e9\\u2028\\ud83d\\ude00\", "
            "\"duration\": 2.0}\n");
}

TEST(Serialize, AbsentOptionalFieldsAreLeftOutAndNestedRecordsUseTheSameSeparators) {
  RunnerStop stop{.timestamp = 1,
                  .flavor = "s",
                  .workflow = "w",
                  .repo = "r",
                  .github_event = "e",
                  .status = "normal",
                  .job_duration = 3};
  EXPECT_EQ(to_line(stop),
            "{\"timestamp\": 1.0, \"event\": \"runner_stop\", \"flavor\": \"s\", \"workflow\": "
            "\"w\", \"repo\": \"r\", \"github_event\": \"e\", \"status\": \"normal\", "
            "\"job_duration\": 3.0}\n");
  stop.status_info = CodeInformation{.code = -9};
  EXPECT_NE(to_line(stop).find(", \"status_info\": {\"code\": -9}, \"job_duration\""),
            std::string::npos);
}

TEST(Serialize, AnotherTypesNameIsRefusedAndAnyOtherNameIsKept) {
  Reconciliation reconciliation{.timestamp = 1, .flavor = "s", .duration = 1};
  reconciliation.event = "runner_installed";
  try {
    (void)to_line(reconciliation);
    FAIL() << "a reconciliation was written as runner_installed";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "event");
  }
  reconciliation.event = "reconciliation_v2";
  EXPECT_NE(to_line(reconciliation).find("\"event\": \"reconciliation_v2\""), std::string::npos);
}

TEST(Serialize, AFailedAppendLeavesTheBufferAsItWas) {
  std::string buffer = "kept\n";
  EXPECT_THROW(append_line(buffer, RunnerInstalled{.timestamp = 1, .flavor = "s", .duration = -1}),
               ValidationError);
  EXPECT_EQ(buffer, "kept\n");
  EXPECT_THROW(append_line(buffer, RunnerInstalled{.timestamp = 1,
                                                   .flavor = std::string(MAX_LINE_BYTES, 'x'),
                                                   .duration = 1}),
               ValidationError);
  EXPECT_EQ(buffer, "kept\n");
}

// A user's own event, defined the way the library defines its four, gets
// serialization and validation without touching the library.
struct RunnerResized {
  double timestamp = 0;
  std::string event = "runner_resized";
  std::string flavor;
  std::int64_t cores = 0;
  std::optional<double> took;

  static constexpr auto fields() {
    return std::tuple{Field{"flavor", &RunnerResized::flavor, "Runner flavor."},
                      Field{"cores", &RunnerResized::cores, "New core count."},
                      Field{"took", &RunnerResized::took, "Seconds the resize took."}};
  }
};
static_assert(Event<RunnerResized>);

TEST(Serialize, AUserDefinedEventIsWrittenAndValidatedFromItsDescription) {
  EXPECT_EQ(to_line(RunnerResized{.timestamp = 1, .flavor = "s", .cores = 4}),
            "{\"timestamp\": 1.0, \"event\": \"runner_resized\", \"flavor\": \"s\", \"cores\": "
            "4}\n");
  try {
    (void)to_line(RunnerResized{.timestamp = 1, .flavor = "s", .cores = -1});
    FAIL() << "a negative count was written";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "cores");
  }
  try {
    (void)to_line(RunnerResized{.timestamp = 1, .flavor = "s", .took = NAN});
    FAIL() << "NaN was written";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "took");
  }
  // Its lines are someone else's events to a reader of the four types.
  EventParser reader(ParseRules::Log);
  const std::string line = to_line(RunnerResized{.timestamp = 1, .flavor = "s", .cores = 4});
  EXPECT_EQ(reader.read(std::string_view(line).substr(0, line.size() - 1)).kind,
            ParsedLine::Kind::Other);
}

}  // namespace
}  // namespace runner_metrics
