// What `runner-metrics serve` and its HTTP module (runner-metrics-http.so,
// built from src/cli/http/) share. cpp-httplib and the libraries it links
// (OpenSSL, zlib, brotli) cost a process about 1.7 ms to load; in a module
// only `serve` loads them, and `issue`, which a hook runs once per event,
// starts as fast as a program that prints one line.
#pragma once

#include <functional>
#include <string>

#include "metrics_http.hpp"

namespace runner_metrics::cli {

/// The server the module makes; MetricsHttpServer's operations.
class HttpServerModule {
 public:
  virtual ~HttpServerModule() = default;
  virtual int bind(const ListenAddress& address) = 0;
  virtual bool run() = 0;
  virtual void stop() = 0;
};

/// The module's file, and its one exported function: `render` makes the
/// body of GET /metrics.
inline constexpr const char* HTTP_MODULE_FILE = "runner-metrics-http.so";
inline constexpr const char* HTTP_MODULE_ENTRY = "runner_metrics_http_server";
using HttpModuleEntry = HttpServerModule* (*)(std::function<std::string()> render);

}  // namespace runner_metrics::cli
