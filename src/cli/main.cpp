// runner-metrics: parse the command line, run the command, map its error to
// an exit status (0 success, 2 bad usage or input, 1 the system failed).
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/reader.hpp"

namespace {

// CLI11 reads `--flavor=` as a flag missing its value; the SPEC promises
// every option takes the --flag=value form, and an empty flavor is valid.
std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i > 0; --i) {  // CLI11 takes them in reverse order
    std::string arg = argv[i];
    if (arg.starts_with("--") && arg.find('=') == arg.size() - 1) {
      args.emplace_back();
      arg.pop_back();
    }
    args.push_back(std::move(arg));
  }
  return args;
}

int fail(int status, std::string_view message) {
  fmt::print(stderr, "runner-metrics: {}\n", message);
  return status;
}

int run(int argc, char** argv) {
  // A log that is a pipe whose reader left should be an error, not a kill.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"Byte-exact metric events for self-hosted GitHub Actions runner fleets.",
               "runner-metrics"};
  app.set_version_flag("--version", "runner-metrics " RUNNER_METRICS_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success; 2 bad usage or invalid input (nothing written); 1 the log or the "
      "system could not be read, written or set up.");
  runner_metrics::cli::Action action;
  runner_metrics::cli::add_issue_command(app, action);
  runner_metrics::cli::add_setup_logrotate_command(app, action);
  runner_metrics::cli::add_validate_command(app, action);
  runner_metrics::cli::add_summary_command(app, action);
  runner_metrics::cli::add_report_command(app, action);
  runner_metrics::cli::add_serve_command(app, action);

  try {
    if (argc > 1 && argv[1][0] != '-' &&
        app.get_subcommands([&](CLI::App* command) { return command->get_name() == argv[1]; })
            .empty()) {
      throw CLI::ValidationError(argv[1], "is not a command (see --help)");
    }
    std::vector<std::string> args = arguments(argc, argv);
    app.parse(args);
    action();
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return fail(2, e.what());
  } catch (const runner_metrics::ValidationError& e) {
    return fail(2, e.what());
  } catch (const runner_metrics::IssueMetricEventError& e) {
    return fail(1, e.what());
  } catch (const runner_metrics::LogrotateSetupError& e) {
    return fail(1, e.what());
  } catch (const runner_metrics::ReadLogError& e) {
    return fail(1, e.what());
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {  // out of memory while reporting an error
    return 1;
  }
}
