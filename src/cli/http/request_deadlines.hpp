// SPDX-License-Identifier: Apache-2.0
// Connections whose next request is late, shut down. libmicrohttpd closes a
// connection that is idle for its timeout, but a client sending a header a
// byte every few seconds is never idle: without a deadline it would hold its
// connection until its headers filled the connection's memory (hours, at a
// byte a second). Here, a request's line and headers must all arrive within
// `allowed` of the connection's opening or of the previous answer.
//
//   RequestDeadlines deadlines(std::chrono::seconds(10));
//   deadlines.watch(key, fd);       // opened: the first request is due
//   deadlines.arrived(key);         // its headers are in: none due while it is answered
//   deadlines.answered(key);        // the next request is due
//   deadlines.forget(key);          // before the descriptor is closed
//
// The enforcing thread sleeps until the earliest deadline, and without a
// timeout while none is due: an idle server takes no CPU (after one last
// look at the deadline of its last connection). It looks at most once a
// second, so a deadline is enforced up to a second late.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace runner_metrics::cli {

class RequestDeadlines {
 public:
  explicit RequestDeadlines(std::chrono::seconds allowed);
  ~RequestDeadlines();
  RequestDeadlines(const RequestDeadlines&) = delete;
  RequestDeadlines& operator=(const RequestDeadlines&) = delete;

  void watch(const void* key, int fd);
  void arrived(const void* key);
  void answered(const void* key);
  /// After this, the descriptor is never touched again.
  void forget(const void* key);
  /// Ends the thread that enforces the deadlines.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Watched {
    int fd;
    Clock::time_point due;
  };
  void enforce();
  // Called with mutex_ held: wakes the thread if `due` is before its wake-up.
  void due_at(Clock::time_point due);

  const std::chrono::seconds allowed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<const void*, Watched> watched_;
  bool stopping_ = false;
  Clock::time_point wakes_at_ = Clock::time_point::max();
  std::thread thread_;
};

}  // namespace runner_metrics::cli
