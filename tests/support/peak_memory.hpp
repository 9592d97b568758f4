// SPDX-License-Identifier: Apache-2.0
// A program's peak memory, measured so that the test's own does not count.
//
// A child's peak resident set (ru_maxrss) includes what it shared with its
// parent when it forked, and exec keeps that peak: a CLI forked from a test
// process holding 40 MiB reports 40 MiB before it reads a byte. Run under
// /usr/bin/time, the program is forked from `time`, a small process, and
// `time` writes its peak to a file.
//
//   run_process(under_time({cli, "summary", log}, dir / "rss"));
//   peak_rss_kib(dir / "rss") → 5312
#pragma once

#include <string>
#include <vector>

namespace runner_metrics::testing {

/// Whether /usr/bin/time (Debian package time) is installed.
bool have_time();

/// `argv` run by /usr/bin/time, which writes the program's peak resident set
/// in KiB to `report` when it ends; exit status and output pass through.
std::vector<std::string> under_time(const std::vector<std::string>& argv,
                                    const std::string& report);

/// The peak an under_time run wrote to `report`, or -1.
long peak_rss_kib(const std::string& report);

}  // namespace runner_metrics::testing
