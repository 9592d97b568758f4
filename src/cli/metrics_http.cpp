// The side of `runner-metrics serve`'s HTTP server that lives in the
// command: reading --listen, and loading the module that serves (see
// http_server_module.hpp) when a server is made.
#include "metrics_http.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <charconv>
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
  return {std::move(host), port};
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

MetricsHttpServer::MetricsHttpServer(std::function<std::string()> render)
    : server_(load_http_module()(std::move(render))) {}

MetricsHttpServer::~MetricsHttpServer() = default;

int MetricsHttpServer::bind(const ListenAddress& address) { return server_->bind(address); }
bool MetricsHttpServer::run() { return server_->run(); }
void MetricsHttpServer::stop() { server_->stop(); }

}  // namespace runner_metrics::cli
