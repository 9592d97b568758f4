// SPDX-License-Identifier: Apache-2.0
// `runner-metrics report`: the fleet's charts in one HTML file.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "count_flag.hpp"
#include "log_input.hpp"
#include "progress.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/report.hpp"
#include "write/atomic_file.hpp"

namespace runner_metrics::cli {

namespace {

struct ReportFlags {
  LogSelection logs;
  std::string output;
  std::string interval;
  std::size_t max_sections = ReportOptions{}.max_sections;
  std::size_t max_label_values = ReportOptions{}.max_label_values;
};

[[noreturn]] void fail_write(const std::string& path) {
  throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
}

[[noreturn]] void refuse(const std::string& path, std::string_view what) {
  throw std::runtime_error(fmt::format(
      "{}: {}; --output takes a regular file, a FIFO, a character device or - (standard output)",
      path, what));
}

// Where the page goes, decided before the logs are read so that a wrong
// --output fails at once. Nothing there is destroyed: a regular file (or a
// new path) gets the whole page or is left as it was, written beside it and
// renamed over it; a FIFO or a character device is written in place, the
// node itself untouched; a symbolic link is followed to what it names (the
// link stays); anything else is refused.
class PageOutput {
 public:
  explicit PageOutput(const std::string& path) : path_(path) {
    if (path == "-") {
      kind_ = Kind::Stdout;
      return;
    }
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
      if (errno != ENOENT) fail_write(path);
      kind_ = Kind::Replace;
      target_ = path;
      return;
    }
    target_ = path;
    if (S_ISLNK(status.st_mode)) {
      std::error_code error;
      const auto resolved = std::filesystem::canonical(path, error);
      if (error) refuse(path, "a symbolic link to nothing (" + error.message() + ")");
      target_ = resolved.string();
      if (::stat(target_.c_str(), &status) != 0) fail_write(path);
    }
    if (S_ISREG(status.st_mode)) {
      kind_ = Kind::Replace;
    } else if (S_ISFIFO(status.st_mode) || S_ISCHR(status.st_mode)) {
      kind_ = Kind::InPlace;
    } else if (S_ISDIR(status.st_mode)) {
      refuse(path, "a directory");
    } else if (S_ISBLK(status.st_mode)) {
      refuse(path, "a block device (a disk is never overwritten with a page)");
    } else if (S_ISSOCK(status.st_mode)) {
      refuse(path, "a socket");
    } else {
      refuse(path, "not a regular file");
    }
  }
  PageOutput(const PageOutput&) = delete;
  PageOutput& operator=(const PageOutput&) = delete;
  ~PageOutput() {
    if (fd_ >= 0) ::close(fd_);
  }

  void write(std::string_view piece) {
    if (kind_ == Kind::Stdout) {
      write_stdout(piece);
      return;
    }
    if (kind_ == Kind::Replace) {
      if (!page_) open_page();
      page_call([&] { page_->write(piece); });
      return;
    }
    if (fd_ < 0) open_in_place();
    if (!detail::write_all(fd_, piece)) fail_write(path_);
  }

  /// Puts the page in place; without it, a regular file stays as it was.
  void commit() {
    if (kind_ == Kind::Stdout) return;
    if (kind_ == Kind::Replace) {
      if (!page_) open_page();
      page_call([&] { page_->commit(); });
      return;
    }
    if (fd_ < 0) open_in_place();
    if (::close(std::exchange(fd_, -1)) != 0) fail_write(path_);
  }

 private:
  enum class Kind { Stdout, Replace, InPlace };

  void open_in_place() {
    // A FIFO's open waits for a reader, as a shell's redirection does.
    fd_ = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) fail_write(path_);
    struct stat status {};
    if (::fstat(fd_, &status) != 0) fail_write(path_);
    // Replaced by something else since it was looked at: not written in place.
    if (!S_ISFIFO(status.st_mode) && !S_ISCHR(status.st_mode)) {
      refuse(path_, "no longer a FIFO or character device");
    }
  }

  // A report is for sharing: the mode the umask allows. No fsync: the
  // rename alone means no reader sees half a page, and a page lost to a
  // crash is made again from the log.
  void open_page() {
    page_call([&] { page_.emplace(target_, detail::AtomicFileOptions{}); });
  }

  template <class Fn>
  void page_call(Fn&& fn) {
    try {
      fn();
    } catch (const std::system_error& e) {
      throw std::runtime_error(fmt::format("{}: {}", path_, std::strerror(e.code().value())));
    }
  }

  std::string path_;    // as given, for messages
  std::string target_;  // what is written or replaced: a link's target
  Kind kind_ = Kind::Replace;
  int fd_ = -1;                             // a FIFO or character device
  std::optional<detail::AtomicFile> page_;  // a regular file's replacement
};

void report(const ReportFlags& flags, const ReportOptions& given) {
  PageOutput output(flags.output);
  ReportOptions options = given;
  FleetReport result;
  {
    ProgressBar bar;
    options.read.progress = bar.callback();
    result = report_logs(log_files(flags.logs.files), options);
  }
  render_html(result, [&output](std::string_view piece) { output.write(piece); });
  output.commit();
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* command = app.add_subcommand(
      "report",
      "One self-contained HTML page with the fleet's charts and summary, from metrics logs.");
  flags->logs.add_files(*command);
  command
      ->add_option("-o,--output", flags->output,
                   "The page to write: a regular file, replaced whole only once the page is "
                   "complete; a FIFO or character device, written in place; - for standard "
                   "output. A symbolic link is followed: what it names is written (as above) "
                   "and the link stays. Anything else (a directory, socket, block device, a link "
                   "to nothing) is refused.")
      ->required()
      ->type_name("FILE.html");
  flags->logs.add_window(*command,
                         "One section per flavor (the busiest, see --max-sections) instead of one "
                         "for all.");
  command
      ->add_option("--interval", flags->interval,
                   "Width of a chart's bucket: seconds, or with a unit: 30s, 5m, 1h, 1d. "
                   "Default: chosen from the time span, 1 min to 1 d, at most 1000 buckets.")
      ->type_name("W");
  command
      ->add_option("--max-sections", flags->max_sections,
                   "With --by flavor: charts for at most N flavors, the busiest by number of "
                   "events (0: every flavor). More flavors than N need a second reading of the "
                   "logs (standard input is first copied to a temporary file).")
      ->check(count_in(0, 1'000'000'000))
      ->capture_default_str()
      ->type_name("N");
  command
      ->add_option("--max-label-values", flags->max_label_values,
                   "With --by flavor: rows of the flavors table, the busiest; the rest are "
                   "summed in one \"other\" row (0: every flavor).")
      ->check(count_in(0, 1'000'000'000))
      ->capture_default_str()
      ->type_name("N");
  command->footer(
      "The page needs no network: inline CSS and SVG, no script. Its size depends on the number "
      "of buckets, --max-sections and --max-label-values, not on the number of events or "
      "flavors; it is written as it is drawn, never held whole in memory.\n"
      "Exit status: 0 success; 2 bad usage (such as a bad --interval); 1 a file could not be "
      "read or the page could not be written.");
  command->callback([command, flags, &action] {
    ReportOptions options;
    options.window = flags->logs.summary_options(*command);
    options.max_sections = flags->max_sections;
    options.max_label_values = flags->max_label_values;
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
