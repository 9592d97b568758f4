// SPDX-License-Identifier: Apache-2.0
// What `validate`, `summary` and `report` share: which logs to read, the
// window's --since and --until, grouping by flavor, and writing the result so that a failed
// write is an error rather than a silent success.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/time_text.hpp"

namespace runner_metrics::cli {

inline constexpr const char* LOG_FILES_HELP =
    "Logs to read, in order (rotated files first); - is standard input. Default: "
    "$RUNNER_METRICS_LOG, else /var/log/github-runner-metrics.log.";

inline std::vector<std::string> log_files(const std::vector<std::string>& given) {
  if (!given.empty()) return given;
  return {resolve_log_path({})};
}

/// The time given to `flag` (--since or --until), nullopt when not given;
/// throws ValidationError naming the flag.
inline std::optional<double> time_flag(const CLI::App& command, const std::string& flag,
                                       const std::string& text) {
  if (command.count(flag) == 0) return std::nullopt;
  if (const auto seconds = parse_time(text)) return seconds;
  throw ValidationError(flag, fmt::format("is neither UNIX seconds nor an ISO 8601 time "
                                          "(2026-11-25, 2026-11-25T14:00:00Z): \"{}\"",
                                          text.substr(0, 64)));
}

/// FILE, --since, --until and --by, as `summary` and `report` take them.
struct LogSelection {
  std::vector<std::string> files;
  std::string since;
  std::string until;
  std::string by;

  void add_files(CLI::App& command) { command.add_option("FILE", files, LOG_FILES_HELP); }

  /// --since, --until and --by; `by_help` says what --by flavor makes.
  void add_window(CLI::App& command, const std::string& by_help) {
    command
        .add_option("--since", since,
                    "Keep events at or after T: UNIX seconds, or ISO 8601 such as 2026-11-25 "
                    "(midnight UTC), 2026-11-25T14:00:00Z or 2026-11-25T16:00:00.5+02:00.")
        ->type_name("T");
    command.add_option("--until", until, "Keep events before T (as --since).")->type_name("T");
    command.add_option("--by", by, by_help)->check(CLI::IsMember({"flavor"}))->type_name("flavor");
  }

  /// The window and grouping given; throws ValidationError naming the flag.
  WindowOptions summary_options(const CLI::App& command) const {
    WindowOptions options;
    options.since = time_flag(command, "--since", since);
    options.until = time_flag(command, "--until", until);
    options.by_flavor = by == "flavor";
    if (options.since && options.until && *options.until < *options.since) {
      throw ValidationError("--until", "is before --since");
    }
    return options;
  }
};

inline void write_stdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    throw std::runtime_error(std::string("standard output: ") + std::strerror(errno));
  }
}

}  // namespace runner_metrics::cli
