// SPDX-License-Identifier: Apache-2.0
// Basic-auth passwords checked against bcrypt hashes (libxcrypt's
// crypt_rn), off the server's thread. A bcrypt check costs tens of
// milliseconds of CPU by design; on the event loop, a client sending wrong
// passwords would stall every other client. Here the loop only hands the
// check over and carries on; and a password that passed is remembered (per
// user, the last one), so a scraper pays once, not per scrape.
//
//   PasswordChecker checker({{"prometheus", "$2y$10$..."}});
//   if (checker.remembered(user, password)) serve();
//   else if (!checker.submit(user, password, [=](bool ok) { resume(connection, ok); })) busy();
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace runner_metrics::cli {

class PasswordChecker {
 public:
  /// user → bcrypt hash.
  explicit PasswordChecker(std::map<std::string, std::string> users);
  ~PasswordChecker();
  PasswordChecker(const PasswordChecker&) = delete;
  PasswordChecker& operator=(const PasswordChecker&) = delete;

  /// Whether this password of this user passed a check already.
  bool remembered(const std::string& user, const std::string& password);
  /// Queues a check; `done(ok)` is called once, from the checker's thread.
  /// False (and `done` never called) if too many checks wait, or stopped.
  /// An unknown user is checked too (against a hash that matches nothing),
  /// so that the time taken does not tell which users exist.
  bool submit(const std::string& user, const std::string& password, std::function<void(bool)> done);

  /// Ends the thread; checks still waiting are answered `false`.
  void stop();

 private:
  struct Job {
    std::string user;
    std::string password;
    std::function<void(bool)> done;
  };
  void work();
  bool verify(const std::string& user, const std::string& password) const;

  const std::map<std::string, std::string> users_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::map<std::string, std::string> passed_;  // user → the last password that passed
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace runner_metrics::cli
