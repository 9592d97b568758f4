// SPDX-License-Identifier: Apache-2.0
// The check of a flag that takes a count (--max-label-values, --max-sections,
// --max-connections, ...): decimal digits only, within its range.
//
//   ->check(count_in(1, 1'000'000))
//   "--max-label-values 010" → "--max-label-values: 010 is not a whole number written in decimal"
//
// CLI11's own conversion reads 010 as octal and 0x10 as hexadecimal, and its
// range check calls "abc" out of range: neither is what the user meant.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstddef>
#include <string>

namespace runner_metrics::cli {

inline CLI::Validator count_in(std::size_t min, std::size_t max) {
  return {[min, max](const std::string& text) -> std::string {
            std::size_t value = 0;
            const char* const end = text.data() + text.size();
            const bool digits = !text.empty() &&
                                text.find_first_not_of("0123456789") == std::string::npos &&
                                (text.size() == 1 || text[0] != '0');
            if (!digits) return fmt::format("{} is not a whole number written in decimal", text);
            const auto [stop, error] = std::from_chars(text.data(), end, value);
            if (error != std::errc{} || stop != end || value < min || value > max) {
              return fmt::format("{} is not in {} to {}", text, min, max);
            }
            return {};
          },
          fmt::format("UINT in [{} - {}]", min, max)};
}

}  // namespace runner_metrics::cli
