// SPDX-License-Identifier: Apache-2.0
#include "password_checker.hpp"

#include <crypt.h>

#include <cstring>
#include <memory>
#include <utility>

namespace runner_metrics::cli {

namespace {

// Checks waiting at most; beyond, a request is refused (503) rather than
// queued for seconds.
constexpr std::size_t kMaxWaiting = 64;

// A well-formed bcrypt hash (cost 10) that no password matches: its hash
// part is not what bcrypt yields for any input.
constexpr const char* kNoUser = "$2b$10$abcdefghijklmnopqrstuu0000000000000000000000000000000";

// Equal, in a time that depends on the lengths only.
bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference = static_cast<unsigned char>(difference | (a[i] ^ b[i]));
  }
  return difference == 0;
}

}  // namespace

PasswordChecker::PasswordChecker(std::map<std::string, std::string> users)
    : users_(std::move(users)), thread_([this] { work(); }) {}

PasswordChecker::~PasswordChecker() { stop(); }

bool PasswordChecker::remembered(const std::string& user, const std::string& password) {
  std::lock_guard lock(mutex_);
  const auto it = passed_.find(user);
  return it != passed_.end() && same(it->second, password);
}

bool PasswordChecker::submit(const std::string& user, const std::string& password,
                             std::function<void(bool)> done) {
  std::lock_guard lock(mutex_);
  if (stopping_ || jobs_.size() >= kMaxWaiting) return false;
  jobs_.push_back(Job{user, password, std::move(done)});
  wake_.notify_one();
  return true;
}

void PasswordChecker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  for (Job& job : jobs_) job.done(false);
  jobs_.clear();
}

void PasswordChecker::work() {
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    const bool ok = verify(job.user, job.password);
    if (ok) {
      lock.lock();
      passed_[job.user] = job.password;
      lock.unlock();
    }
    job.done(ok);
  }
}

bool PasswordChecker::verify(const std::string& user, const std::string& password) const {
  const auto it = users_.find(user);
  const std::string& hash = it != users_.end() ? it->second : std::string(kNoUser);
  // crypt_data is 32 KiB: on the heap, not the thread's stack.
  auto data = std::make_unique<crypt_data>();
  const char* result = ::crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof *data);
  // A NUL in the password would cut it short: never a match.
  return it != users_.end() && result != nullptr && result[0] != '*' &&
         password.find('\0') == std::string::npos && same(result, hash);
}

}  // namespace runner_metrics::cli
