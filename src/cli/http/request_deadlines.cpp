// SPDX-License-Identifier: Apache-2.0
#include "request_deadlines.hpp"

#include <sys/socket.h>

namespace runner_metrics::cli {

RequestDeadlines::RequestDeadlines(std::chrono::seconds allowed)
    : allowed_(allowed), thread_([this] { enforce(); }) {}

RequestDeadlines::~RequestDeadlines() { stop(); }

void RequestDeadlines::watch(const void* key, int fd) {
  std::lock_guard lock(mutex_);
  watched_[key] = Watched{fd, Clock::now() + allowed_};
}

void RequestDeadlines::arrived(const void* key) {
  std::lock_guard lock(mutex_);
  if (const auto it = watched_.find(key); it != watched_.end())
    it->second.due = Clock::time_point::max();
}

void RequestDeadlines::answered(const void* key) {
  std::lock_guard lock(mutex_);
  if (const auto it = watched_.find(key); it != watched_.end())
    it->second.due = Clock::now() + allowed_;
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

void RequestDeadlines::enforce() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) {
    const auto now = Clock::now();
    for (auto& [key, connection] : watched_) {
      if (connection.due > now) continue;
      // Shut down, not closed: the descriptor stays libmicrohttpd's, which
      // sees the connection end and closes it (calling forget() first).
      ::shutdown(connection.fd, SHUT_RDWR);
      connection.due = Clock::time_point::max();
    }
  }
}

}  // namespace runner_metrics::cli
