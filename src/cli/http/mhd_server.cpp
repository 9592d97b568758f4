// SPDX-License-Identifier: Apache-2.0
// The HTTP module of `runner-metrics serve` (see http_server_module.hpp):
// GNU libmicrohttpd on one thread of its own, in epoll mode, so a
// connection costs a few KiB and no thread, whatever its client does. What
// keeps hostile clients from blinding the scrapes (docs/serve.md, "HTTP and
// operations"):
// - caps on connections, in all and per client address; a listen backlog
//   of 4,096;
// - a connection idle for kIdleTimeoutSeconds (no byte either way) is closed,
//   and so is one whose next request's headers are not all in within as long
//   (RequestDeadlines), however it trickles them;
// - a request line over the connection's memory gets 414, headers over it
//   431 (libmicrohttpd's own answers), and the connection closes;
// - every error answer says `Connection: close` and closes, so what follows
//   a rejected request is never read as a request;
// - a connection serves kMaxRequestsPerConnection requests at most, as its
//   `Keep-Alive` header says;
// - no request body is ever read;
// - the exposition's text is shared by every answer in flight that holds
//   it, so clients that never read cost a connection each, not a copy.
#include <fcntl.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "http_server_module.hpp"
#include "password_checker.hpp"
#include "request_deadlines.hpp"
#include "runner_metrics/prometheus_metrics.hpp"
#include "web_config.hpp"

namespace runner_metrics::cli {

namespace {

constexpr int kListenBacklog = 4096;
constexpr unsigned kIdleTimeoutSeconds = 10;
constexpr std::size_t kMaxRequestsPerConnection = 100;
// All a connection's memory: request line, headers and the answer's
// headers. A scrape's request is a few hundred bytes.
constexpr std::size_t kConnectionMemory = std::size_t{16} * 1024;

constexpr std::string_view kIndexPage =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>runner-metrics</title></head>\n"
    "<body><h1>runner-metrics</h1>\n"
    "<p>Prometheus metrics of a GitHub Actions runner metrics log: "
    "<a href=\"/metrics\">/metrics</a></p>\n"
    "</body></html>\n";

// What a connection carries from one request to the next.
struct ConnectionState {
  std::size_t requests = 0;
};

// What a request carries across the calls libmicrohttpd makes for it.
struct RequestState {
  enum class Auth { unchecked, checking, passed, failed, busy };
  std::atomic<Auth> auth{Auth::unchecked};
  bool has_body = false;
};

bool has_body(MHD_Connection* connection) {
  const char* length =
      MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  return MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_TRANSFER_ENCODING) != nullptr ||
         (length != nullptr && std::string_view(length) != "0");
}

bool contains_token(const char* header, std::string_view token) {
  if (header == nullptr) return false;
  const std::string_view text(header);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    std::string_view item = text.substr(at, comma - at);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.size() == token.size() &&
        ::strncasecmp(item.data(), token.data(), token.size()) == 0) {
      return true;
    }
    at = comma + 1;
  }
  return false;
}

class MhdServer final : public HttpServerModule {
 public:
  MhdServer(MetricsRenderer render, const HttpServerOptions& options)
      : render_(std::move(render)), options_(options) {
    if (!options.web_config_file.empty()) {
      web_ = read_web_config(options.web_config_file);
      if (!web_.users.empty()) checker_.emplace(web_.users);
    }
  }
  ~MhdServer() override { stop(); }
  MhdServer(const MhdServer&) = delete;
  MhdServer& operator=(const MhdServer&) = delete;

  int bind(const ListenAddress& address) override;
  void stop() override;
  bool uses_tls() const override { return !web_.cert_pem.empty(); }

 private:
  static MHD_Result answer(void* self, MHD_Connection* connection, const char* url,
                           const char* method, const char* version, const char* upload,
                           std::size_t* upload_size, void** request);
  static void connection_event(void* self, MHD_Connection* connection, void** state,
                               MHD_ConnectionNotificationCode event);
  static void request_done(void* self, MHD_Connection* connection, void** request,
                           MHD_RequestTerminationCode why);

  MHD_Result respond(MHD_Connection* connection, const char* url, const char* method,
                     const char* version, RequestState& request);
  MHD_Result send(MHD_Connection* connection, unsigned status, MHD_Response* response,
                  std::string_view content_type, bool close, const char* version);
  MHD_Result refuse(MHD_Connection* connection, unsigned status, std::string_view text,
                    std::initializer_list<std::pair<const char*, const char*>> headers = {});

  MetricsRenderer render_;
  HttpServerOptions options_;
  WebConfig web_;
  std::optional<PasswordChecker> checker_;
  RequestDeadlines deadlines_{std::chrono::seconds(kIdleTimeoutSeconds)};
  MHD_Daemon* daemon_ = nullptr;
  int listener_ = -1;
};

int MhdServer::bind(const ListenAddress& address) {
  const auto fail = [&](int error) {
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
    return std::runtime_error(fmt::format("cannot listen on {}:{}: {}", address.host, address.port,
                                          std::strerror(error)));
  };
  listener_ = ::socket(address.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener_ < 0) throw fail(errno);
  // A quick restart may bind while old connections linger in TIME_WAIT; no
  // SO_REUSEPORT, so a second serve on the port fails instead of sharing it.
  const int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (address.address.ss_family == AF_INET6) {
    ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof yes);
  }
  if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address.address),
             address.address_size) != 0 ||
      ::listen(listener_, kListenBacklog) != 0) {
    throw fail(errno);
  }
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof bound;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  const int port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);

  const bool tls = !web_.cert_pem.empty();
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD;
  if (tls) flags |= MHD_USE_TLS;
  if (checker_) flags |= MHD_ALLOW_SUSPEND_RESUME;
  daemon_ =
      MHD_start_daemon(flags, 0, nullptr, nullptr, &MhdServer::answer, this,  //
                       MHD_OPTION_LISTEN_SOCKET, listener_,                   //
                       MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(options_.max_connections),
                       MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                       static_cast<unsigned>(options_.max_connections_per_address),
                       MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutSeconds,  //
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory,
                       MHD_OPTION_NOTIFY_CONNECTION, &MhdServer::connection_event, this,
                       MHD_OPTION_NOTIFY_COMPLETED, &MhdServer::request_done, this,
                       // Ends the list here without TLS (the key and certificate follow).
                       tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, web_.key_pem.c_str(),
                       MHD_OPTION_HTTPS_MEM_CERT, web_.cert_pem.c_str(), MHD_OPTION_END);
  if (daemon_ == nullptr) {
    ::close(listener_);
    listener_ = -1;
    if (tls) {
      throw std::invalid_argument(fmt::format(
          "{}: tls_server_config: cannot start TLS with cert_file and key_file (are they a PEM "
          "certificate and its private key?)",
          options_.web_config_file));
    }
    throw std::runtime_error(
        fmt::format("cannot start the HTTP server on {}:{}", address.host, address.port));
  }
  listener_ = -1;  // libmicrohttpd's now: MHD_stop_daemon closes it
  return port;
}

void MhdServer::stop() {
  // Suspended requests are answered first: libmicrohttpd must not be
  // stopped with a connection still suspended.
  if (checker_) checker_->stop();
  deadlines_.stop();
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
  if (listener_ >= 0) {
    ::close(listener_);
    listener_ = -1;
  }
}

void MhdServer::connection_event(void* self, MHD_Connection* connection, void** state,
                                 MHD_ConnectionNotificationCode event) {
  RequestDeadlines& deadlines = static_cast<MhdServer*>(self)->deadlines_;
  if (event == MHD_CONNECTION_NOTIFY_STARTED) {
    *state = new ConnectionState;
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != nullptr) deadlines.watch(*state, info->connect_fd);
  } else {
    deadlines.forget(*state);
    delete static_cast<ConnectionState*>(*state);
    *state = nullptr;
  }
}

void MhdServer::request_done(void* self, MHD_Connection* connection, void** request,
                             MHD_RequestTerminationCode) {
  delete static_cast<RequestState*>(*request);
  *request = nullptr;
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (info != nullptr) static_cast<MhdServer*>(self)->deadlines_.answered(info->socket_context);
}

MHD_Result MhdServer::answer(void* self, MHD_Connection* connection, const char* url,
                             const char* method, const char* version, const char*,
                             std::size_t* upload_size, void** request) {
  auto* state = static_cast<RequestState*>(*request);
  if (state == nullptr) {
    state = new RequestState;
    *request = state;
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info != nullptr) static_cast<MhdServer*>(self)->deadlines_.arrived(info->socket_context);
    // libmicrohttpd keeps a connection open only for an answer queued after
    // this first call, which sees the headers alone. A request with a body
    // is answered now, and closes; the body is never read.
    state->has_body = has_body(connection);
    if (!state->has_body) return MHD_YES;
  }
  *upload_size = 0;
  return static_cast<MhdServer*>(self)->respond(connection, url, method, version, *state);
}

MHD_Result MhdServer::respond(MHD_Connection* connection, const char* url, const char* method,
                              const char* version, RequestState& request) {
  if (checker_) {
    using Auth = RequestState::Auth;
    const auto unauthorized = [&] {
      return refuse(connection, 401, "Unauthorized\n",
                    {{MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"runner-metrics\""}});
    };
    switch (request.auth.load()) {
      case Auth::checking:
        return MHD_YES;  // called again once resumed
      case Auth::failed:
        return unauthorized();
      case Auth::busy:
        return refuse(connection, 503, "Busy checking passwords: try again\n",
                      {{MHD_HTTP_HEADER_RETRY_AFTER, "1"}});
      case Auth::passed:
        break;
      case Auth::unchecked: {
        char* password = nullptr;
        char* user = MHD_basic_auth_get_username_password(connection, &password);
        const std::unique_ptr<char, void (*)(void*)> user_owner(user, MHD_free);
        const std::unique_ptr<char, void (*)(void*)> password_owner(password, MHD_free);
        if (user == nullptr || password == nullptr) return unauthorized();
        if (!checker_->remembered(user, password)) {
          // Suspended before the check is queued, so that its answer
          // (from the checker's thread) always finds it suspended.
          request.auth = Auth::checking;
          MHD_suspend_connection(connection);
          if (!checker_->submit(user, password, [&request, connection](bool ok) {
                request.auth = ok ? Auth::passed : Auth::failed;
                MHD_resume_connection(connection);
              })) {
            request.auth = Auth::busy;
            MHD_resume_connection(connection);
          }
          return MHD_YES;
        }
        request.auth = Auth::passed;
      }
    }
  }

  const std::string_view path(url);
  if (path != "/" && path != "/metrics") {
    return refuse(connection, 404, "Not found: the metrics are at /metrics\n");
  }
  const std::string_view verb(method);
  if (verb != MHD_HTTP_METHOD_GET && verb != MHD_HTTP_METHOD_HEAD) {
    return refuse(connection, 405, "Method not allowed: use GET or HEAD\n",
                  {{MHD_HTTP_HEADER_ALLOW, "GET, HEAD"}});
  }
  if (path == "/") {
    MHD_Response* response = MHD_create_response_from_buffer(
        kIndexPage.size(), const_cast<char*>(kIndexPage.data()), MHD_RESPMEM_PERSISTENT);
    return send(connection, 200, response, "text/html; charset=utf-8", request.has_body, version);
  }
  // The text stays alive while any answer holding it is in flight.
  auto* text = new std::shared_ptr<const std::string>(render_());
  MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
      (*text)->size(), const_cast<char*>((*text)->data()),
      [](void* held) { delete static_cast<std::shared_ptr<const std::string>*>(held); }, text);
  if (response == nullptr) delete text;
  return send(connection, 200, response, PROMETHEUS_CONTENT_TYPE, request.has_body, version);
}

MHD_Result MhdServer::send(MHD_Connection* connection, unsigned status, MHD_Response* response,
                           std::string_view content_type, bool close, const char* version) {
  if (response == nullptr) return MHD_NO;  // out of memory: libmicrohttpd closes
  const std::string type(content_type);
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type.c_str());
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  auto* state = info != nullptr ? static_cast<ConnectionState*>(info->socket_context) : nullptr;
  const std::size_t served = state != nullptr ? ++state->requests : kMaxRequestsPerConnection;
  const bool client_closes = std::string_view(version) != MHD_HTTP_VERSION_1_1 ||
                             contains_token(MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                                        MHD_HTTP_HEADER_CONNECTION),
                                            "close");
  if (close || served >= kMaxRequestsPerConnection) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  } else if (!client_closes) {
    const std::string keep_alive =
        fmt::format("timeout={}, max={}", kIdleTimeoutSeconds, kMaxRequestsPerConnection - served);
    MHD_add_response_header(response, MHD_HTTP_HEADER_KEEP_ALIVE, keep_alive.c_str());
  }
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

MHD_Result MhdServer::refuse(MHD_Connection* connection, unsigned status, std::string_view text,
                             std::initializer_list<std::pair<const char*, const char*>> headers) {
  MHD_Response* response = MHD_create_response_from_buffer(
      text.size(), const_cast<char*>(text.data()), MHD_RESPMEM_PERSISTENT);
  if (response == nullptr) return MHD_NO;
  for (const auto& [name, value] : headers) MHD_add_response_header(response, name, value);
  return send(connection, status, response, "text/plain; charset=utf-8", true, "");
}

}  // namespace

}  // namespace runner_metrics::cli

// The module is built with hidden visibility: this is all it exports.
extern "C" __attribute__((visibility("default"))) runner_metrics::cli::HttpServerModule*
runner_metrics_http_server(runner_metrics::cli::MetricsRenderer render,
                           const runner_metrics::cli::HttpServerOptions& options) {
  return new runner_metrics::cli::MhdServer(std::move(render), options);
}
