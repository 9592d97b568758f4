// SPDX-License-Identifier: Apache-2.0
#include "support/peak_memory.hpp"

#include <unistd.h>

#include <exception>

#include "support/process.hpp"

namespace runner_metrics::testing {

bool have_time() { return ::access("/usr/bin/time", X_OK) == 0; }

std::vector<std::string> under_time(const std::vector<std::string>& argv,
                                    const std::string& report) {
  std::vector<std::string> timed = {"/usr/bin/time", "--format=%M", "--output=" + report, "--"};
  timed.insert(timed.end(), argv.begin(), argv.end());
  return timed;
}

long peak_rss_kib(const std::string& report) {
  const auto text = read_file(report);
  if (!text) return -1;
  try {
    // A program killed by a signal gets a "Command terminated" line first.
    const std::size_t last_line = text->find_last_of('\n', text->size() - 2);
    return std::stol(text->substr(last_line == std::string::npos ? 0 : last_line + 1));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace runner_metrics::testing
