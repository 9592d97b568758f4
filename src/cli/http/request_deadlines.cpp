// SPDX-License-Identifier: Apache-2.0
#include "request_deadlines.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace runner_metrics::cli {

RequestDeadlines::RequestDeadlines(std::chrono::seconds allowed)
    : allowed_(allowed), thread_([this] { enforce(); }) {}

RequestDeadlines::~RequestDeadlines() { stop(); }

void RequestDeadlines::watch(const void* key, int fd) {
  std::lock_guard lock(mutex_);
  const auto due = Clock::now() + allowed_;
  watched_[key] = Watched{fd, due};
  due_at(due);
}

void RequestDeadlines::arrived(const void* key) {
  std::lock_guard lock(mutex_);
  if (const auto it = watched_.find(key); it != watched_.end())
    it->second.due = Clock::time_point::max();
}

void RequestDeadlines::answered(const void* key) {
  std::lock_guard lock(mutex_);
  if (const auto it = watched_.find(key); it != watched_.end()) {
    it->second.due = Clock::now() + allowed_;
    due_at(it->second.due);
  }
}

void RequestDeadlines::forget(const void* key) {
  std::lock_guard lock(mutex_);
  watched_.erase(key);
}

void RequestDeadlines::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RequestDeadlines::due_at(Clock::time_point due) {
  // Every deadline is `allowed_` from now, so one later than the thread's
  // wake-up needs nothing: this wakes only a thread asleep without a timeout.
  if (due >= wakes_at_) return;
  wakes_at_ = due;
  wake_.notify_one();
}

void RequestDeadlines::enforce() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto earliest = Clock::time_point::max();
    for (auto& [key, connection] : watched_) {
      if (connection.due > now) {
        earliest = std::min(earliest, connection.due);
        continue;
      }
      // Shut down, not closed: the descriptor stays libmicrohttpd's, which
      // sees the connection end and closes it (calling forget() first).
      ::shutdown(connection.fd, SHUT_RDWR);
      connection.due = Clock::time_point::max();
    }
    if (earliest == Clock::time_point::max()) {
      wakes_at_ = earliest;
      wake_.wait(lock, [&] { return stopping_ || wakes_at_ != Clock::time_point::max(); });
    } else {
      // Once a second at most: each look walks every connection.
      const auto until = std::max(earliest, now + std::chrono::seconds(1));
      wakes_at_ = until;
      wake_.wait_until(lock, until, [&] { return stopping_ || wakes_at_ < until; });
    }
  }
}

}  // namespace runner_metrics::cli
