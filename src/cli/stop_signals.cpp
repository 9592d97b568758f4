// SPDX-License-Identifier: Apache-2.0
#include "stop_signals.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

namespace runner_metrics::cli {

namespace {

constexpr std::array<int, 3> kStopSignals{SIGTERM, SIGINT, SIGHUP};

static_assert(std::atomic<int>::is_always_lock_free, "read and written by a signal handler");
std::atomic<int> stop_signal{0};
std::atomic<bool> writing{false};
std::array<struct sigaction, kStopSignals.size()> previous{};
// What the handler prints when it ends the process before writing started;
// made beforehand, since a handler may not allocate.
std::array<std::string, kStopSignals.size()> before_writing_messages;

std::string signal_name(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);
  return abbreviation != nullptr ? fmt::format("SIG{}", abbreviation)
                                 : fmt::format("signal {}", signal);
}

extern "C" void on_stop_signal(int signal) {
  if (writing.load()) {
    int none = 0;
    stop_signal.compare_exchange_strong(none, signal);
    return;
  }
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    if (kStopSignals[i] != signal) continue;
    const std::string& message = before_writing_messages[i];
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, message.data(), message.size());
  }
  ::_exit(128 + signal);
}

}  // namespace

StopSignals::StopSignals() {
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    before_writing_messages[i] = fmt::format(
        "runner-metrics: stopped by {} after writing 0 lines\n", signal_name(kStopSignals[i]));
  }
  stop_signal = 0;
  writing = false;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESTART;
  sigfillset(&action.sa_mask);
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    ::sigaction(kStopSignals[i], nullptr, &previous[i]);
    if (previous[i].sa_handler != SIG_IGN) ::sigaction(kStopSignals[i], &action, nullptr);
  }
}

StopSignals::~StopSignals() {
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) {
    ::sigaction(kStopSignals[i], &previous[i], nullptr);
  }
}

void StopSignals::begin_writing() noexcept { writing = true; }

const std::atomic<int>& StopSignals::stop() const noexcept { return stop_signal; }

void StopSignals::throw_if_stopped(const std::string& written) const {
  const int signal = stop_signal.load();
  if (signal == 0) return;
  throw StoppedBySignal(
      signal, fmt::format("stopped by {} after writing {}", signal_name(signal), written));
}

}  // namespace runner_metrics::cli
