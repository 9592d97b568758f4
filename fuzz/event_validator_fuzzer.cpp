// SPDX-License-Identifier: Apache-2.0
// The event validator and serializer: events of all four types built straight
// from the fuzz bytes, with any double (NaN, infinities, negatives,
// subnormals, raw bit patterns), any int64 and any byte string (invalid UTF-8
// included), in every field and in the event name. For each, to_line must:
//   - throw ValidationError exactly when an independent check of format.md §3 says
//     the event is invalid, naming the first invalid field in line order;
//   - otherwise give a well-formed line (check_line_shape) that reads back as
//     the same event: under Input rules when the name is the type's own,
//     as Other under Log rules when it is no type's name.
// append_line must leave its buffer as it was when it throws.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_checks.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"

namespace {

using namespace runner_metrics;
using fuzz::check;

// Whether `text` is well-formed UTF-8 (Unicode Table 3-7): no overlong forms,
// no surrogates, nothing past U+10FFFF, no truncated sequence.
bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead == 0xE0) {
      length = 3;
      low = 0xA0;
    } else if (lead == 0xED) {
      length = 3;
      high = 0x9F;
    } else if (lead >= 0xE1 && lead <= 0xEF) {
      length = 3;
    } else if (lead == 0xF0) {
      length = 4;
      low = 0x90;
    } else if (lead == 0xF4) {
      length = 4;
      high = 0x8F;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      length = 4;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

// Values drawn from the fuzz bytes, biased towards the edges of each rule.
class Values {
 public:
  explicit Values(FuzzedDataProvider& provider) : provider_(provider) {}

  double number() {
    switch (provider_.ConsumeIntegralInRange(0, 3)) {
      case 0:
        return std::bit_cast<double>(provider_.ConsumeIntegral<std::uint64_t>());
      case 1: {
        constexpr double inf = std::numeric_limits<double>::infinity();
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        static constexpr std::array<double, 24> edges = {0.0,
                                                         -0.0,
                                                         nan,
                                                         -nan,
                                                         inf,
                                                         -inf,
                                                         std::numeric_limits<double>::denorm_min(),
                                                         -std::numeric_limits<double>::denorm_min(),
                                                         std::numeric_limits<double>::min(),
                                                         std::numeric_limits<double>::max(),
                                                         std::numeric_limits<double>::lowest(),
                                                         std::numeric_limits<double>::epsilon(),
                                                         1e16,
                                                         9999999999999998.0,
                                                         1e15,
                                                         1e-4,
                                                         9.999999999999999e-05,
                                                         1e-5,
                                                         123.0,
                                                         0.1,
                                                         -1.0,
                                                         -1e-300,
                                                         9007199254740993.0,
                                                         1.7976931348623157e308};
        return edges[provider_.ConsumeIntegralInRange<std::size_t>(0, edges.size() - 1)];
      }
      case 2:
        return provider_.ConsumeFloatingPoint<double>();
      default: {
        // A short decimal mantissa at any decimal exponent: exercises the
        // switch between fixed and scientific notation.
        const auto mantissa = provider_.ConsumeIntegralInRange<std::int64_t>(-99999, 99999);
        const int exponent = provider_.ConsumeIntegralInRange(-330, 310);
        return static_cast<double>(mantissa) * std::pow(10.0, exponent);
      }
    }
  }

  std::int64_t integer() {
    switch (provider_.ConsumeIntegralInRange(0, 2)) {
      case 0:
        return provider_.ConsumeIntegral<std::int64_t>();
      case 1: {
        static constexpr std::array<std::int64_t, 7> edges = {
            0,
            1,
            -1,
            137,
            -9,
            std::numeric_limits<std::int64_t>::min(),
            std::numeric_limits<std::int64_t>::max()};
        return edges[provider_.ConsumeIntegralInRange<std::size_t>(0, edges.size() - 1)];
      }
      default:
        return provider_.ConsumeIntegralInRange<std::int64_t>(-1000, 1000);
    }
  }

  std::string text() {
    if (provider_.ConsumeBool()) return provider_.ConsumeRandomLengthString(256);
    // A few pieces that each stress one escaping or UTF-8 rule.
    static constexpr std::array<std::string_view, 30> pieces = {
        "",
        "small",
        "\"",
        "\\",
        "/",
        "\n",
        "\r",
        "\t",
        "\b",
        "\f",
        std::string_view("\0", 1),
        "\x1f",
        "\x7f",
        "\\u0000",
        "\xc3\xa9",          // U+00E9
        "\xe2\x82\xac",      // U+20AC
        "\xef\xbf\xbf",      // U+FFFF
        "\xf0\x9f\x98\x80",  // U+1F600, a surrogate pair when escaped
        "\xf4\x8f\xbf\xbf",  // U+10FFFF
        "\xc0\x80",          // overlong NUL
        "\xe0\x80\xaf",      // overlong '/'
        "\xf0\x80\x80\x80",  // overlong
        "\xed\xa0\x80",      // UTF-8 of the surrogate U+D800
        "\xed\xbf\xbf",      // UTF-8 of the surrogate U+DFFF
        "\xf4\x90\x80\x80",  // past U+10FFFF
        "\xc3",              // truncated
        "\xe2\x82",          // truncated
        "\x80",              // lone continuation byte
        "\xff",
        "\xf8\x88\x80\x80\x80",  // five-byte form
    };
    std::string text;
    const int count = provider_.ConsumeIntegralInRange(0, 4);
    for (int i = 0; i < count; ++i) {
      text += pieces[provider_.ConsumeIntegralInRange<std::size_t>(0, pieces.size() - 1)];
    }
    return text;
  }

  template <class T>
  std::optional<T> maybe(T value) {
    if (provider_.ConsumeBool()) return std::nullopt;
    return value;
  }

  bool flag() { return provider_.ConsumeBool(); }
  std::size_t pick(std::size_t count) {
    return provider_.ConsumeIntegralInRange<std::size_t>(0, count - 1);
  }

 private:
  FuzzedDataProvider& provider_;
};

// The first field, in line order, that format.md §3 forbids: empty if none.
class Oracle {
 public:
  void number(std::string_view name, double value) {
    if (!std::isfinite(value) || value < 0) fail(name);
  }
  void count(std::string_view name, std::int64_t value) {
    if (value < 0) fail(name);
  }
  void text(std::string_view name, const std::string& value) {
    if (!is_utf8(value)) fail(name);
    text_bytes_ += value.size();
  }
  const std::string& first_invalid() const { return first_; }
  // Whether the line is sure to be under MAX_LINE_BYTES: a byte escapes to
  // at most six.
  bool short_enough() const { return text_bytes_ * 6 + 1024 < MAX_LINE_BYTES; }

  /// A value format.md §3's rules refuse for a reason other than its kind.
  void refuse(std::string_view name) { fail(name); }

 private:
  void fail(std::string_view name) {
    if (!failed_) first_ = name;
    failed_ = true;
  }
  bool failed_ = false;
  std::string first_;
  std::size_t text_bytes_ = 0;
};

void walk_fields(Oracle& oracle, const RunnerInstalled& e) {
  oracle.text("flavor", e.flavor);
  oracle.number("duration", e.duration);
}

void walk_fields(Oracle& oracle, const RunnerStart& e) {
  oracle.text("flavor", e.flavor);
  oracle.text("workflow", e.workflow);
  oracle.text("repo", e.repo);
  oracle.text("github_event", e.github_event);
  oracle.number("idle", e.idle);
  if (e.queue_duration) oracle.number("queue_duration", *e.queue_duration);
}

void walk_fields(Oracle& oracle, const RunnerStop& e) {
  oracle.text("flavor", e.flavor);
  oracle.text("workflow", e.workflow);
  oracle.text("repo", e.repo);
  oracle.text("github_event", e.github_event);
  oracle.text("status", e.status);
  // status_info.code is any int64: a process killed by a signal reports -9.
  oracle.number("job_duration", e.job_duration);
  if (e.job_conclusion) oracle.text("job_conclusion", *e.job_conclusion);
}

void walk_fields(Oracle& oracle, const Reconciliation& e) {
  oracle.text("flavor", e.flavor);
  oracle.count("crashed_runners", e.crashed_runners);
  oracle.count("idle_runners", e.idle_runners);
  if (e.active_runners) oracle.count("active_runners", *e.active_runners);
  if (e.expected_runners) oracle.count("expected_runners", *e.expected_runners);
  oracle.number("duration", e.duration);
}

void common(Values& values, std::size_t own_index, double& timestamp, std::string& event) {
  timestamp = values.number();
  switch (values.pick(3)) {
    case 0:
      break;  // the type's own name
    case 1: {
      std::size_t index = values.pick(std::variant_size_v<AnyEvent>);
      if (index == own_index) index = (index + 1) % std::variant_size_v<AnyEvent>;
      for_each_event_type([&](auto type) {
        if (index-- == 0) event = event_type_name<typename decltype(type)::type>();
      });
      break;
    }
    default:
      event = values.text();
  }
}

AnyEvent make_event(Values& values, Oracle& oracle) {
  const std::size_t type = values.pick(std::variant_size_v<AnyEvent>);
  AnyEvent any;
  switch (type) {
    case 0: {
      RunnerInstalled e;
      common(values, type, e.timestamp, e.event);
      e.flavor = values.text();
      e.duration = values.number();
      any = e;
      break;
    }
    case 1: {
      RunnerStart e;
      common(values, type, e.timestamp, e.event);
      e.flavor = values.text();
      e.workflow = values.text();
      e.repo = values.text();
      e.github_event = values.text();
      e.idle = values.number();
      e.queue_duration = values.maybe(values.number());
      any = e;
      break;
    }
    case 2: {
      RunnerStop e;
      common(values, type, e.timestamp, e.event);
      e.flavor = values.text();
      e.workflow = values.text();
      e.repo = values.text();
      e.github_event = values.text();
      e.status = values.text();
      e.status_info = values.maybe(CodeInformation{.code = values.integer()});
      e.job_duration = values.number();
      e.job_conclusion = values.maybe(values.text());
      any = e;
      break;
    }
    default: {
      Reconciliation e;
      common(values, type, e.timestamp, e.event);
      e.flavor = values.text();
      e.crashed_runners = values.integer();
      e.idle_runners = values.integer();
      e.active_runners = values.maybe(values.integer());
      e.expected_runners = values.maybe(values.integer());
      e.duration = values.number();
      any = e;
      break;
    }
  }

  // The oracle walks the fields in line order, by hand, from format.md's
  // table rather than from the library's descriptions.
  std::visit(
      [&](const auto& e) {
        oracle.number("timestamp", e.timestamp);
        oracle.text("event", e.event);
        // Each of the four names belongs to its type: a line under another
        // type's name would be read back as that type.
        constexpr std::array<std::string_view, 4> kTypeNames = {"runner_installed", "runner_start",
                                                                "runner_stop", "reconciliation"};
        const std::string_view own = kTypeNames[any.index()];
        if (e.event != own &&
            std::find(kTypeNames.begin(), kTypeNames.end(), e.event) != kTypeNames.end()) {
          oracle.refuse("event");
        }
        walk_fields(oracle, e);
      },
      any);
  return any;
}

template <Event E>
void check_event(const E& event, const Oracle& oracle) {
  // append_line onto a buffer that already holds a line.
  const std::string prefix = "previous line\n";
  std::string buffer = prefix;
  std::string line;
  try {
    append_line(buffer, event);
  } catch (const ValidationError& error) {
    check(buffer == prefix, "a failed append_line changed its buffer");
    if (oracle.short_enough()) {
      check(!oracle.first_invalid().empty(), "a valid event is rejected");
      check(error.field() == oracle.first_invalid(),
            "the error names another field than the first invalid one");
    }
    try {
      (void)to_line(event);
      check(false, "to_line accepts what append_line rejects");
    } catch (const ValidationError&) {
    }
    return;
  }
  check(oracle.first_invalid().empty(), "an invalid event is written");
  check(buffer.compare(0, prefix.size(), prefix) == 0, "append_line changed what was before");
  line = buffer.substr(prefix.size());
  check(to_line(event) == line, "to_line and append_line disagree");
  fuzz::check_line_shape(line);

  const std::string_view text = std::string_view(line).substr(0, line.size() - 1);
  std::size_t known = std::variant_npos;
  std::size_t index = 0;
  for_each_event_type([&](auto type) {
    if (event.event == event_type_name<typename decltype(type)::type>()) known = index;
    ++index;
  });

  if (event.event == event_type_name<E>()) {
    fuzz::check_round_trip(line);
    EventParser parser(ParseRules::Input);
    const AnyEvent reparsed = parser.parse(text);
    const E* same = std::get_if<E>(&reparsed);
    check(same != nullptr && *same == event, "read(to_line(event)) != event");
  } else if (known == std::variant_npos) {
    // Another writer's event: Input rules refuse it for its name, Log rules
    // count it as Other.
    try {
      EventParser parser(ParseRules::Input);
      (void)parser.parse(text);
      check(false, "Input rules accept an unknown event name");
    } catch (const ValidationError& error) {
      check(error.field() == "event", "an unknown event name is blamed on another field");
    }
    EventParser log_parser(ParseRules::Log);
    check(log_parser.read(text).kind == ParsedLine::Kind::Other,
          "Log rules do not count an unknown event name as Other");
  } else {
    check(false, "an event was written under another type's name");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  Values values(provider);
  Oracle oracle;
  const AnyEvent event = make_event(values, oracle);
  std::visit([&](const auto& e) { check_event(e, oracle); }, event);
  return 0;
}
