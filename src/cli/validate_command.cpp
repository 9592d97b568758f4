// SPDX-License-Identifier: Apache-2.0
// `runner-metrics validate`: is every line of the log a valid event? Lists
// the first invalid lines with where they are and what is wrong.
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "log_input.hpp"
#include "progress.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/read_logs.hpp"
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

// format.md §7's unknown values, counted as the lines are read.
struct UnknownValues {
  struct Options {};
  explicit UnknownValues(Options /*unused*/ = {}) {}
  Options options() const { return {}; }
  void add(const ParsedLine& line, LogPosition /*unused*/) {
    if (line.kind == ParsedLine::Kind::Event) count += count_unknown_values(line.event);
  }
  void merge(const UnknownValues& other) { count += other.count; }
  std::uint64_t count = 0;
};

void validate(const std::vector<std::string>& paths) {
  Summary summary;
  UnknownValues unknown;
  std::vector<InvalidLine> invalid_lines;
  {
    ProgressBar bar;
    invalid_lines = read_logs(paths, {.invalid_lines_kept = kListed, .progress = bar.callback()},
                              summary, unknown);
  }
  std::string out;
  for (const InvalidLine& line : invalid_lines) {
    out += fmt::format("{}:{}: {}{}\n", line.path == "-" ? "<stdin>" : line.path, line.line,
                       line.field.empty() ? "" : printable(line.field) + ": ",
                       printable(line.problem));
  }
  const LineCounts& lines = summary.lines();
  if (lines.invalid > invalid_lines.size()) {
    out += fmt::format("... and {} more invalid lines\n", lines.invalid - invalid_lines.size());
  }
  out += fmt::format("{} lines: {} valid, {} other, {} invalid\n", lines.total, lines.valid,
                     lines.other, lines.invalid);
  if (unknown.count > 0) {
    out += fmt::format("unknown values (Infinity): {}\n", unknown.count);
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
