// SPDX-License-Identifier: Apache-2.0
// The side of `runner-metrics serve`'s HTTP server that lives in the
// command: reading --listen, and loading the module that serves (see
// http_server_module.hpp) when a server is made.
#include "metrics_http.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <netdb.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_server_module.hpp"
#include "runner_metrics/errors.hpp"

namespace runner_metrics::cli {

ListenAddress parse_listen_address(const std::string& text) {
  const auto invalid = [&](std::string_view why) {
    return ValidationError("--listen", fmt::format("{}: \"{}\" (expected HOST:PORT, such as "
                                                   "127.0.0.1:9813 or [::1]:9813)",
                                                   why, text.substr(0, 64)));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw invalid("has no port");
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    throw invalid("an IPv6 address must be in brackets");
  }
  if (host.empty()) throw invalid("has no host");
  int port = -1;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    throw invalid("the port is not a number from 0 to 65535");
  }
  // Resolved now, while a bad host is still bad usage (exit 2).
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int failed = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found);
  if (failed != 0 || found == nullptr) {
    throw ValidationError(
        "--listen",
        fmt::format("the host \"{}\" does not resolve: {}", host.substr(0, 256),
                    failed == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(failed)));
  }
  ListenAddress address{.host = std::move(host), .port = port};
  std::memcpy(&address.address, found->ai_addr, found->ai_addrlen);
  address.address_size = found->ai_addrlen;
  ::freeaddrinfo(found);
  return address;
}

namespace {

// The directory of this executable, from /proc/self/exe.
std::string executable_directory() {
  std::array<char, 4096> path{};
  const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) return {};
  const std::string_view exe(path.data(), static_cast<std::size_t>(n));
  const auto slash = exe.rfind('/');
  return slash == std::string_view::npos ? std::string{} : std::string(exe.substr(0, slash));
}

// Beside the executable (a build tree), else where `cmake --install` puts it
// relative to the executable, whatever the prefix.
HttpModuleEntry load_http_module() {
  const std::string dir = executable_directory();
  const std::vector<std::string> candidates = {
      dir + "/" + HTTP_MODULE_FILE,
      dir + "/" + RUNNER_METRICS_MODULE_DIR_FROM_BIN + "/" + HTTP_MODULE_FILE};
  std::string errors;
  for (const std::string& path : candidates) {
    if (::access(path.c_str(), F_OK) != 0) continue;
    // Never closed: the server's threads and statics live as long as the process.
    void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
      errors = ::dlerror();
      continue;
    }
    if (void* entry = ::dlsym(module, HTTP_MODULE_ENTRY)) {
      return reinterpret_cast<HttpModuleEntry>(entry);
    }
    errors = fmt::format("{}: no {}", path, HTTP_MODULE_ENTRY);
  }
  throw std::runtime_error(fmt::format("cannot load the HTTP server module {}{}{}",
                                       candidates.back(), errors.empty() ? "" : ": ", errors));
}

}  // namespace

MetricsHttpServer::MetricsHttpServer(MetricsRenderer render, const HttpServerOptions& options) {
  const HttpModuleEntry make = load_http_module();
  try {
    server_.reset(make(std::move(render), options));
  } catch (const ValidationError&) {
    throw;
  } catch (const std::invalid_argument& e) {  // the web configuration
    throw ValidationError("--web.config.file", e.what());
  }
}

MetricsHttpServer::~MetricsHttpServer() = default;

int MetricsHttpServer::bind(const ListenAddress& address) {
  try {
    return server_->bind(address);
  } catch (const ValidationError&) {
    throw;
  } catch (const std::invalid_argument& e) {  // TLS would not start with the web configuration's
    throw ValidationError("--web.config.file", e.what());
  }
}
void MetricsHttpServer::stop() { server_->stop(); }
bool MetricsHttpServer::uses_tls() const { return server_->uses_tls(); }

}  // namespace runner_metrics::cli
