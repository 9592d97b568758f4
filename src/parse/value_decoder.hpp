// SPDX-License-Identifier: Apache-2.0
// Decoding one JSON value into one field, by the field's C++ type, with the
// rules of format.md §3. Shared by the line parser and the command-line flags, so
// `--duration 1e400` and `"duration": 1e400` fail the same way.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "runner_metrics/description.hpp"
#include "runner_metrics/event_parser.hpp"

namespace runner_metrics::detail {

namespace od = simdjson::ondemand;

/// The text of a JSON string between its quotes, given the first byte after
/// the opening quote, if it follows RFC 8259's grammar. Any \u escape is
/// grammatical, a lone surrogate too (Python reads one), so a member nobody
/// reads is not held to what a field's string is. simdjson's first pass has
/// found the closing quote, so the scan stops there.
inline std::optional<std::string_view> json_string_body(const char* start) {
  for (const char* text = start;;) {
    const auto c = static_cast<unsigned char>(*text++);
    if (c == '"') return std::string_view(start, static_cast<std::size_t>(text - 1 - start));
    if (c < 0x20) return std::nullopt;
    if (c != '\\') continue;
    const char escaped = *text++;
    if (escaped == 'u') {
      for (int i = 0; i < 4; ++i) {
        if (std::isxdigit(static_cast<unsigned char>(*text++)) == 0) return std::nullopt;
      }
    } else if (std::string_view(R"("\/bfnrt)").find(escaped) == std::string_view::npos) {
      return std::nullopt;
    }
  }
}

/// Containers a line may nest, its own object being the first: simdjson's
/// parsers stop at 1024, Python's json module at about 1000 (RecursionError),
/// so the ancestor could not read a line nested deeper either.
inline constexpr int MAX_LEVELS = 1000;

// The first error found on a line. Parsing stops at it.
struct Failure {
  std::string field;
  std::string problem;
};

inline std::string path_of(std::string_view parent, std::string_view name) {
  return parent.empty() ? std::string(name) : fmt::format("{}.{}", parent, name);
}

// Member names seen so far in one object, to reject a name given twice. Most
// objects have a handful of members; a hash set takes over past that so a
// hostile line of many members stays linear.
class SeenNames {
 public:
  // False if `name` was seen before.
  bool insert(std::string_view name) {
    if (set_.empty() && names_.size() < 16) {
      if (std::find(names_.begin(), names_.end(), name) != names_.end()) return false;
      names_.push_back(name);
      return true;
    }
    if (set_.empty()) set_.insert(names_.begin(), names_.end());
    return set_.insert(name).second;
  }
  void clear() {
    names_.clear();
    set_.clear();
  }

 private:
  std::vector<std::string_view> names_;
  std::unordered_set<std::string_view> set_;
};

template <class V>
bool read_json_type(V& value, od::json_type& type) {
  return value.type().get(type) == simdjson::SUCCESS;
}

// One value into one member, by the member's C++ type. Returns false with
// `failure` set.
class ValueDecoder {
 public:
  ValueDecoder(ParseRules rules, Failure& failure) : rules_(rules), failure_(failure) {}

  template <class Owner, class Member>
  bool decode(od::value value, Member& member, const Field<Owner, Member>& field,
              std::string_view parent) {
    return decode_into(value, member, field.name, field.range, parent);
  }

  bool fail(std::string_view parent, std::string_view name, std::string problem) {
    failure_.field = path_of(parent, name);
    failure_.problem = std::move(problem);
    return false;
  }

  template <class T>
  bool decode_into(od::value& value, std::optional<T>& member, std::string_view name, Range range,
                   std::string_view parent) {
    od::json_type type{};
    if (!read_json_type(value, type)) {
      // `Infinity` is no JSON type; the member's own decoder decides on it.
      if (is_infinity_token(value))
        return decode_into(value, member.emplace(), name, range, parent);
      return fail(parent, name, "is not valid JSON");
    }
    if (type == od::json_type::null) {
      member.reset();
      return true;
    }
    return decode_into(value, member.emplace(), name, range, parent);
  }

  bool decode_into(od::value& value, double& member, std::string_view name, Range range,
                   std::string_view parent) {
    if (is_infinity_token(value)) {
      // format.md §7: the ancestor's "value unknown", read from a log, never
      // taken as input to write.
      if (rules_ != ParseRules::Log) return fail(parent, name, "must be a finite number");
      member = UNKNOWN_VALUE;
      return true;
    }
    if (!is_number(value)) return fail_not_number(value, parent, name, "must be a number");
    // Not value.get_double(): simdjson 3.0's On-Demand misreads numbers of
    // over 19 significant digits (0.3000000005678901234500000004 came out
    // as 3.3e-10; found by fuzz/log_line_fuzzer.cpp).
    const std::optional<double> number = json_number_value(trim_whitespace(value.raw_json_token()));
    if (!number) return fail(parent, name, "must be a finite number");
    member = *number;
    if (range == Range::NonNegative && member < 0) return fail(parent, name, "must be >= 0");
    return true;
  }

  bool decode_into(od::value& value, std::int64_t& member, std::string_view name, Range range,
                   std::string_view parent) {
    if (!is_number(value)) return fail_not_number(value, parent, name, "must be an integer");
    od::number_type number_type{};
    if (value.get_number_type().get(number_type) != simdjson::SUCCESS ||
        number_type == od::number_type::floating_point_number) {
      return fail(parent, name, "must be an integer, without fraction or exponent");
    }
    if (value.get_int64().get(member) != simdjson::SUCCESS) {
      return fail(parent, name, "must be an integer in the signed 64-bit range");
    }
    if (range == Range::NonNegative && member < 0) {
      return fail(parent, name, "must be an integer >= 0");
    }
    return true;
  }

  // The bare token `Infinity`, the whole value: not `-Infinity`, `Infinityx`
  // or `"Infinity"`. It is no JSON, so only a float field ever takes it.
  static bool is_infinity_token(od::value& value) {
    return trim_whitespace(value.raw_json_token()) == "Infinity";
  }

  // Whether `value` is a number in RFC 8259's grammar. simdjson takes `01`
  // and `1.` for numbers, and its reading of them differs from Python's
  // (which refuses them), so they are refused before any reading.
  static bool is_number(od::value& value) {
    od::json_type type{};
    return read_json_type(value, type) && type == od::json_type::number &&
           is_json_number(trim_whitespace(value.raw_json_token()));
  }

  // A value that is not a number: "is not a JSON number" when it was meant
  // as one (`01`, `1.`, `.5`, `+1`, `-`), else `otherwise` ("must be a number").
  bool fail_not_number(od::value& value, std::string_view parent, std::string_view name,
                       std::string_view otherwise) {
    const std::string_view token = value.raw_json_token();
    const bool meant_as_number =
        !token.empty() &&
        std::string_view("+-.0123456789").find(token.front()) != std::string_view::npos;
    return fail(parent, name, std::string(meant_as_number ? "is not a JSON number" : otherwise));
  }

  bool decode_into(od::value& value, std::string& member, std::string_view name, Range,
                   std::string_view parent) {
    od::json_type type{};
    if (!read_json_type(value, type) || type != od::json_type::string) {
      return fail(parent, name, "must be a string");
    }
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      return fail(parent, name, "is not a valid string (bad escape or lone surrogate)");
    }
    member.assign(text);
    return true;
  }

  template <Record R>
  bool decode_into(od::value& value, R& member, std::string_view name, Range,
                   std::string_view parent) {
    const std::string path = path_of(parent, name);
    od::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      return fail(parent, name, "must be an object");
    }
    member = R{};
    SeenNames seen;
    std::uint64_t present = 0;
    ++level_;  // a record is a member of the line's object, or of a record
    struct LevelRestore {
      int& level;
      ~LevelRestore() { --level; }
    } restore{level_};
    for (auto member_result : object) {
      od::field json_field;
      std::string_view key;
      if (std::move(member_result).get(json_field) != simdjson::SUCCESS ||
          json_field.unescaped_key().get(key) != simdjson::SUCCESS) {
        return fail(parent, name, "is not a valid JSON object");
      }
      if (!seen.insert(key)) return fail(path, key, "is given twice");
      const int found = decode_member(json_field.value(), member, key, path, present);
      if (found < 0) return false;
      if (found == 0 && rules_ == ParseRules::Input) {
        return fail(path, key, fmt::format("is not a field of {}", name));
      }
      if (found == 0 && !check_json(json_field.value(), path, key)) return false;
    }
    return require_all(member, present, path);
  }

  // Decodes `key` into the matching field of `record`. Returns 1 when
  // decoded, 0 when the record has no such field, -1 on failure.
  template <Record R>
  int decode_member(od::value value, R& record, std::string_view key, std::string_view parent,
                    std::uint64_t& present) {
    int result = 0;
    std::size_t index = 0;
    for_each_field<R>([&](const auto& field) {
      if (result == 0 && field.name == key) {
        result = decode(value, record.*(field.member), field, parent) ? 1 : -1;
        present |= std::uint64_t{1} << index;
      }
      ++index;
    });
    return result;
  }

  // A member nobody reads (a field of a newer writer, a member of another
  // writer's event) is skipped, but the line is only an object if it is JSON.
  bool check_json(od::value value, std::string_view parent, std::string_view name) {
    switch (check_json_value(value, level_ + 1)) {
      case JsonCheck::Valid:
        return true;
      case JsonCheck::Malformed:
        return fail(parent, name, "is not valid JSON");
      case JsonCheck::TooDeep:
        return fail(parent, name, fmt::format("nests the line deeper than {} levels", MAX_LEVELS));
    }
    return false;
  }

  template <Record R>
  bool require_all(const R&, std::uint64_t present, std::string_view parent) {
    std::size_t index = 0;
    bool ok = true;
    for_each_field<R>([&](const auto& field) {
      using Member = std::remove_cvref_t<decltype(R{}.*(field.member))>;
      if (ok && !is_optional_field_v<Member> && (present & (std::uint64_t{1} << index)) == 0) {
        ok = fail(parent, field.name, "is required");
      }
      ++index;
    });
    return ok;
  }

 private:
  enum class JsonCheck { Valid, Malformed, TooDeep };

  // On-Demand reads a value only when asked, so skipping one checks no more
  // than its brackets and strings: each literal and number is looked at here.
  // `level` is the value's: 1 for the line's object, 2 for its members.
  static JsonCheck check_json_value(od::value value, int level) {
    constexpr auto Valid = JsonCheck::Valid;
    constexpr auto Malformed = JsonCheck::Malformed;
    od::json_type type{};
    if (!read_json_type(value, type)) return Malformed;
    const bool container = type == od::json_type::object || type == od::json_type::array;
    if (container && level > MAX_LEVELS) return JsonCheck::TooDeep;
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (value.get_object().get(object) != simdjson::SUCCESS) return Malformed;
        for (auto member_result : object) {
          od::field member;
          if (std::move(member_result).get(member) != simdjson::SUCCESS ||
              !json_string_body(member.key().raw())) {
            return Malformed;
          }
          if (const JsonCheck inner = check_json_value(member.value(), level + 1); inner != Valid) {
            return inner;
          }
        }
        return Valid;
      }
      case od::json_type::array: {
        od::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS) return Malformed;
        for (auto element_result : array) {
          od::value element;
          if (element_result.get(element) != simdjson::SUCCESS) return Malformed;
          if (const JsonCheck inner = check_json_value(element, level + 1); inner != Valid) {
            return inner;
          }
        }
        return Valid;
      }
      case od::json_type::string: {
        od::raw_json_string text;
        return value.get_raw_json_string().get(text) == simdjson::SUCCESS &&
                       json_string_body(text.raw())
                   ? Valid
                   : Malformed;
      }
      case od::json_type::number:
        return is_json_number(trim_whitespace(value.raw_json_token())) ? Valid : Malformed;
      case od::json_type::boolean: {
        bool flag = false;
        return value.get_bool().get(flag) == simdjson::SUCCESS ? Valid : Malformed;
      }
      case od::json_type::null: {
        bool null = false;
        return value.is_null().get(null) == simdjson::SUCCESS && null ? Valid : Malformed;
      }
    }
    return Malformed;
  }

  static std::string_view trim_whitespace(std::string_view token) {
    const std::size_t end = token.find_last_not_of(" \t\n\r");
    return end == std::string_view::npos ? std::string_view{} : token.substr(0, end + 1);
  }

  // RFC 8259's number grammar; its magnitude does not matter in a member
  // nobody reads (Python reads 1e400 as inf, and big integers exactly).
  static bool is_json_number(std::string_view text) {
    std::size_t i = 0;
    const auto digits = [&] {
      const std::size_t start = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      return i > start;
    };
    if (i < text.size() && text[i] == '-') ++i;
    if (i < text.size() && text[i] == '0') {
      ++i;
    } else if (!digits()) {
      return false;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      if (!digits()) return false;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
      ++i;
      if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
      if (!digits()) return false;
    }
    return i == text.size();
  }

  // A JSON number as Python's json module reads it into a float: correctly
  // rounded; an integer is converted (so -0 is 0.0); below the smallest
  // double it is 0.0 (or -0.0); nullopt past the largest, or if the text is
  // not a JSON number.
  static std::optional<double> json_number_value(std::string_view text) {
    if (!is_json_number(text)) return std::nullopt;
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    const bool integer = text.find_first_of(".eE") == std::string_view::npos;
    if (error == std::errc{} && end == text.data() + text.size()) {
      return integer && number == 0 ? 0.0 : number;
    }
    if (error != std::errc::result_out_of_range || decimal_magnitude(text) >= 0) {
      return std::nullopt;
    }
    return text.front() == '-' ? -0.0 : 0.0;
  }

  // The power of ten of a JSON number's first significant digit, saturated
  // far past any double's: negative for a magnitude below 1.
  static long long decimal_magnitude(std::string_view text) {
    constexpr long long kFar = 1'000'000;
    const std::size_t exponent_at = text.find_first_of("eE");
    long long exponent = 0;
    if (exponent_at != std::string_view::npos) {
      std::size_t i = exponent_at + 1;
      const bool negative = i < text.size() && text[i] == '-';
      if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
      for (; i < text.size(); ++i) exponent = std::min(kFar, exponent * 10 + (text[i] - '0'));
      if (negative) exponent = -exponent;
    }
    const std::string_view mantissa = text.substr(0, exponent_at);
    const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
    const std::size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) return -kFar;  // zero
    const auto digits_before = static_cast<long long>(point) - static_cast<long long>(first);
    return exponent + (first < point ? digits_before - 1 : digits_before);
  }

  // Levels above the value being decoded: 1 while in the line's object.
  int level_ = 1;

  ParseRules rules_;
  Failure& failure_;
};

/// Decodes `text`, one JSON number such as a command-line flag's, into
/// `member`. Returns false with `failure` set: "is not a JSON number" for
/// text that is not exactly one (" 1", "01", "1.", "abc").
template <class Member>
bool decode_json_text(std::string_view text, Member& member, std::string_view name, Range range,
                      Failure& failure) {
  // Whitespace around the number is JSON's, not a flag's.
  if (text.empty() || text.find_first_of(" \t\n\r") != std::string_view::npos) {
    failure = {std::string(name), "is not a JSON number"};
    return false;
  }
  // A lone scalar is not a value in On-Demand; as the only element of an
  // array it is, and anything after it ("1, 2") shows as a second element.
  std::string json = fmt::format("[{}]", text);
  json.append(simdjson::SIMDJSON_PADDING, '\0');
  od::parser parser;
  od::document doc;
  od::array array;
  ValueDecoder decoder(ParseRules::Input, failure);
  if (parser.iterate(json.data(), text.size() + 2, json.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(array) != simdjson::SUCCESS) {
    return decoder.fail({}, name, "is not a JSON number");
  }
  std::size_t count = 0;
  for (auto element : array) {
    od::value value;
    if (++count > 1 || element.get(value) != simdjson::SUCCESS) {
      return decoder.fail({}, name, "is not a JSON number");
    }
    if (!decoder.decode_into(value, member, name, range, {})) return false;
  }
  const char* trailing = nullptr;
  if (count != 1 || doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return decoder.fail({}, name, "is not a JSON number");
  }
  return true;
}

}  // namespace runner_metrics::detail
