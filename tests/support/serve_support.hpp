// SPDX-License-Identifier: Apache-2.0
// What the `serve` tests share: programs run in the background (serve
// itself, a real Prometheus) and always killed, however the test ends; a
// small HTTP/1.1 client on plain sockets (so tests can also send what no
// library would); and the exposition text as a map from series to value.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace runner_metrics::testing {

/// A program running in the background, its stdout and stderr in files.
/// The destructor kills it (SIGKILL) if it still runs, and reaps it.
class BackgroundProcess {
 public:
  /// Starts argv[0] (a path) with the arguments; `env` as in ProcessOptions.
  explicit BackgroundProcess(const std::vector<std::string>& argv,
                             const std::map<std::string, std::optional<std::string>>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string out() const;
  std::string err() const;
  /// Whether it has exited (reaping it if so).
  bool exited();
  /// Sends `signal` and waits up to `timeout` for the exit. The exit status,
  /// -1 if a signal ended it, nullopt if it was still running (then killed).
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout);

 private:
  TempDir io_;
  pid_t pid_ = -1;
  std::optional<int> status_;  // raw wait status once reaped
};

/// `runner-metrics serve --log LOG --listen 127.0.0.1:0 ARGS...`, started
/// and waited for until it says which port it bound.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& log, const std::vector<std::string>& args = {});
  int port() const { return port_; }
  BackgroundProcess& process() { return process_; }

 private:
  BackgroundProcess process_;
  int port_ = 0;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< Names in lower case.
  std::string body;
};

/// A TCP connection to 127.0.0.1:port (from the loopback address `from`,
/// such as "127.0.0.2", if given); the caller closes it. Throws on failure.
int connect_loopback(int port, const char* from = nullptr);

/// Whether `received` holds a whole HTTP answer: its headers, and as much
/// body as its Content-Length says.
bool holds_whole_answer(const std::string& received);

/// One request on a fresh connection to 127.0.0.1:port, `Connection: close`.
/// Throws std::runtime_error if there is no complete answer in 10 s.
HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::string& extra_headers = {}, const std::string& body = {});
/// Sends `raw` bytes as they are and returns what comes back: up to the end
/// of the first answer that has a Content-Length, the server closing the
/// connection, or `timeout`.
std::string http_raw(int port, const std::string& raw, std::chrono::milliseconds timeout);
/// As http_raw, reading every answer until the server closes the connection.
std::string http_raw_until_closed(int port, const std::string& raw,
                                  std::chrono::milliseconds timeout);

/// The exposition as series → value text: `job_duration_seconds_count{flavor="a"}` → "3".
/// Comments are kept apart: `# TYPE name type` lines in `types`, HELP in `helps`.
struct Exposition {
  std::map<std::string, std::string> series;
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> helps;
  std::vector<std::string> order;  ///< Metric names as their TYPE lines come.

  /// The value of a series, or nullopt if it is not exposed.
  std::optional<double> value(const std::string& series_name) const;
  /// The series whose name (before any `{`) is `name`.
  std::vector<std::string> series_of(const std::string& name) const;
};
Exposition parse_exposition(const std::string& text);

/// GET /metrics, parsed; throws unless the status is 200.
Exposition scrape(int port);

/// Calls `condition` until it is true or `timeout` passes; returns its last
/// answer. Between calls, sleeps 20 ms.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// A loopback TCP port that was free a moment ago (for programs that cannot
/// pick one themselves and say which).
int free_port();

/// CPU time (user + system) a process has used, in clock ticks, from
/// /proc/PID/stat.
long cpu_ticks(pid_t pid);

/// Times the threads of a process have gone to sleep, summed: each wake-up
/// of a thread that sleeps again counts one (voluntary context switches,
/// from /proc/PID/task/*/status).
long sleeps(pid_t pid);

}  // namespace runner_metrics::testing
