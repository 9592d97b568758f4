// SPDX-License-Identifier: Apache-2.0
// The report's reading: read_logs of a Summary and a Timeline.
//
// By flavor, the charts are for the busiest flavors only, and which those are
// is known only at the end. The first pass keeps every flavor's timeline up to
// max_sections flavors; past that it keeps none (only the span), and a second
// pass over the same logs fills timelines for the chosen flavors. Memory is
// then the summary's (a few hundred bytes a flavor) plus max_sections
// timelines, however many flavors the log holds.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aggregate/fleet_tally.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/report.hpp"

namespace runner_metrics {

namespace {

// Standard input, copied to a file that is already unlinked, so it can be
// read twice; the file goes when the descriptor closes.
class StdinCopy {
 public:
  StdinCopy() {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw ReadLogError(
          "-", fmt::format("cannot make a temporary copy in {}: {}", dir, std::strerror(errno)));
    }
    std::vector<char> buffer(std::size_t{1} << 20);
    for (;;) {
      const ssize_t n = ::read(0, buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("-");
      }
      std::size_t done = 0;
      while (done < static_cast<std::size_t>(n)) {
        const ssize_t w = ::write(fd_, buffer.data() + done, static_cast<std::size_t>(n) - done);
        if (w < 0) {
          if (errno == EINTR) continue;
          fail("-");
        }
        done += static_cast<std::size_t>(w);
      }
    }
  }
  StdinCopy(const StdinCopy&) = delete;
  StdinCopy& operator=(const StdinCopy&) = delete;
  ~StdinCopy() { ::close(fd_); }

  /// A path that opens the copy.
  std::string path() const { return fmt::format("/proc/self/fd/{}", fd_); }

 private:
  [[noreturn]] void fail(const std::string& what) {
    const int saved = errno;
    ::close(fd_);
    throw ReadLogError(what, std::strerror(saved));
  }
  int fd_ = -1;
};

}  // namespace

std::vector<const GroupSummary*> busiest_groups(const Summary& summary, std::size_t n) {
  std::vector<const GroupSummary*> groups = summary.groups();
  const auto busier = [](const GroupSummary* a, const GroupSummary* b) {
    const std::uint64_t ea = detail::events_of(a->counts);
    const std::uint64_t eb = detail::events_of(b->counts);
    return ea != eb ? ea > eb : a->flavor < b->flavor;
  };
  if (n == 0 || n >= groups.size()) {
    std::sort(groups.begin(), groups.end(), busier);
    return groups;
  }
  std::partial_sort(groups.begin(), groups.begin() + static_cast<std::ptrdiff_t>(n), groups.end(),
                    busier);
  groups.resize(n);
  return groups;
}

FleetReport report_logs(const std::vector<std::string>& paths, const ReportOptions& options) {
  const bool by_flavor = options.window.by_flavor;
  TimelineOptions timeline_options{.window = options.window,
                                   .interval = options.interval,
                                   .max_groups = by_flavor ? options.max_sections : 0};
  // A second pass may be needed, and standard input can be read only once.
  std::unique_ptr<StdinCopy> stdin_copy;
  std::vector<std::string> readable = paths;
  if (by_flavor && options.max_sections > 0) {
    for (std::string& path : readable) {
      if (path != "-") continue;
      if (!stdin_copy) stdin_copy = std::make_unique<StdinCopy>();
      path = stdin_copy->path();
    }
  }
  Summary summary(options.window);
  Timeline timeline(timeline_options);
  ReadOptions read = options.read;
  read.invalid_lines_kept = 0;
  (void)read_logs(readable, read, summary, timeline);
  if (timeline.dropped_groups()) {
    auto chosen = std::make_shared<std::set<std::string, std::less<>>>();
    for (const GroupSummary* group : busiest_groups(summary, options.max_sections)) {
      chosen->insert(group->flavor.value_or(""));
    }
    timeline_options.flavors = std::move(chosen);
    timeline_options.max_groups = 0;
    timeline = Timeline(timeline_options);
    (void)read_logs(readable, read, timeline);
  }
  return FleetReport{std::move(summary), std::move(timeline), paths, options.max_sections,
                     options.max_label_values};
}

}  // namespace runner_metrics
