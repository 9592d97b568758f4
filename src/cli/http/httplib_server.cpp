// The HTTP module of `runner-metrics serve` (see http_server_module.hpp).
// cpp-httplib as Debian ships it (libcpp-httplib-dev 0.11: a compiled
// library whose header declares only) parses requests and writes answers;
// the connection loop is ours (LimitedServer), for limits it lacks. Every
// request goes through the pre-routing handler, so the 404/405 rules are in
// one place whatever the method; only GET and HEAD of the two known paths
// reach a handler, and no request body is ever read.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "http_server_module.hpp"
#include "runner_metrics/prometheus_metrics.hpp"

namespace runner_metrics::cli {

namespace {

// A whole request (line, headers, body): a scrape needs a few hundred bytes.
constexpr std::size_t kMaxRequestBytes = std::size_t{16} * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr int kWriteTimeoutMs = 5000;
// A kept-alive connection is closed after this long idle, or this many requests.
constexpr int kKeepAliveTimeoutMs = 5000;
constexpr std::size_t kKeepAliveRequests = 100;
constexpr std::size_t kServerThreads = 4;

constexpr const char* kIndexPage =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>runner-metrics</title></head>\n"
    "<body><h1>runner-metrics</h1>\n"
    "<p>Prometheus metrics of a GitHub Actions runner metrics log: "
    "<a href=\"/metrics\">/metrics</a></p>\n"
    "</body></html>\n";

}  // namespace

namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, 60'000));
}

void describe(sockaddr_storage address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// One connection, as httplib reads and writes it, with the limits httplib
// 0.11 lacks: a request (line, headers and body together) may be at most
// kMaxRequestBytes and must arrive within kRequestTimeout, and every wait
// ends when the server stops.
class LimitedStream final : public httplib::Stream {
 public:
  LimitedStream(int sock, int stop_fd) : sock_(sock), stop_fd_(stop_fd) {}

  void start_request() {
    budget_ = kMaxRequestBytes;
    deadline_ = Clock::now() + kRequestTimeout;
  }
  bool has_buffered() const { return begin_ < end_; }
  // Whether the socket is readable within `timeout_ms`, or the server stopped.
  bool wait(short events, int timeout_ms) const {
    std::array<pollfd, 2> fds{pollfd{sock_, events, 0}, pollfd{stop_fd_, POLLIN, 0}};
    for (;;) {
      const int n = ::poll(fds.data(), fds.size(), timeout_ms);
      if (n < 0 && errno == EINTR) continue;
      return n > 0 && fds[1].revents == 0 && fds[0].revents != 0;
    }
  }

  bool is_readable() const override { return has_buffered() || wait(POLLIN, ms_until(deadline_)); }
  bool is_writable() const override { return wait(POLLOUT, kWriteTimeoutMs); }

  ssize_t read(char* ptr, size_t size) override {
    if (budget_ == 0) return -1;  // the request is too large: httplib answers 400
    if (!has_buffered()) {
      if (!wait(POLLIN, ms_until(deadline_))) return -1;
      ssize_t n = 0;
      do {
        n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const std::size_t count = std::min({size, end_ - begin_, budget_});
    std::memcpy(ptr, buffer_.data() + begin_, count);
    begin_ += count;
    budget_ -= count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n = 0;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      describe(address, ip, port);
    }
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      describe(address, ip, port);
    }
  }
  socket_t socket() const override { return sock_; }

 private:
  int sock_;
  int stop_fd_;
  std::size_t budget_ = 0;
  Clock::time_point deadline_;
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// httplib's server with its connection loop replaced: LimitedStream for the
// limits, and an idle keep-alive connection waits in poll(2) (httplib's own
// loop wakes every 10 ms), so that the exporter costs no CPU between scrapes.
class LimitedServer final : public httplib::Server {
 public:
  LimitedServer() : stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (stop_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  }
  ~LimitedServer() override { ::close(stop_fd_); }
  LimitedServer(const LimitedServer&) = delete;
  LimitedServer& operator=(const LimitedServer&) = delete;

  // Ends every wait of every connection, now and later.
  void wake_all() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof one);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    LimitedStream stream(sock, stop_fd_);
    bool ok = true;
    for (std::size_t served = 0; served < kKeepAliveRequests; ++served) {
      if (served > 0 && !stream.has_buffered() && !stream.wait(POLLIN, kKeepAliveTimeoutMs)) {
        break;
      }
      stream.start_request();
      bool connection_closed = false;
      ok = process_request(stream, served + 1 == kKeepAliveRequests, connection_closed, {});
      if (!ok || connection_closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  int stop_fd_;
};

}  // namespace

class HttplibServer final : public HttpServerModule {
 public:
  explicit HttplibServer(std::function<std::string()> render);
  int bind(const ListenAddress& address) override;
  bool run() override;
  void stop() override;

 private:
  LimitedServer server_;
  std::function<std::string()> render_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
};

HttplibServer::HttplibServer(std::function<std::string()> render) : render_(std::move(render)) {
  httplib::Server& server = server_;
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server.set_payload_max_length(kMaxRequestBytes);
  // httplib's default sets SO_REUSEPORT, which would let a second serve
  // share the port silently; SO_REUSEADDR alone only allows a quick restart.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.path != "/" && request.path != "/metrics") {
      response.status = 404;
      response.set_content("Not found: the metrics are at /metrics\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.set_header("Allow", "GET, HEAD");
      response.set_content("Method not allowed: use GET or HEAD\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(render_(), std::string(PROMETHEUS_CONTENT_TYPE).c_str());
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(kIndexPage, "text/html; charset=utf-8");
  });
}

int HttplibServer::bind(const ListenAddress& address) {
  httplib::Server& server = server_;
  errno = 0;
  int port = address.port;
  if (port == 0) {
    port = server.bind_to_any_port(address.host);
  } else if (!server.bind_to_port(address.host, port)) {
    port = -1;
  }
  if (port < 0) {
    const int error = errno;
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{}: {}", address.host, address.port,
                    error != 0 ? std::strerror(error) : "not an address of this host"));
  }
  return port;
}

bool HttplibServer::run() {
  running_ = true;
  if (stopping_) {  // stop() came first, and saw nothing running
    running_ = false;
    return true;
  }
  const bool ok = server_.listen_after_bind();
  running_ = false;
  return ok || stopping_;
}

void HttplibServer::stop() {
  stopping_ = true;
  server_.wake_all();
  // httplib's stop() does nothing until its listen loop runs: try until run()
  // has returned.
  while (running_) {
    server_.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace runner_metrics::cli

// The module is built with hidden visibility: this is all it exports.
extern "C" __attribute__((visibility("default"))) runner_metrics::cli::HttpServerModule*
runner_metrics_http_server(std::function<std::string()> render) {
  return new runner_metrics::cli::HttplibServer(std::move(render));
}
