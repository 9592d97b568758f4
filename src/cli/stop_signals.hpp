// SPDX-License-Identifier: Apache-2.0
// How `issue` stops on SIGTERM, SIGINT or SIGHUP without leaving part of a
// line: before writing starts, the signal ends the command at once (nothing
// was written); once it started, the signal is held until the write(2) in
// progress is whole (MetricsLog holds it), and the command stops before the
// next one. Either way the exit status is 128 + the signal's number, as a
// shell reports a process that the signal killed, and stderr says how many
// lines were written:
//
//   runner-metrics: stopped by SIGTERM after writing 0 lines
//   runner-metrics: stopped by SIGTERM after writing 65536 of 400000 lines to metrics.log
//
// SIGPIPE stays ignored (main.cpp): a log that is a pipe whose reader left is
// a write error, exit 1.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>

namespace runner_metrics::cli {

/// A signal stopped the command; main exits with 128 + signal().
class StoppedBySignal : public std::runtime_error {
 public:
  StoppedBySignal(int signal, const std::string& message)
      : std::runtime_error(message), signal_(signal) {}
  int signal() const noexcept { return signal_; }

 private:
  int signal_;
};

/// Catches SIGTERM, SIGINT and SIGHUP (leaving alone one that was ignored
/// when the process started, as under nohup) while it lives. One at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// From now on a signal is recorded in stop() instead of ending the
  /// process; give stop() to MetricsLogOptions.
  void begin_writing() noexcept;
  const std::atomic<int>& stop() const noexcept;

  /// Throws StoppedBySignal if a signal was recorded: "stopped by SIGTERM
  /// after writing `written`".
  void throw_if_stopped(const std::string& written) const;
};

}  // namespace runner_metrics::cli
