// SPDX-License-Identifier: Apache-2.0
#include "support/serve_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace runner_metrics::testing {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

int connect_loopback(int port, const char* from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  if (from != nullptr) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &source.sin_addr);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) {
      const int error = errno;
      ::close(fd);
      throw std::runtime_error(std::string("bind to ") + from + " failed: " + std::strerror(error));
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(error));
  }
  return fd;
}

// A HEAD answer's Content-Length says more than comes: not whole here.
bool holds_whole_answer(const std::string& received) {
  const auto end = received.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = received.substr(0, end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = head.find("\r\ncontent-length:");
  if (at == std::string::npos) return false;
  return received.size() - end - 4 >= std::stoul(head.substr(at + 17));
}

namespace {

// Writes all of `data`, then reads until the peer closes, an answer with a
// Content-Length is complete, or time is up.
std::string exchange(int fd, const std::string& data, std::chrono::milliseconds timeout,
                     bool until_closed = false) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading all
    sent += static_cast<std::size_t>(n);
  }
  std::string received;
  const auto deadline = Clock::now() + timeout;
  char buffer[65536];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
    if (!until_closed && holds_whole_answer(received)) break;
  }
  return received;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::optional<std::string>>& env) {
  const std::string out_path = io_ / "stdout";
  const std::string err_path = io_ / "stderr";
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // The environment, made before fork: the child only calls what is safe
  // after forking a threaded program.
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!env.contains(std::string(text.substr(0, text.find('='))))) environment.emplace_back(text);
  }
  for (const auto& [name, value] : env) {
    if (value) environment.push_back(name + "=" + *value);
  }
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    // Killed with the test binary, even when a crash ends it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !exited()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string BackgroundProcess::out() const { return read_file(io_ / "stdout").value_or(""); }
std::string BackgroundProcess::err() const { return read_file(io_ / "stderr").value_or(""); }

bool BackgroundProcess::exited() {
  if (status_) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  return status_.has_value();
}

std::optional<int> BackgroundProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (!exited()) ::kill(pid_, signal);
  if (!wait_until([&] { return exited(); }, timeout)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
    return std::nullopt;
  }
  return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
}

ServeProcess::ServeProcess(const std::string& log, const std::vector<std::string>& args)
    : process_([&] {
        std::vector<std::string> argv{RUNNER_METRICS_CLI, "serve",      "--log", log,
                                      "--listen",         "127.0.0.1:0"};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
      }()) {
  static const std::string serving = "://127.0.0.1:";  // http or https
  const bool started = wait_until(
      [&] {
        const std::string err = process_.err();
        const auto at = err.find(serving);
        if (err.find("serving ") != std::string::npos && at != std::string::npos &&
            err.find("/metrics", at) != std::string::npos) {
          port_ = std::atoi(err.c_str() + at + serving.size());
          return true;
        }
        return process_.exited();
      },
      std::chrono::seconds(30));
  if (!started || port_ == 0) {
    throw std::runtime_error("serve did not start: " + process_.err());
  }
}

HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::string& extra_headers, const std::string& body) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                        "Connection: close\r\n" + extra_headers;
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  const std::string raw = http_raw(port, request, std::chrono::seconds(10));
  const auto header_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || header_end == std::string::npos) {
    throw std::runtime_error("no HTTP answer: " + raw.substr(0, 200));
  }
  HttpResponse response;
  response.status = std::stoi(raw.substr(9, 3));
  std::istringstream lines(raw.substr(0, header_end));
  std::string line;
  std::getline(lines, line);  // status line
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    response.headers[lower(line.substr(0, colon))] = value;
  }
  response.body = raw.substr(header_end + 4);
  if (const auto length = response.headers.find("content-length");
      length != response.headers.end() && method != "HEAD" &&
      response.body.size() != std::stoul(length->second)) {
    throw std::runtime_error("short HTTP body: " + std::to_string(response.body.size()) + " of " +
                             length->second);
  }
  return response;
}

std::string http_raw(int port, const std::string& raw, std::chrono::milliseconds timeout) {
  const int fd = connect_loopback(port);
  std::string received = exchange(fd, raw, timeout);
  ::close(fd);
  return received;
}

std::string http_raw_until_closed(int port, const std::string& raw,
                                  std::chrono::milliseconds timeout) {
  const int fd = connect_loopback(port);
  std::string received = exchange(fd, raw, timeout, true);
  ::close(fd);
  return received;
}

std::optional<double> Exposition::value(const std::string& series_name) const {
  const auto it = series.find(series_name);
  if (it == series.end()) return std::nullopt;
  if (it->second == "+Inf") return HUGE_VAL;
  return std::strtod(it->second.c_str(), nullptr);
}

std::vector<std::string> Exposition::series_of(const std::string& name) const {
  std::vector<std::string> found;
  for (const auto& [key, value] : series) {
    if (key.substr(0, key.find('{')) == name) found.push_back(key);
  }
  return found;
}

Exposition parse_exposition(const std::string& text) {
  Exposition exposition;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# TYPE ")) {
      const auto space = line.find(' ', 7);
      const std::string name = line.substr(7, space - 7);
      exposition.types[name] = line.substr(space + 1);
      exposition.order.push_back(name);
    } else if (line.starts_with("# HELP ")) {
      const auto space = line.find(' ', 7);
      exposition.helps[line.substr(7, space - 7)] = line.substr(space + 1);
    } else if (!line.empty()) {
      const auto space = line.rfind(' ');
      exposition.series[line.substr(0, space)] = line.substr(space + 1);
    }
  }
  return exposition;
}

Exposition scrape(int port) {
  const HttpResponse response = http_request(port, "GET", "/metrics");
  if (response.status != 200) {
    throw std::runtime_error("GET /metrics: " + std::to_string(response.status));
  }
  return parse_exposition(response.body);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

long cpu_ticks(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  // Fields after the command (which may hold spaces) in parentheses; utime
  // and stime are fields 14 and 15.
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) throw std::runtime_error("cannot read /proc/PID/stat");
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  return utime + stime;
}

long sleeps(pid_t pid) {
  long total = 0;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::istringstream status(read_file(task.path() / "status").value_or(""));
    for (std::string line; std::getline(status, line);) {
      constexpr std::string_view kKey = "voluntary_ctxt_switches:";
      if (line.starts_with(kKey)) total += std::stol(line.substr(kKey.size()));
    }
  }
  return total;
}

}  // namespace runner_metrics::testing
