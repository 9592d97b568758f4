// The HTTP side of `runner-metrics serve` (cpp-httplib): GET or HEAD
// /metrics is the exposition, / a page linking to it, any other path 404,
// any other method 405. Timeouts and a request size limit keep a slow or
// hostile client from holding a thread or memory.
//
//   MetricsHttpServer server([&] { return render_prometheus(copy_of_metrics()); });
//   int port = server.bind("127.0.0.1", 0);   // the port bound
//   server.run();                              // until stop(), from another thread
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace runner_metrics::cli {

struct ListenAddress {
  std::string host;
  int port = 0;
};

/// "HOST:PORT" or "[IPV6]:PORT". Throws ValidationError naming --listen.
ListenAddress parse_listen_address(const std::string& text);

class HttpServerModule;

class MetricsHttpServer {
 public:
  /// `render` makes the body of GET /metrics; it runs on a server thread.
  /// Throws std::runtime_error if the HTTP module cannot be loaded.
  explicit MetricsHttpServer(std::function<std::string()> render);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  /// Binds the address (port 0: any free port); returns the port. Throws
  /// std::runtime_error naming the address if it cannot.
  int bind(const ListenAddress& address);
  /// Serves until stop(). False if the server failed.
  bool run();
  void stop();

 private:
  std::unique_ptr<HttpServerModule> server_;
};

}  // namespace runner_metrics::cli
