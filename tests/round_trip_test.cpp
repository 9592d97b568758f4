// SPDX-License-Identifier: Apache-2.0
// Randomized round trips: generated events with hostile text and extreme
// magnitudes are written, read back by two JSON parsers (simdjson's DOM API,
// independent of the library's On-Demand reader, and Python's json module,
// the ancestor's own serializer) and compared field by field and byte by byte.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

constexpr int kEvents = 20000;

class EventGenerator {
 public:
  explicit EventGenerator(std::uint64_t seed) : rng_(seed) {}

  // Any finite non-negative double, from 5e-324 to 1.7976931348623157e+308,
  // uniform over bit patterns (so over magnitudes), with the edges and
  // everyday values mixed in.
  double seconds() {
    switch (pick(8)) {
      case 0:
        return 0.0;
      case 1:
        return static_cast<double>(pick(100000));
      case 2:
        return std::uniform_real_distribution<double>(0, 1e10)(rng_);
      case 3:
        return pick(2) == 0 ? 5e-324 : 1.7976931348623157e308;
      default: {
        double d = 0;
        do {
          d = std::bit_cast<double>(rng_() & 0x7FFFFFFFFFFFFFFFull);
        } while (!std::isfinite(d));
        return d;
      }
    }
  }

  std::int64_t integer(bool non_negative) {
    const auto value = static_cast<std::int64_t>(rng_());
    if (pick(3) == 0) return static_cast<std::int64_t>(pick(1000));
    return non_negative && value < 0 ? -(value + 1) : value;
  }

  // Text of random code points: controls, quotes, backslashes, U+2028/9,
  // private use, noncharacters, astral planes, and JSON-looking fragments
  // that try to start a new line or object.
  std::string text() {
    static const char* const kFragments[] = {
        "\n{\"event\": \"forged\"}", "\"}, {\"x\": 1", "\\u0000", "\r\n", "\\", "\"", "{", "}"};
    std::string s;
    const std::size_t length = pick(24);
    for (std::size_t i = 0; i < length; ++i) {
      switch (pick(7)) {
        case 0:
          append_utf8(s, static_cast<char32_t>(pick(0x20)));
          break;
        case 1:
          append_utf8(s, static_cast<char32_t>(0x20 + pick(0x60)));
          break;
        case 2:
          append_utf8(s, static_cast<char32_t>(0x7F + pick(0x800 - 0x7F)));
          break;
        case 3: {
          char32_t cp = 0;
          do {
            cp = static_cast<char32_t>(0x800 + pick(0x10000 - 0x800));
          } while (cp >= 0xD800 && cp <= 0xDFFF);
          append_utf8(s, cp);
          break;
        }
        case 4:
          append_utf8(s, static_cast<char32_t>(0x10000 + pick(0x100000)));
          break;
        case 5:
          append_utf8(s, pick(2) == 0 ? U'\u2028' : U'\u2029');
          break;
        default:
          s += kFragments[pick(std::size(kFragments))];
      }
    }
    return s;
  }

  AnyEvent event() {
    const double timestamp = seconds();
    switch (pick(4)) {
      case 0:
        return RunnerInstalled{.timestamp = timestamp, .flavor = text(), .duration = seconds()};
      case 1:
        return RunnerStart{
            .timestamp = timestamp,
            .flavor = text(),
            .workflow = text(),
            .repo = text(),
            .github_event = text(),
            .idle = seconds(),
            .queue_duration = pick(2) == 0 ? std::nullopt : std::optional<double>(seconds())};
      case 2:
        return RunnerStop{
            .timestamp = timestamp,
            .event = pick(4) == 0 ? text() : std::string("runner_stop"),
            .flavor = text(),
            .workflow = text(),
            .repo = text(),
            .github_event = text(),
            .status = text(),
            .status_info = pick(2) == 0 ? std::nullopt
                                        : std::optional(CodeInformation{.code = integer(false)}),
            .job_duration = seconds()};
      default:
        return Reconciliation{.timestamp = timestamp,
                              .flavor = text(),
                              .crashed_runners = integer(true),
                              .idle_runners = integer(true),
                              .duration = seconds()};
    }
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  static void append_utf8(std::string& s, char32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::mt19937_64 rng_;
};

std::uint64_t test_seed() {
  const std::uint64_t seed = std::random_device{}();
  std::printf("round trip seed: %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

// Compares one field's JSON value (read by simdjson's DOM API) to the
// member it came from.
void expect_same(const simdjson::dom::element& json, double value, std::string_view name) {
  double read = 0;
  ASSERT_EQ(json.get_double().get(read), simdjson::SUCCESS) << name;
  EXPECT_EQ(std::bit_cast<std::uint64_t>(read), std::bit_cast<std::uint64_t>(value))
      << name << ": " << read << " != " << value;
}
void expect_same(const simdjson::dom::element& json, std::int64_t value, std::string_view name) {
  std::int64_t read = 0;
  ASSERT_EQ(json.get_int64().get(read), simdjson::SUCCESS) << name;
  EXPECT_EQ(read, value) << name;
}
void expect_same(const simdjson::dom::element& json, const std::string& value,
                 std::string_view name) {
  std::string_view read;
  ASSERT_EQ(json.get_string().get(read), simdjson::SUCCESS) << name;
  EXPECT_EQ(read, value) << name;
}

template <Record R>
void expect_same_record(const simdjson::dom::object& object, const R& record) {
  std::size_t expected_members = 0;
  for_each_field<R>([&](const auto& field) {
    const auto& member = record.*(field.member);
    simdjson::dom::element json;
    const bool present = object.at_key(field.name).get(json) == simdjson::SUCCESS;
    if constexpr (is_optional_field_v<std::remove_cvref_t<decltype(member)>>) {
      ASSERT_EQ(present, member.has_value()) << field.name;
      if (!member) return;
      ++expected_members;
      if constexpr (Record<field_value_t<std::remove_cvref_t<decltype(member)>>>) {
        expect_same_record(json.get_object().value(), *member);
      } else {
        expect_same(json, *member, field.name);
      }
    } else {
      ASSERT_TRUE(present) << field.name;
      ++expected_members;
      expect_same(json, member, field.name);
    }
  });
  EXPECT_EQ(object.size(), expected_members + (Event<R> ? 2 : 0));
}

TEST(RoundTrip, RandomEventsAreOneLineAndReadBackFieldByField) {
  EventGenerator generate(test_seed());
  simdjson::dom::parser dom;
  EventParser log_parser(ParseRules::Log);
  for (int i = 0; i < kEvents; ++i) {
    const AnyEvent event = generate.event();
    const std::string line = std::visit([](const auto& e) { return to_line(e); }, event);
    SCOPED_TRACE(line);
    ASSERT_EQ(line.find('\n'), line.size() - 1);
    ASSERT_EQ(line.find('\r'), std::string::npos);
    for (const char c : line) ASSERT_TRUE((c >= 0x20 && c < 0x7F) || c == '\n') << int{c};

    simdjson::dom::object object;
    ASSERT_EQ(dom.parse(line).get(object), simdjson::SUCCESS);
    std::visit(
        [&](const auto& e) {
          expect_same(object["timestamp"].value(), e.timestamp, "timestamp");
          expect_same(object["event"].value(), e.event, "event");
          expect_same_record(object, e);
        },
        event);

    // The library's own reader agrees, when the name is one of the types.
    const ParsedLine& parsed = log_parser.read(std::string_view(line).substr(0, line.size() - 1));
    if (parsed.kind == ParsedLine::Kind::Event) {
      EXPECT_EQ(std::visit([](const auto& e) { return to_line(e); }, parsed.event), line);
    }
    if (::testing::Test::HasFailure()) return;
  }
}

// Python's json.dumps is what the ancestor wrote lines with: for every line
// we write, json.dumps(json.loads(line)) must give back the same bytes.
TEST(RoundTrip, PythonJsonDumpsReproducesEveryLineByteForByte) {
  EventGenerator generate(test_seed());
  testing::TempDir dir;
  std::string lines;
  for (int i = 0; i < kEvents; ++i) {
    std::visit([&](const auto& e) { append_line(lines, e); }, generate.event());
  }
  testing::write_file(dir / "lines.jsonl", lines);
  const auto result =
      testing::run_process({"/usr/bin/python3", "-c",
                            "import json, sys\n"
                            "n = 0\n"
                            "for line in open(sys.argv[1], encoding='ascii', newline='\\n'):\n"
                            "    again = json.dumps(json.loads(line)) + '\\n'\n"
                            "    if again != line:\n"
                            "        sys.exit('differs:\\n' + line + again)\n"
                            "    n += 1\n"
                            "print(n)\n",
                            dir / "lines.jsonl"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, fmt::format("{}\n", kEvents));
}

}  // namespace
}  // namespace runner_metrics
