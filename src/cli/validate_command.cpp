// SPDX-License-Identifier: Apache-2.0
// `runner-metrics validate`: is every line of the log a valid event? Lists
// the first invalid lines with where they are and what is wrong.
#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "commands.hpp"
#include "log_input.hpp"
#include "progress.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/summary.hpp"

namespace runner_metrics::cli {

namespace {

constexpr std::size_t kListed = 20;

// Field names and problems can quote the line; keep its control bytes off
// the terminal.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c >= 0x20 && c <= 0x7e) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

void validate(const std::vector<std::string>& paths) {
  SummarizeOptions options;
  options.invalid_lines_kept = kListed;
  // format.md §7's unknown values, counted by each worker on its own.
  std::deque<std::uint64_t> unknown_by_worker;
  options.sink_for_worker = [&unknown_by_worker](unsigned) -> EventSink {
    std::uint64_t& unknown = unknown_by_worker.emplace_back(0);
    return
        [&unknown](const AnyEvent& event, LogPosition) { unknown += count_unknown_values(event); };
  };
  LogsSummary result;
  {
    ProgressBar bar;
    options.progress = bar.callback();
    result = summarize_logs(paths, options);
  }
  std::string out;
  for (const InvalidLine& line : result.invalid_lines) {
    out += fmt::format("{}:{}: {}{}\n", line.path == "-" ? "<stdin>" : line.path, line.line,
                       line.field.empty() ? "" : printable(line.field) + ": ",
                       printable(line.problem));
  }
  const LineCounts& lines = result.summary.lines();
  if (lines.invalid > result.invalid_lines.size()) {
    out +=
        fmt::format("... and {} more invalid lines\n", lines.invalid - result.invalid_lines.size());
  }
  out += fmt::format("{} lines: {} valid, {} other, {} invalid\n", lines.total, lines.valid,
                     lines.other, lines.invalid);
  const std::uint64_t unknown =
      std::accumulate(unknown_by_worker.begin(), unknown_by_worker.end(), std::uint64_t{0});
  if (unknown > 0) {
    out += fmt::format("unknown values (Infinity): {}\n", unknown);
  }
  write_stdout(out);
  if (lines.invalid > 0) {
    throw ValidationError({},
                          fmt::format("{} of {} lines are invalid", lines.invalid, lines.total));
  }
}

}  // namespace

void add_validate_command(CLI::App& app, Action& action) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* command =
      app.add_subcommand("validate", "Check that every line of metrics logs is a valid event.");
  command->add_option("FILE", *files, LOG_FILES_HELP);
  command->footer(
      "Prints each invalid line as FILE:LINE: reason (the first 20, then a count) and a total. "
      "Events of other types (newer writers) are not invalid. A float written as the bare token "
      "Infinity (the ancestor's unknown value) is valid, and counted on a line of its own.\n"
      "Exit status: 0 every line is valid; 2 some line is invalid; 1 a file could not be read.");
  command->callback([files, &action] { action = [files] { validate(log_files(*files)); }; });
}

}  // namespace runner_metrics::cli
