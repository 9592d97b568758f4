// Decoding one JSON value into one field, by the field's C++ type, with the
// rules of SPEC §3. Shared by the line parser and the command-line flags, so
// `--duration 1e400` and `"duration": 1e400` fail the same way.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "runner_metrics/description.hpp"
#include "runner_metrics/event_parser.hpp"

namespace runner_metrics::detail {

namespace od = simdjson::ondemand;

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
    if (!read_json_type(value, type)) return fail(parent, name, "is not valid JSON");
    if (type == od::json_type::null) {
      member.reset();
      return true;
    }
    return decode_into(value, member.emplace(), name, range, parent);
  }

  bool decode_into(od::value& value, double& member, std::string_view name, Range range,
                   std::string_view parent) {
    od::json_type type{};
    if (!read_json_type(value, type) || type != od::json_type::number) {
      return fail(parent, name, "must be a number");
    }
    if (value.get_double().get(member) != simdjson::SUCCESS || !std::isfinite(member)) {
      return fail(parent, name, "must be a finite number");
    }
    if (range == Range::NonNegative && member < 0) return fail(parent, name, "must be >= 0");
    return true;
  }

  bool decode_into(od::value& value, std::int64_t& member, std::string_view name, Range range,
                   std::string_view parent) {
    od::json_type type{};
    if (!read_json_type(value, type) || type != od::json_type::number) {
      return fail(parent, name, "must be an integer");
    }
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
  ParseRules rules_;
  Failure& failure_;
};

/// Decodes `text`, one JSON value such as a command-line flag's, into
/// `member`. Returns false with `failure` set.
template <class Member>
bool decode_json_text(std::string_view text, Member& member, std::string_view name, Range range,
                      Failure& failure) {
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
    return decoder.fail({}, name, "is not a JSON value");
  }
  std::size_t count = 0;
  for (auto element : array) {
    od::value value;
    if (++count > 1 || element.get(value) != simdjson::SUCCESS) {
      return decoder.fail({}, name, "is not one JSON value");
    }
    if (!decoder.decode_into(value, member, name, range, {})) return false;
  }
  const char* trailing = nullptr;
  if (count != 1 || doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return decoder.fail({}, name, "is not one JSON value");
  }
  return true;
}

}  // namespace runner_metrics::detail
