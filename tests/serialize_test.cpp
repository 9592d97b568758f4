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
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "json/json_text.hpp"
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

// The shortcuts of write_python_float (whole numbers, few decimals) against
// its plain path, the shortest digits from Dragonbox, on every finite class
// of double: zeros of both signs, subnormals, normals of every exponent,
// whole numbers around 2^53, few-decimal values near 1e-4 and 1e15, their
// neighbours one ulp away, and random bit patterns.
TEST(Serialize, FloatShortcutsMatchTheShortestDigitsPath) {
  const auto fast = [](double value) {
    std::array<char, detail::kMaxFloatBytes> buffer{};
    return std::string(buffer.data(), detail::write_python_float(buffer.data(), value));
  };
  const auto plain = [](double value) {
    std::array<char, detail::kMaxFloatBytes> buffer{};
    return std::string(buffer.data(), detail::write_python_float_shortest(buffer.data(), value));
  };
  std::vector<double> values = {0.0,
                                -0.0,
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::epsilon(),
                                9007199254740991.0,
                                9007199254740992.0,
                                9007199254740994.0,
                                1e15,
                                1e15 - 0.5,
                                1e16,
                                1e-4,
                                0.00015,
                                0.05,
                                1700000000.25,
                                1234.5,
                                0.1 + 0.2};
  std::mt19937_64 random(1717);
  for (int i = 0; i < 200000; ++i) {
    double bits_value = 0;
    const std::uint64_t bits = random();
    std::memcpy(&bits_value, &bits, sizeof bits_value);
    if (std::isfinite(bits_value)) values.push_back(bits_value);
    const int decimals = static_cast<int>(random() % 8);
    values.push_back(static_cast<double>(random() % (std::uint64_t{1} << (random() % 54))) /
                     std::pow(10.0, decimals));
    values.push_back(static_cast<double>(random() % (std::uint64_t{1} << 54)));
  }
  const std::size_t seeds = values.size();
  for (std::size_t i = 0; i < seeds; ++i) {
    const double v = values[i];
    for (const double neighbour :
         {std::nextafter(v, 0.0), std::nextafter(v, 1e308), std::nextafter(v, -1e308), -v}) {
      if (std::isfinite(neighbour)) values.push_back(neighbour);
    }
  }
  for (const double v : values) {
    ASSERT_EQ(fast(v), plain(v)) << fmt::format("{:.17g}", v);
  }
  EXPECT_GT(values.size(), 2000000u);
}

TEST(Serialize, NonFiniteFloatsAreRefused) {
  for (const double v :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    try {
      (void)to_line(RunnerInstalled{.timestamp = 1, .flavor = "s", .duration = v});
      FAIL() << "wrote " << v;
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), "duration");
    }
  }
}

// The word-at-a-time string path against the byte-at-a-time one, on strings
// of every length up to 40 built from plain ASCII, the characters that need
// an escape, valid UTF-8 of two to four bytes and broken UTF-8 (stray
// continuation bytes, cut sequences, overlong forms, surrogates, past
// U+10FFFF), placed anywhere, word boundaries included.
TEST(Serialize, StringFastPathMatchesTheBytewiseEscape) {
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           "0",
                                           " ",
                                           "~",
                                           "/",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\r",
                                           "\t",
                                           "\b",
                                           "\f",
                                           std::string(1, '\0'),
                                           "\x01",
                                           "\x1f",
                                           "\x7f",
                                           "\xc3\xa9",
                                           "\xe2\x80\xa8",
                                           "\xf0\x9f\x98\x80",
                                           "\xef\xbf\xbf",
                                           "\x80",
                                           "\xbf",
                                           "\xc3",
                                           "\xe2\x80",
                                           "\xf0\x9f\x98",
                                           "\xc0\xaf",
                                           "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80",
                                           "\xff",
                                           "\xfe"};
  std::mt19937_64 random(4242);
  const auto escape = [](const std::string& text, bool fast) {
    std::string out(detail::max_json_string_bytes(text.size()), '\0');
    char* const end = fast ? detail::write_ascii_json_string(out.data(), text)
                           : detail::write_ascii_json_string_bytewise(out.data(), text);
    if (end == nullptr) return std::string("<invalid>");
    out.resize(static_cast<std::size_t>(end - out.data()));
    return out;
  };
  // The appending form sizes the plain part and the rest apart: the same
  // bytes after what `out` held, or `out` as it was.
  const auto appended = [](const std::string& text) {
    std::string out = "held";
    if (!detail::append_ascii_json_string(out, text)) {
      return out == "held" ? std::string("<invalid>") : "<changed on failure: " + out + ">";
    }
    return out.starts_with("held") ? out.substr(4) : "<lost what it held: " + out + ">";
  };
  std::size_t escaped = 0;
  std::size_t invalid = 0;
  for (int round = 0; round < 200000; ++round) {
    const std::size_t length = random() % 41;
    // Mostly plain text, so that the special piece lands at every offset.
    std::string text;
    while (text.size() < length) {
      text += random() % 4 == 0 ? pieces[random() % pieces.size()]
                                : std::string(1, static_cast<char>('a' + random() % 26));
    }
    const std::string fast = escape(text, true);
    ASSERT_EQ(fast, escape(text, false)) << fmt::format("{:?}", text);
    ASSERT_EQ(appended(text), fast) << fmt::format("{:?}", text);
    if (fast == "<invalid>") {
      ++invalid;
    } else if (fast.size() != text.size() + 2) {
      ++escaped;
    }
  }
  // Plain strings of every length, and one special byte at every offset.
  for (std::size_t length = 0; length <= 40; ++length) {
    const std::string plain(length, 'x');
    ASSERT_EQ(escape(plain, true), "\"" + plain + "\"");
    ASSERT_EQ(appended(plain), "\"" + plain + "\"");
    for (std::size_t at = 0; at < length; ++at) {
      for (const std::string& piece : pieces) {
        std::string text = plain;
        text.replace(at, 1, piece);
        ASSERT_EQ(escape(text, true), escape(text, false)) << fmt::format("{:?}", text);
        ASSERT_EQ(appended(text), escape(text, false)) << fmt::format("{:?}", text);
      }
    }
  }
  EXPECT_GT(escaped, 10000u);
  EXPECT_GT(invalid, 10000u);
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

// An event with no fields of its own: the line is its timestamp and name.
struct Ping {
  double timestamp = 0;
  std::string event = "ping";
  static constexpr auto fields() { return std::tuple{}; }
};
static_assert(Event<Ping>);

TEST(Serialize, AnEventWithNoFieldsIsItsTimestampAndName) {
  EXPECT_EQ(to_line(Ping{.timestamp = 2}), "{\"timestamp\": 2.0, \"event\": \"ping\"}\n");
}

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
