// SPDX-License-Identifier: Apache-2.0
// The HTTP side of `runner-metrics serve`: GET or HEAD /metrics is the
// exposition, / a page linking to it, any other path 404, any other method
// 405. The server (libmicrohttpd, in a module only `serve` loads) is made
// for untrusted clients: one event loop, caps on connections, small
// per-connection memory, and optional TLS and basic authentication from a
// web configuration file (docs/serve.md).
//
//   MetricsHttpServer server(render, HttpServerOptions{});
//   int port = server.bind(parse_listen_address("127.0.0.1:0"));  // serving, on its thread
//   server.stop();
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace runner_metrics::cli {

/// Where to listen: the host as given and the address it resolved to.
struct ListenAddress {
  std::string host;
  int port = 0;
  sockaddr_storage address{};
  socklen_t address_size = 0;
};

/// "HOST:PORT" or "[IPV6]:PORT", HOST a name or a numeric address, resolved
/// now. Throws ValidationError naming --listen (and the host, if it does
/// not resolve).
ListenAddress parse_listen_address(const std::string& text);

struct HttpServerOptions {
  /// Open connections at most; further clients wait in the listen backlog.
  std::size_t max_connections = 4096;
  /// Open connections from one client address at most; further ones are
  /// closed as they are accepted.
  std::size_t max_connections_per_address = 64;
  /// The exporter-toolkit web configuration (TLS, basic auth); empty: none.
  std::string web_config_file;
};

/// The body of GET /metrics, shared: the same text may be in flight to many
/// clients at once, held once.
using MetricsRenderer = std::function<std::shared_ptr<const std::string>()>;

class HttpServerModule;

class MetricsHttpServer {
 public:
  /// `render` runs on the server's thread. Throws ValidationError naming
  /// --web.config.file for an invalid web configuration, std::runtime_error
  /// if the HTTP module cannot be loaded.
  MetricsHttpServer(MetricsRenderer render, const HttpServerOptions& options);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  /// Binds the address (port 0: any free port) and serves from a thread of
  /// its own; returns the port. Throws std::runtime_error naming the address
  /// if it cannot.
  int bind(const ListenAddress& address);
  /// Closes every connection and stops the thread.
  void stop();
  /// Whether the web configuration asks for TLS (https).
  bool uses_tls() const;

 private:
  std::unique_ptr<HttpServerModule> server_;
};

}  // namespace runner_metrics::cli
