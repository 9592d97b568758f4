// SPDX-License-Identifier: Apache-2.0
// runner-metrics: parse the command line, run the command, map its error to
// an exit status (0 success, 2 bad usage or input, 1 the system failed,
// 128 + N stopped by signal N).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/reader.hpp"
#include "stop_signals.hpp"

namespace {

// CLI11 reads `--flavor=` as a flag missing its value; docs/format.md §6 promises
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

// A closed standard descriptor would be handed to the next open(2): the log
// would become "stderr" and take our error messages. Each closed one is
// filled with /dev/null opened the wrong way round (stdin write-only, stdout
// and stderr read-only), so that it still fails every read or write with
// EBADF, as the closed descriptor did, while holding its number.
void hold_closed_standard_descriptors() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    const int held = ::open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY));
    if (held >= 0 && held != fd) ::close(held);  // cannot happen: fd was the lowest free
  }
}

// Never throws: an error report that cannot be written must not change the
// exit status (invalid input is 2 even with stderr closed).
int fail(int status, std::string_view message) {
  const std::string line = fmt::format("runner-metrics: {}\n", message);
  std::fwrite(line.data(), 1, line.size(), stderr);
  return status;
}

// An empty path would quietly mean another file: `--log ''` the default log.
void reject_empty_paths(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands()) {
    for (const char* name : {"--log", "--config", "--systemctl", "--output", "--web.config.file"}) {
      const CLI::Option* option = command->get_option_no_throw(name);
      if (option == nullptr || option->count() == 0) continue;
      for (const std::string& value : option->results()) {
        if (value.empty()) throw CLI::ValidationError(name, "must not be empty (a path)");
      }
    }
    reject_empty_paths(*command);
  }
}

// What reached standard output and standard error? A command that succeeded
// but whose output (--help and --version too) was lost, to a full disk or a
// closed descriptor, has failed.
int check_standard_output(int status) {
  std::cout.flush();
  const bool out_failed = !std::cout.good() || std::fflush(stdout) != 0 || std::ferror(stdout);
  const bool err_failed = std::ferror(stderr) != 0;
  if (status != 0 || (!out_failed && !err_failed)) return status;
  return fail(1, out_failed ? "cannot write standard output" : "cannot write standard error");
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
      "system could not be read, written or set up, or standard output could not be written; "
      "128+N stopped by signal N (issue: after the whole lines it says it wrote).");
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
    reject_empty_paths(app);
    action();
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return fail(2, e.what());
  } catch (const runner_metrics::ValidationError& e) {
    return fail(2, e.what());
  } catch (const runner_metrics::cli::StoppedBySignal& e) {
    return fail(128 + e.signal(), e.what());
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
  hold_closed_standard_descriptors();
  int status = 1;
  try {
    status = run(argc, argv);
  } catch (...) {  // out of memory while reporting an error
    status = 1;
  }
  return check_standard_output(status);
}
