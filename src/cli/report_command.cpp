// `runner-metrics report`: the fleet's charts in one HTML file.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "log_input.hpp"
#include "progress.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/report.hpp"

namespace runner_metrics::cli {

namespace {

struct ReportFlags {
  LogSelection logs;
  std::string output;
  std::string interval;
};

[[noreturn]] void fail_write(const std::string& path) {
  throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
}

// The whole page or nothing: written beside the target, then renamed over it.
void write_file_atomically(const std::string& path, const std::string& content) {
  if (path == "-") {
    write_stdout(content);
    return;
  }
  const std::filesystem::path target(path);
  const std::string temporary =
      (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  std::vector<char> name(temporary.begin(), temporary.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) fail_write(path);
  const auto give_up = [&] {
    const int saved = errno;
    ::close(fd);
    ::unlink(name.data());
    errno = saved;
    fail_write(path);
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      give_up();
    }
    done += static_cast<std::size_t>(n);
  }
  // mkstemp makes the file 0600; a report is for sharing, as the umask allows.
  // No fsync: the rename alone means no reader sees half a page, and a page
  // lost to a crash is made again from the log.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) give_up();
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(name.data());
    errno = saved;
    fail_write(path);
  }
  if (::rename(name.data(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(name.data());
    errno = saved;
    fail_write(path);
  }
}

void report(const ReportFlags& flags, const ReportOptions& given) {
  ReportOptions options = given;
  FleetReport result;
  {
    ProgressBar bar;
    options.read.progress = bar.callback();
    result = report_logs(log_files(flags.logs.files), options);
  }
  write_file_atomically(flags.output, render_html(result));
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* command = app.add_subcommand(
      "report",
      "One self-contained HTML page with the fleet's charts and summary, from metrics logs.");
  flags->logs.add_files(*command);
  command->add_option("-o,--output", flags->output, "The page to write (- for standard output).")
      ->required()
      ->type_name("FILE.html");
  flags->logs.add_window(*command, "One section per flavor instead of one for all.");
  command
      ->add_option("--interval", flags->interval,
                   "Width of a chart's bucket: seconds, or with a unit: 30s, 5m, 1h, 1d. "
                   "Default: chosen from the time span, 1 min to 1 d, at most 1000 buckets.")
      ->type_name("W");
  command->footer(
      "The page needs no network: inline CSS and SVG, no script. Its size depends on the number "
      "of buckets and flavors, not of events.\n"
      "Exit status: 0 success; 2 bad usage (such as a bad --interval); 1 a file could not be "
      "read or the page could not be written.");
  command->callback([command, flags, &action] {
    ReportOptions options;
    options.read.summary = flags->logs.summary_options(*command);
    if (command->count("--interval") > 0) {
      const auto interval = parse_interval(flags->interval);
      if (!interval) {
        throw ValidationError("--interval",
                              fmt::format("is not a whole number of seconds, minutes (m), hours "
                                          "(h) or days (d) up to 3660 d: \"{}\"",
                                          flags->interval.substr(0, 64)));
      }
      options.interval = *interval;
    }
    action = [flags, options] { report(*flags, options); };
  });
}

}  // namespace runner_metrics::cli
