// SPDX-License-Identifier: Apache-2.0
// `runner-metrics issue`: one event from flags, or a batch of JSON lines
// from standard input that is validated whole before any of it is written.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "event_flags.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/flag_value.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/reader.hpp"
#include "stop_signals.hpp"

namespace runner_metrics::cli {

namespace {

struct IssueOptions {
  std::string log;
  bool from_stdin = false;
  bool fsync = false;
  std::string timestamp;
  std::string event_name;
  FlagValues fields;
};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string command_name(std::string_view event_name) {
  std::string name(event_name);
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

// Writes the lines, stopping between two write(2) calls if a signal came.
void write_lines(const IssueOptions& options, std::string_view lines, std::size_t count,
                 StopSignals& signals) {
  MetricsLog log(resolve_log_path(options.log),
                 MetricsLogOptions{.fsync = options.fsync, .stop = &signals.stop()});
  signals.begin_writing();
  const std::size_t written = log.write_lines(lines, count);
  signals.throw_if_stopped(
      fmt::format("{} of {} lines to {}", written, count, log.path().string()));
}

template <Event E>
void issue_from_flags(const CLI::App& command, const IssueOptions& options) {
  StopSignals signals;
  E event{};
  fill_from_flags(event, command, options.fields);
  event.timestamp = now_seconds();
  if (command.count("--timestamp") > 0) {
    if (const auto failure =
            parse_flag_value(options.timestamp, event.timestamp, "timestamp", Range::NonNegative)) {
      throw ValidationError(failure->field, fmt::format("{} (--timestamp {})", failure->problem,
                                                        options.timestamp.substr(0, 64)));
    }
  }
  if (command.count("--event") > 0) event.event = options.event_name;
  const std::string line = to_line(event);  // validates before the log is opened
  write_lines(options, line, 1, signals);
}

// Standard input's lines, each read as the log's readers read a line (the
// same length limit; a longer line is skipped, never held whole), then
// validated and serialized. Blank lines are skipped.
void issue_from_stdin(const IssueOptions& options) {
  StopSignals signals;
  std::string lines;
  std::size_t count = 0;
  try {
    EventReader reader("-", ReaderOptions{.rules = ParseRules::Input});
    while (const LogLine* line = reader.next()) {
      if (!line->too_long && line->text.find_first_not_of(" \t") == std::string_view::npos) {
        continue;
      }
      const ParsedLine& parsed = *line->parsed;
      const std::string where = fmt::format("line {}", line->number);
      if (parsed.kind == ParsedLine::Kind::Other) {
        throw ValidationError(ValidationError("event", "is not an event type of this library"),
                              where);
      }
      if (parsed.kind != ParsedLine::Kind::Event) {
        throw ValidationError(ValidationError(parsed.field, parsed.problem), where);
      }
      try {
        std::visit([&](const auto& event) { append_line(lines, event); }, parsed.event);
      } catch (const ValidationError& e) {
        throw ValidationError(e, where);
      }
      ++count;
    }
  } catch (const ReadLogError& e) {
    // "-: Is a directory" -> "standard input: Is a directory"
    throw ReadLogError("standard input", std::string_view(e.what()).substr(e.path().size() + 2));
  }
  if (count > 0) write_lines(options, lines, count, signals);
}

}  // namespace

void add_issue_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<IssueOptions>();
  CLI::App* issue = app.add_subcommand(
      "issue", "Append an event to the metrics log, from field flags or JSON lines on stdin.");
  issue->add_option("--log", options->log,
                    "Metrics log path (default: $RUNNER_METRICS_LOG, else "
                    "/var/log/github-runner-metrics.log).");
  issue->add_flag("--stdin", options->from_stdin,
                  "Read events as JSON lines from standard input; validate all, then write all.");
  issue->add_flag("--fsync", options->fsync, "Flush the log to disk before returning.");
  issue->require_subcommand(0, 1);

  for_each_event_type([&](auto type) {
    using E = typename decltype(type)::type;
    CLI::App* command =
        issue->add_subcommand(command_name(event_type_name<E>()), std::string(E::summary));
    command->fallthrough();
    command
        ->add_option("--timestamp", options->timestamp, "UNIX seconds of the event (default: now).")
        ->type_name("SECONDS");
    command
        ->add_option("--event", options->event_name,
                     fmt::format("Event name to write (default: {}).", event_type_name<E>()))
        ->type_name("NAME");
    add_field_flags<E>(*command, options->fields);
    command->callback([command, options, &action] {
      action = [command, options] { issue_from_flags<E>(*command, *options); };
    });
  });

  issue->callback([issue, options, &action] {
    if (options->from_stdin) {
      if (!issue->get_subcommands().empty()) {
        throw CLI::ValidationError("--stdin", "give either an event TYPE or --stdin, not both");
      }
      action = [options] { issue_from_stdin(*options); };
    } else if (issue->get_subcommands().empty()) {
      throw CLI::ValidationError("issue", "give an event TYPE or --stdin (see issue --help)");
    }
  });
}

}  // namespace runner_metrics::cli
