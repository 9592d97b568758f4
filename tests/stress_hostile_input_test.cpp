// SPDX-License-Identifier: Apache-2.0
// Issue 3, part 4: hostile text through the command line. Invalid UTF-8 and
// lone surrogates in any string field are rejected naming the field, with
// nothing written; any valid text, however hostile, becomes exactly one
// line that reads back as the same text.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "runner_metrics/description.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "support/process.hpp"
#include "support/stress.hpp"

namespace {

namespace fs = std::filesystem;
namespace rm = runner_metrics;
using rm::testing::ProcessOptions;
using rm::testing::ProcessResult;
using rm::testing::read_file;
using rm::testing::run_cli;
using rm::testing::TempDir;
using rm::testing::stress::scale_divisor;

// Under the sanitizers (scale divisor n > 1) only every n-th (field,
// sequence) pair is run, so every field still meets several sequences.
bool in_scale(int pair) { return pair % scale_divisor() == 0; }

constexpr std::string_view kPlaceholder = "@@HOSTILE@@";

// A valid event of each type, every optional field present.
template <rm::Event E>
E base_event() {
  if constexpr (std::is_same_v<E, rm::RunnerInstalled>) {
    return {.timestamp = 1700000000.5, .flavor = "small", .duration = 12.25};
  } else if constexpr (std::is_same_v<E, rm::RunnerStart>) {
    return {.timestamp = 1700000001.5,
            .flavor = "small",
            .workflow = "Tests",
            .repo = "owner/name",
            .github_event = "push",
            .idle = 3.5,
            .queue_duration = 0.125};
  } else if constexpr (std::is_same_v<E, rm::RunnerStop>) {
    return {.timestamp = 1700000002.5,
            .flavor = "small",
            .workflow = "Tests",
            .repo = "owner/name",
            .github_event = "push",
            .status = "abnormal",
            .status_info = rm::CodeInformation{.code = 137},
            .job_duration = 61.5};
  } else {
    return {.timestamp = 1700000003.5,
            .flavor = "small",
            .crashed_runners = 1,
            .idle_runners = 4,
            .duration = 2.75};
  }
}

// "event" and the name of every string field of E, from its description, so
// a string field added later is covered without a change here.
template <rm::Event E>
std::vector<std::string> string_fields(bool with_event = true) {
  std::vector<std::string> names;
  if (with_event) names.emplace_back("event");
  rm::for_each_field<E>([&](const auto& field) {
    using Member = std::remove_cvref_t<decltype(E{}.*(field.member))>;
    if constexpr (std::is_same_v<Member, std::string>) names.emplace_back(field.name);
  });
  return names;
}

template <rm::Event E>
void set_string(E& event, std::string_view name, const std::string& value) {
  if (name == "event") {
    event.event = value;
    return;
  }
  rm::for_each_field<E>([&](const auto& field) {
    auto& member = event.*(field.member);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(member)>, std::string>) {
      if (field.name == name) member = value;
    }
  });
}

template <rm::Event E>
const std::string& get_string(const E& event, std::string_view name) {
  const std::string* found = &event.event;
  rm::for_each_field<E>([&](const auto& field) {
    const auto& member = event.*(field.member);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(member)>, std::string>) {
      if (field.name == name) found = &member;
    }
  });
  return *found;
}

// The field flags of a record, each in the --flag=value form.
template <rm::Record R>
void append_flags(std::vector<std::string>& args, const R& record, const std::string& prefix) {
  rm::for_each_field<R>([&](const auto& field) {
    const auto& member = record.*(field.member);
    using Member = std::remove_cvref_t<decltype(member)>;
    const std::string flag = prefix + rm::flag_name(field);
    const auto add = [&](const auto& value) {
      using Value = std::remove_cvref_t<decltype(value)>;
      if constexpr (std::is_same_v<Value, std::string>) {
        args.push_back("--" + flag + "=" + value);
      } else if constexpr (std::is_same_v<Value, double> || std::is_same_v<Value, std::int64_t>) {
        args.push_back(fmt::format("--{}={}", flag, value));
      } else {
        append_flags(args, value, flag + "-");
      }
    };
    if constexpr (rm::is_optional_field_v<Member>) {
      if (member) add(*member);
    } else {
      add(member);
    }
  });
}

// `issue TYPE --log LOG --timestamp=... [--event=...] --field=value...`.
template <rm::Event E>
std::vector<std::string> issue_args(const E& event, const std::string& log) {
  std::string type = rm::event_type_name<E>();
  std::replace(type.begin(), type.end(), '_', '-');
  std::vector<std::string> args{"issue", type, "--log", log,
                                fmt::format("--timestamp={}", event.timestamp)};
  if (event.event != rm::event_type_name<E>()) args.push_back("--event=" + event.event);
  append_flags(args, event, "");
  return args;
}

// The event's JSON line (no newline) with `json_text` as the raw text
// between the quotes of one string field.
template <rm::Event E>
std::string json_line_with(E event, std::string_view field, std::string_view json_text) {
  set_string(event, field, std::string(kPlaceholder));
  std::string line = rm::to_line(event);
  line.pop_back();
  line.replace(line.find(kPlaceholder), kPlaceholder.size(), json_text);
  return line;
}

// Calls fn(std::type_identity<E>{}) for the index-th event type.
template <class Fn>
void with_event_type(std::size_t index, Fn&& fn) {
  std::size_t i = 0;
  rm::for_each_event_type([&](auto type) {
    if (i++ == index) fn(type);
  });
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Exit 2, one line on stderr that names `field` (after `where`), nothing on
// stdout.
::testing::AssertionResult rejected_naming(const ProcessResult& result, const std::string& where,
                                           const std::string& field) {
  const std::string named = where + field + ": ";
  if (result.exit_status != 2 || std::count(result.err.begin(), result.err.end(), '\n') != 1 ||
      !contains(result.err, named) || !result.out.empty()) {
    return ::testing::AssertionFailure()
           << "exit " << result.exit_status << ", expected 2 and one line naming \"" << named
           << "\"; stderr: " << result.err << " stdout: " << result.out;
  }
  return ::testing::AssertionSuccess();
}

struct Bad {
  const char* name;
  std::string text;
};

// Byte sequences that are not UTF-8, alone and amid valid text.
const std::vector<Bad>& invalid_utf8() {
  static const std::vector<Bad> cases = {
      {"lone 0xFF", "runner\xff"},
      {"overlong '/' (C0 AF)", "\xc0\xaf"},
      {"overlong 3-byte '/' (E0 80 AF)",
       "a\xe0\x80\xaf"
       "b"},
      {"encoded surrogate U+D800 (ED A0 80)", "\xed\xa0\x80"},
      {"encoded surrogate U+DFFF (ED BF BF)", "x\xed\xbf\xbf"},
      {"truncated euro sign at the end (E2 82)", "price \xe2\x82"},
      {"truncated euro sign before ASCII",
       "\xe2\x82"
       "x"},
      {"lone continuation byte",
       "\x80"
       "abc"},
      {"above U+10FFFF (F4 90 80 80)", "\xf4\x90\x80\x80"},
      {"5-byte form", "\xf8\x88\x80\x80\x80"},
  };
  return cases;
}

// JSON escapes that decode to a lone or misordered surrogate.
const std::vector<Bad>& lone_surrogate_escapes() {
  static const std::vector<Bad> cases = {
      {"lone high surrogate", "\\ud800"},
      {"lone low surrogate", "\\udc00"},
      {"lone high surrogate, upper case", "\\uD83D"},
      {"high surrogate then text", "a\\ud800b"},
      {"high surrogate then a BMP escape", "\\ud800\\u0041"},
      {"two high surrogates", "\\udbff\\udbff"},
      {"low before high", "\\udc00\\ud800"},
  };
  return cases;
}

TEST(HostileInput, InvalidUtf8InEveryStringFlagExits2NamingTheFieldAndWritesNothing) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  int fields = 0;
  int pairs = 0;
  int runs = 0;
  int rejected = 0;
  rm::for_each_event_type([&](auto type) {
    using E = typename decltype(type)::type;
    for (const std::string& field : string_fields<E>()) {
      ++fields;
      for (const Bad& bad : invalid_utf8()) {
        if (!in_scale(pairs++)) continue;
        SCOPED_TRACE(fmt::format("{} {}: {}", rm::event_type_name<E>(), field, bad.name));
        E event = base_event<E>();
        set_string(event, field, bad.text);
        const ProcessResult result = run_cli(issue_args(event, log));
        ++runs;
        const auto check = rejected_naming(result, ": ", field);
        EXPECT_TRUE(check);
        if (check) ++rejected;
        EXPECT_FALSE(fs::exists(log));
      }
    }
  });
  std::printf(
      "%d string fields of 4 event types (the event name via --event included) x %zu invalid "
      "UTF-8 sequences, %d `issue TYPE --flags` calls (scale 1/%lld): %d exit 2 naming the field, "
      "log %s\n",
      fields, invalid_utf8().size(), runs, scale_divisor(), rejected,
      fs::exists(log) ? "WRITTEN" : "never created");
  EXPECT_EQ(fields, 15);
}

// Through `issue --stdin`: a valid first line, then the hostile one. The
// whole batch is rejected, naming line 2 and the field.
void expect_stdin_rejects_every_field(const std::vector<Bad>& cases, const char* what) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const std::string valid_line = rm::to_line(base_event<rm::RunnerInstalled>());
  int fields = 0;
  int pairs = 0;
  int runs = 0;
  int rejected = 0;
  rm::for_each_event_type([&](auto type) {
    using E = typename decltype(type)::type;
    for (const std::string& field : string_fields<E>()) {
      ++fields;
      for (const Bad& bad : cases) {
        if (!in_scale(pairs++)) continue;
        SCOPED_TRACE(fmt::format("{} {}: {}", rm::event_type_name<E>(), field, bad.name));
        ProcessOptions options;
        options.stdin_data = valid_line + json_line_with(base_event<E>(), field, bad.text) + "\n";
        const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
        ++runs;
        const auto check = rejected_naming(result, "line 2: ", field);
        EXPECT_TRUE(check) << options.stdin_data;
        if (check) ++rejected;
        EXPECT_FALSE(fs::exists(log));
      }
    }
  });
  std::printf(
      "%d string fields of 4 event types (event included) x %zu %s, %d `issue --stdin` batches "
      "(scale 1/%lld): %d exit 2 naming line 2 and the field, log %s\n",
      fields, cases.size(), what, runs, scale_divisor(), rejected,
      fs::exists(log) ? "WRITTEN" : "never created");
  EXPECT_EQ(fields, 15);
}

TEST(HostileInput, InvalidUtf8BytesInEveryStdinStringExit2NamingTheFieldAndWriteNothing) {
  expect_stdin_rejects_every_field(invalid_utf8(), "raw invalid UTF-8 sequences");
}

TEST(HostileInput, LoneSurrogateEscapesInEveryStdinStringExit2NamingTheFieldAndWriteNothing) {
  expect_stdin_rejects_every_field(lone_surrogate_escapes(), "lone surrogate escapes");
}

// ---------------------------------------------------------------------------
// Property: any valid text round-trips through `issue --stdin`.

struct TextStats {
  long long code_points = 0;
  long long controls = 0;
  long long separators = 0;  // U+2028, U+2029
  long long quotes_and_backslashes = 0;
  long long astral = 0;
  long long fragments = 0;
};

class HostileText {
 public:
  explicit HostileText(std::uint64_t seed) : rng_(seed) {}

  std::u32string text(TextStats& stats) {
    static const char32_t* const kFragments[] = {
        U"\n{\"timestamp\": 1.0, \"event\": \"runner_stop\"}\n",
        U"\"}\n{\"event\": \"runner_installed\"",
        U"\\u0000",
        U"\\ud800",
        U"\\\"",
        U"\r\n",
        U"{}",
        U"\", \"flavor\": \"forged",
    };
    std::u32string s;
    const std::size_t length = pick(33);
    for (std::size_t i = 0; i < length; ++i) {
      char32_t c = 0;
      switch (pick(8)) {
        case 0:
          c = static_cast<char32_t>(pick(0x20));
          ++stats.controls;
          break;
        case 1:
          c = static_cast<char32_t>(0x20 + pick(0x5F));
          break;
        case 2:
          c = static_cast<char32_t>(0x7F + pick(0x21));  // DEL and C1 controls
          ++stats.controls;
          break;
        case 3:
          do {
            c = static_cast<char32_t>(0xA0 + pick(0x10000 - 0xA0));
          } while (c >= 0xD800 && c <= 0xDFFF);
          break;
        case 4:
          c = pick(2) == 0 ? U'\u2028' : U'\u2029';
          ++stats.separators;
          break;
        case 5:
          c = pick(8) == 0 ? U'\U0010FFFF' : static_cast<char32_t>(0x10000 + pick(0x100000));
          ++stats.astral;
          break;
        case 6:
          c = pick(2) == 0 ? U'"' : U'\\';
          break;
        default:
          s += kFragments[pick(std::size(kFragments))];
          ++stats.fragments;
          continue;
      }
      s += c;
    }
    for (const char32_t c : s) {
      ++stats.code_points;
      if (c == U'"' || c == U'\\') ++stats.quotes_and_backslashes;
    }
    return s;
  }

  // The text as JSON string content, each character in a randomly chosen
  // valid form: as itself, as a \u escape (either case), as a short escape,
  // or as a surrogate-pair escape.
  std::string json(const std::u32string& text) {
    std::string out;
    for (const char32_t c : text) {
      const bool escape = pick(3) == 0;
      if (c == U'"' || c == U'\\') {
        out += escape ? u_escape(c) : std::string{'\\', static_cast<char>(c)};
      } else if (c == U'/' && escape) {
        out += pick(2) == 0 ? "\\/" : u_escape(c);
      } else if (c < 0x20) {
        const char* short_form = c == U'\n'   ? "\\n"
                                 : c == U'\t' ? "\\t"
                                 : c == U'\r' ? "\\r"
                                 : c == U'\b' ? "\\b"
                                 : c == U'\f' ? "\\f"
                                              : nullptr;
        out += short_form != nullptr && !escape ? std::string(short_form) : u_escape(c);
      } else if (escape && c <= 0xFFFF) {
        out += u_escape(c);
      } else if (escape) {
        const char32_t v = c - 0x10000;
        out += u_escape(0xD800 + (v >> 10)) + u_escape(0xDC00 + (v & 0x3FF));
      } else {
        out += utf8(c);
      }
    }
    return out;
  }

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  static std::string utf8(char32_t c) {
    std::string s;
    const auto byte = [&](std::uint32_t b) {
      s += static_cast<char>(static_cast<unsigned char>(b));
    };
    const auto v = static_cast<std::uint32_t>(c);
    if (v < 0x80) {
      byte(v);
    } else if (v < 0x800) {
      byte(0xC0 | (v >> 6));
      byte(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
      byte(0xE0 | (v >> 12));
      byte(0x80 | ((v >> 6) & 0x3F));
      byte(0x80 | (v & 0x3F));
    } else {
      byte(0xF0 | (v >> 18));
      byte(0x80 | ((v >> 12) & 0x3F));
      byte(0x80 | ((v >> 6) & 0x3F));
      byte(0x80 | (v & 0x3F));
    }
    return s;
  }

  static std::string utf8(const std::u32string& text) {
    std::string s;
    for (const char32_t c : text) s += utf8(c);
    return s;
  }

 private:
  std::string u_escape(char32_t c) {
    const auto value = static_cast<std::uint32_t>(c);
    return pick(2) == 0 ? fmt::format("\\u{:04x}", value) : fmt::format("\\u{:04X}", value);
  }

  std::mt19937_64 rng_;
};

std::uint64_t property_seed() {
  if (const char* env = std::getenv("RUNNER_METRICS_STRESS_SEED"); env && *env) {
    return std::strtoull(env, nullptr, 10);
  }
  return std::random_device{}();
}

struct Expected {
  std::size_t type;
  std::string field;
  std::string text;
  std::string line;  // to_line of the event
};

TEST(HostileInput, TwoThousandRandomStringsThroughStdinEachBecomeOneLineThatReadsBackTheSame) {
  const long long kStrings = 2000;  // not scaled: a few dozen CLI runs
  const std::uint64_t seed = property_seed();
  HostileText generate(seed);
  TextStats stats;
  TempDir dir;
  const std::string log = dir / "metrics.log";
  const std::string flags_log = dir / "flags.log";

  std::vector<Expected> expected;
  std::vector<std::string> inputs;
  for (long long i = 0; i < kStrings; ++i) {
    const std::size_t type = generate.pick(std::variant_size_v<rm::AnyEvent>);
    with_event_type(type, [&](auto t) {
      using E = typename decltype(t)::type;
      const std::vector<std::string> fields = string_fields<E>(/*with_event=*/false);
      const std::string field = fields[generate.pick(fields.size())];
      const std::u32string text = generate.text(stats);
      E event = base_event<E>();
      event.timestamp += static_cast<double>(i);
      set_string(event, field, HostileText::utf8(text));
      expected.push_back(Expected{.type = type,
                                  .field = field,
                                  .text = HostileText::utf8(text),
                                  .line = rm::to_line(event)});
      inputs.push_back(json_line_with(event, field, generate.json(text)) + "\n");
    });
  }

  // In batches of 1 to 200 lines.
  int batches = 0;
  for (std::size_t at = 0; at < inputs.size(); ++batches) {
    const std::size_t size = std::min(inputs.size() - at, 1 + generate.pick(200));
    ProcessOptions options;
    for (std::size_t i = at; i < at + size; ++i) options.stdin_data += inputs[i];
    const ProcessResult result = run_cli({"issue", "--stdin", "--log", log}, options);
    ASSERT_EQ(result.exit_status, 0) << "seed " << seed << ": " << result.err;
    at += size;
  }

  // A tenth of them again through flags (argv cannot hold U+0000).
  const long long flag_every = 10 * scale_divisor();
  int flag_calls = 0;
  std::string flags_expected;
  for (std::size_t i = 0; i < expected.size(); i += static_cast<std::size_t>(flag_every)) {
    if (expected[i].text.find('\0') != std::string::npos) continue;
    with_event_type(expected[i].type, [&](auto t) {
      using E = typename decltype(t)::type;
      E event = base_event<E>();
      event.timestamp += static_cast<double>(i);
      set_string(event, expected[i].field, expected[i].text);
      const ProcessResult result = run_cli(issue_args(event, flags_log));
      EXPECT_EQ(result.exit_status, 0) << "seed " << seed << ": " << result.err;
      flags_expected += expected[i].line;
      ++flag_calls;
    });
  }

  const std::string content = read_file(log).value_or("");
  const auto lines = std::count(content.begin(), content.end(), '\n');
  rm::EventParser parser(rm::ParseRules::Input);
  std::size_t exact = 0;
  std::size_t read_back_same = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < expected.size() && start < content.size(); ++i) {
    const std::size_t end = content.find('\n', start);
    const std::string_view line(content.data() + start,
                                (end == std::string::npos ? content.size() : end) - start);
    start = end == std::string::npos ? content.size() : end + 1;
    SCOPED_TRACE(fmt::format("seed {}, string {}: {:?}", seed, i, expected[i].text));
    EXPECT_TRUE(std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7F; }))
        << line;
    if (std::string(line) + "\n" == expected[i].line) {
      ++exact;
    } else {
      ADD_FAILURE() << "line " << i << " is\n" << line << "\nexpected\n" << expected[i].line;
    }
    try {
      const rm::AnyEvent parsed = parser.parse(line);
      const std::string& text = std::visit(
          [&](const auto& e) -> const std::string& { return get_string(e, expected[i].field); },
          parsed);
      if (parsed.index() == expected[i].type && text == expected[i].text) {
        ++read_back_same;
      } else {
        ADD_FAILURE() << expected[i].field << " read back differs";
      }
    } catch (const rm::ValidationError& e) {
      ADD_FAILURE() << "line " << i << " does not parse: " << e.what();
    }
  }
  const std::string flags_content = read_file(flags_log).value_or("");

  std::printf(
      "seed %llu: %lld random strings (%lld code points: %lld controls, %lld U+2028/9, %lld "
      "quotes and backslashes, %lld astral, %lld forged-line fragments) in random fields of "
      "random event types, as randomly escaped JSON in %d `issue --stdin` batches: %lld lines, "
      "%zu byte-exact, %zu read back to the same string; %d of them also through --flags: %s\n",
      static_cast<unsigned long long>(seed), kStrings, stats.code_points, stats.controls,
      stats.separators, stats.quotes_and_backslashes, stats.astral, stats.fragments, batches,
      static_cast<long long>(lines), exact, read_back_same, flag_calls,
      flags_content == flags_expected ? "all byte-exact" : "DIFFERENT");
  EXPECT_EQ(lines, kStrings);
  EXPECT_EQ(exact, expected.size());
  EXPECT_EQ(read_back_same, expected.size());
  EXPECT_TRUE(flags_content == flags_expected) << "seed " << seed;
}

}  // namespace
