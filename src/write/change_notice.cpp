// SPDX-License-Identifier: Apache-2.0
#include "write/change_notice.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace runner_metrics::detail {

std::atomic<std::uint64_t> change_notice_count{0};

namespace {

constexpr int kNoticeSignal = SIGURG;

// Runs in whichever code the thread was in: an atomic increment is all it
// may do (lock-free, async-signal-safe, leaves errno alone).
void count_notice(int /*signal*/) { change_notice_count.fetch_add(1, std::memory_order_release); }

// The id is cached per thread; a child of fork(2) has one thread, the one
// that forked, with a new id.
thread_local pid_t cached_thread_id = 0;
[[maybe_unused]] const int fork_handler_registered =
    ::pthread_atfork(nullptr, nullptr, [] { cached_thread_id = 0; });

}  // namespace

bool change_notices_available() {
  static const bool installed = [] {
    struct sigaction current {};
    if (::sigaction(kNoticeSignal, nullptr, &current) != 0) return false;
    if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) return false;
    struct sigaction ours {};
    ours.sa_handler = count_notice;
    // The notice interrupts whatever the thread was blocked in: restart what
    // can be restarted, as if nothing had happened.
    ours.sa_flags = SA_RESTART;
    sigemptyset(&ours.sa_mask);
    return ::sigaction(kNoticeSignal, &ours, nullptr) == 0;
  }();
  return installed;
}

bool change_notices_reach_caller() {
  struct sigaction current {};
  sigset_t blocked;
  return ::sigaction(kNoticeSignal, nullptr, &current) == 0 &&
         (current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == count_notice &&
         ::pthread_sigmask(SIG_BLOCK, nullptr, &blocked) == 0 &&
         sigismember(&blocked, kNoticeSignal) == 0;
}

bool direct_change_notices(int inotify_fd, pid_t thread) {
  if (!change_notices_reach_caller()) return false;
  const f_owner_ex owner{.type = F_OWNER_TID, .pid = thread};
  return ::fcntl(inotify_fd, F_SETSIG, kNoticeSignal) == 0 &&
         ::fcntl(inotify_fd, F_SETOWN_EX, &owner) == 0 &&
         ::fcntl(inotify_fd, F_SETFL, O_NONBLOCK | O_ASYNC) == 0;
}

void stop_change_notices(int inotify_fd) { ::fcntl(inotify_fd, F_SETFL, O_NONBLOCK); }

pid_t current_thread_id() {
  if (cached_thread_id == 0) cached_thread_id = ::gettid();
  return cached_thread_id;
}

}  // namespace runner_metrics::detail
