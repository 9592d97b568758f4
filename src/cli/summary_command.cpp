// `runner-metrics summary`: the dashboard's answers from the log itself.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "log_input.hpp"
#include "progress.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/summary.hpp"
#include "runner_metrics/summary_render.hpp"

namespace runner_metrics::cli {

namespace {

struct SummaryFlags {
  std::vector<std::string> files;
  std::string since;
  std::string until;
  std::string by;
  std::string format = "text";
};

void summarize(const SummaryFlags& flags, const SummaryOptions& summary_options) {
  SummarizeOptions options;
  options.summary = summary_options;
  LogsSummary result;
  {
    ProgressBar bar;
    options.progress = bar.callback();
    result = summarize_logs(log_files(flags.files), options);
  }
  write_stdout(flags.format == "json" ? render_json(result.summary) : render_text(result.summary));
}

}  // namespace

void add_summary_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<SummaryFlags>();
  CLI::App* command = app.add_subcommand(
      "summary", "Counts, stop statuses, idle runners and duration statistics from metrics logs.");
  command->add_option("FILE", flags->files, LOG_FILES_HELP);
  command
      ->add_option("--since", flags->since,
                   "Keep events at or after T: UNIX seconds, or ISO 8601 such as 2026-11-25 "
                   "(midnight UTC), 2026-11-25T14:00:00Z or 2026-11-25T16:00:00.5+02:00.")
      ->type_name("T");
  command->add_option("--until", flags->until, "Keep events before T (as --since).")
      ->type_name("T");
  command->add_option("--by", flags->by, "One group per flavor instead of one for all.")
      ->check(CLI::IsMember({"flavor"}))
      ->type_name("flavor");
  command
      ->add_option("--format", flags->format,
                   "text (a table) or json (one object, keys as in the README).")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->footer(
      "Line counts cover every line read; the window applies to events. Percentiles are within "
      "0.5% of the exact nearest-rank value; count, min, max and avg are exact.\n"
      "Exit status: 0 success; 2 bad usage (such as a bad --since); 1 a file could not be read.");
  command->callback([command, flags, &action] {
    SummaryOptions options;
    options.since = time_flag(*command, "--since", flags->since);
    options.until = time_flag(*command, "--until", flags->until);
    options.by_flavor = flags->by == "flavor";
    if (options.since && options.until && *options.until < *options.since) {
      throw ValidationError("--until", "is before --since");
    }
    action = [flags, options] { summarize(*flags, options); };
  });
}

}  // namespace runner_metrics::cli
