// SPDX-License-Identifier: Apache-2.0
// Running a program as another user (uid 65534, nobody), wherever the
// checkout lives: a build folder under /root (mode 0700) or any directory that
// others cannot traverse would otherwise make every such test exit 127.
#pragma once

#include <string>

namespace runner_metrics::testing {

/// The uid that permission tests drop to.
inline constexpr unsigned kNobody = 65534;

/// `program` itself if any user can execute it (every directory above it
/// searchable by others), else a copy in a world-readable temporary folder,
/// made once per test process and removed at exit. Files that the program
/// loads from beside itself (serve's HTTP module) are copied with it.
std::string executable_by_anyone(const std::string& program);

}  // namespace runner_metrics::testing
