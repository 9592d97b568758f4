// SPDX-License-Identifier: Apache-2.0
// What `runner-metrics serve` and its HTTP module (runner-metrics-http.so,
// built from src/cli/http/) share. libmicrohttpd, GnuTLS, yaml-cpp and what
// they link cost a process time to load; in a module only `serve` loads
// them, and `issue`, which a hook runs once per event, starts as fast as a
// program that prints one line.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "metrics_http.hpp"

namespace runner_metrics::cli {

/// The server the module makes; MetricsHttpServer's operations.
class HttpServerModule {
 public:
  virtual ~HttpServerModule() = default;
  virtual int bind(const ListenAddress& address) = 0;
  virtual void stop() = 0;
  virtual bool uses_tls() const = 0;
};

/// The module's file, and its one exported function. `render` makes the
/// body of GET /metrics. The function throws std::invalid_argument for an
/// invalid web configuration (its message names the file and the key),
/// std::runtime_error for anything else.
inline constexpr const char* HTTP_MODULE_FILE = "runner-metrics-http.so";
inline constexpr const char* HTTP_MODULE_ENTRY = "runner_metrics_http_server";
using HttpModuleEntry = HttpServerModule* (*)(MetricsRenderer render,
                                              const HttpServerOptions& options);

}  // namespace runner_metrics::cli
