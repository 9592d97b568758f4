// SPDX-License-Identifier: Apache-2.0
// Command-line flags for an event type's fields, made from its description:
// `--flavor`, `--queue-duration`, `--status-code` for status_info.code.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "runner_metrics/description.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/flag_value.hpp"

namespace runner_metrics::cli {

/// The text given to each field flag, keyed by flag name without "--".
using FlagValues = std::map<std::string, std::string, std::less<>>;

/// Adds one option per field of `R` (recursing into nested records) to `command`.
template <Record R>
void add_field_flags(CLI::App& command, FlagValues& values, const std::string& prefix = {},
                     bool in_optional = false) {
  for_each_field<R>([&](const auto& field) {
    using Member = std::remove_cvref_t<decltype(R{}.*(field.member))>;
    using Value = field_value_t<Member>;
    const std::string flag = prefix + flag_name(field);
    if constexpr (Record<Value>) {
      add_field_flags<Value>(command, values, flag + "-", is_optional_field_v<Member>);
    } else {
      const bool optional = in_optional || is_optional_field_v<Member>;
      command
          .add_option("--" + flag, values[flag],
                      fmt::format("{}{}", field.help, optional ? " Optional." : ""))
          ->type_name(std::is_same_v<Value, std::string>    ? "TEXT"
                      : std::is_same_v<Value, std::int64_t> ? "INT"
                                                            : "SECONDS");
    }
  });
}

/// Whether any flag of `R`'s fields was given.
template <Record R>
bool any_flag_given(const CLI::App& command, const std::string& prefix) {
  bool given = false;
  for_each_field<R>([&](const auto& field) {
    using Value = field_value_t<std::remove_cvref_t<decltype(R{}.*(field.member))>>;
    if constexpr (Record<Value>) {
      given = given || any_flag_given<Value>(command, prefix + flag_name(field) + "-");
    } else {
      given = given || command.count("--" + prefix + flag_name(field)) > 0;
    }
  });
  return given;
}

/// Sets the fields of `record` from the flags given; a missing required flag
/// or a value that is not valid for its field throws ValidationError.
template <Record R>
void fill_from_flags(R& record, const CLI::App& command, const FlagValues& values,
                     const std::string& prefix = {}, std::string_view parent = {}) {
  for_each_field<R>([&](const auto& field) {
    auto& member = record.*(field.member);
    using Member = std::remove_cvref_t<decltype(member)>;
    using Value = field_value_t<Member>;
    const std::string flag = prefix + flag_name(field);
    const std::string path =
        parent.empty() ? std::string(field.name) : fmt::format("{}.{}", parent, field.name);
    if constexpr (Record<Value>) {
      if (any_flag_given<Value>(command, flag + "-")) {
        Value nested{};
        fill_from_flags(nested, command, values, flag + "-", path);
        member = std::move(nested);
      } else if (!is_optional_field_v<Member>) {
        throw ValidationError(path, fmt::format("is required (--{}-...)", flag));
      }
    } else {
      if (command.count("--" + flag) == 0) {
        if (!is_optional_field_v<Member>) {
          throw ValidationError(path, fmt::format("is required (--{})", flag));
        }
        return;
      }
      const std::string& text = values.find(flag)->second;
      if constexpr (std::is_same_v<Value, std::string>) {
        member = text;
      } else {
        if (const auto failure = parse_flag_value(text, member, path, field.range)) {
          throw ValidationError(failure->field, fmt::format("{} (--{} {})", failure->problem, flag,
                                                            text.substr(0, 64)));
        }
      }
    }
  });
}

}  // namespace runner_metrics::cli
