// SPDX-License-Identifier: Apache-2.0
// `runner-metrics summary`: the dashboard's answers from the log itself.
#include <fmt/format.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "count_flag.hpp"
#include "log_input.hpp"
#include "progress.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/summary.hpp"
#include "runner_metrics/summary_render.hpp"

namespace runner_metrics::cli {

namespace {

struct SummaryFlags {
  LogSelection logs;
  std::string format = "text";
  std::size_t max_label_values = WindowOptions{}.max_label_values;
};

void summarize(const SummaryFlags& flags, const SummaryOptions& summary_options) {
  Summary summary(summary_options);
  {
    ProgressBar bar;
    (void)read_logs(log_files(flags.logs.files), {.progress = bar.callback()}, summary);
  }
  // In pieces: with many flavors the text is larger than the summary it shows.
  const TextSink write = [](std::string_view piece) { write_stdout(piece); };
  if (flags.format == "json") {
    render_json(summary, write);
  } else {
    render_text(summary, write);
  }
}

}  // namespace

void add_summary_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<SummaryFlags>();
  CLI::App* command = app.add_subcommand(
      "summary",
      "Counts, breakdowns (stop status, conclusion, code, event, repository), runners after the "
      "last reconciliation and duration statistics from metrics logs.");
  flags->logs.add_files(*command);
  flags->logs.add_window(*command, "One group per flavor instead of one for all.");
  command
      ->add_option("--format", flags->format,
                   "text (a table) or json (one object, keys as in the README).")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command
      ->add_option("--max-label-values", flags->max_label_values,
                   "Values each breakdown (statuses, conclusions, codes, events, repositories) "
                   "counts on their own: those that sort first; the rest are counted under "
                   "\"other\".")
      ->check(count_in(1, 1'000'000))
      ->type_name("N")
      ->capture_default_str();
  command->footer(
      "Line counts cover every line read; the window applies to events. Percentiles are within "
      "0.5% of the exact nearest-rank value; count, min, max and avg are exact.\n"
      "Exit status: 0 success; 2 bad usage (such as a bad --since); 1 a file could not be read.");
  command->callback([command, flags, &action] {
    SummaryOptions options = flags->logs.summary_options(*command);
    options.max_label_values = flags->max_label_values;
    action = [flags, options] { summarize(*flags, options); };
  });
}

}  // namespace runner_metrics::cli
