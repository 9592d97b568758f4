// SPDX-License-Identifier: Apache-2.0
// The errors the library raises. Each message names the field or path at
// fault, so it can be shown to a user as one line.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace runner_metrics {

/// An event (or a line of JSON input) breaks the rules of format.md §3.
/// Nothing was written.
///
///   ValidationError("duration", "must be >= 0, got -0.5").what()
///   → "duration: must be >= 0, got -0.5"
class ValidationError : public std::invalid_argument {
 public:
  ValidationError(std::string field, std::string_view problem);
  /// The same error, located: ValidationError(e, "line 3").what()
  /// → "line 3: duration: must be >= 0".
  ValidationError(const ValidationError& error, std::string_view where);

  /// The field at fault: "duration", "status_info.code", a member name that
  /// the event type does not have, or empty when the line is not a JSON object.
  const std::string& field() const noexcept { return field_; }
  /// What is wrong with it: "must be >= 0".
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string field_;
  std::string problem_;
};

/// The metrics log could not be written. The message names the path and the
/// OS error.
class IssueMetricEventError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// logrotate could not be set up. The message names the failed step (the
/// config path or the systemctl command) and what it printed on stderr.
class LogrotateSetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace runner_metrics
