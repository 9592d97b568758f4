// SPDX-License-Identifier: Apache-2.0
// `runner-metrics serve`: follow the metrics log, serve its Prometheus
// metrics (docs/serve.md). Two threads: one follows the log and adds each
// line to the aggregate; the HTTP server's answers scrapes with a copy of
// it, taken under the same mutex and rendered outside it, so a scrape never
// stalls reading for longer than a copy. SIGTERM and SIGINT are taken by
// sigwait(2) on the main thread (blocked everywhere else) and shut both down
// cleanly; SIGHUP is taken and ignored (the log is followed across rotation
// without it, and there is nothing else to reload).
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "commands.hpp"
#include "count_flag.hpp"
#include "metrics_http.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/log_follower.hpp"
#include "runner_metrics/prometheus_metrics.hpp"

namespace runner_metrics::cli {

namespace {

/// The default port: see README.md, "Serving Prometheus metrics".
constexpr const char* kDefaultListen = "127.0.0.1:9813";

struct ServeFlags {
  std::string log;
  std::string listen = kDefaultListen;
  std::size_t max_label_values = PrometheusOptions{}.max_label_values;
  HttpServerOptions http;
};

// Descriptors kept for the log, inotify, the listener and the like.
constexpr rlim_t kSpareDescriptors = 64;

// Lines added under one hold of the metrics' lock: about a third of a
// millisecond of work, so a scrape arriving mid-batch barely waits.
constexpr std::size_t kLinesPerLock = 1024;

void say(std::string_view message) {
  fmt::print(stderr, "runner-metrics: {}\n", message);
  std::fflush(stderr);
}

// As many descriptors as the hard limit allows, one per connection; the
// connection cap comes down to fit what is left, and says so.
HttpServerOptions fit_descriptor_limit(HttpServerOptions http) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return http;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < http.max_connections + kSpareDescriptors) {
    const std::size_t fits = limit.rlim_cur > 2 * kSpareDescriptors
                                 ? limit.rlim_cur - kSpareDescriptors
                                 : kSpareDescriptors;
    say(fmt::format("--max-connections {} is over what the descriptor limit ({}) allows: {}",
                    http.max_connections, limit.rlim_cur, fits));
    http.max_connections = fits;
  }
  return http;
}

void serve(const ServeFlags& flags, const ListenAddress& address) {
  const std::string path = resolve_log_path(flags.log);
  // Before any thread starts (the HTTP server's included), so that every
  // thread inherits the mask: the signals come to sigwait below only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::mutex mutex;
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = flags.max_label_values});
  // Lines added since the last render: while none are, scrapes share one
  // text (and clients that never read hold no copy of their own).
  std::uint64_t generation = 0;
  std::uint64_t rendered_generation = 0;
  std::shared_ptr<const std::string> rendered;

  FollowOptions follow;
  follow.on_problem = [](std::string_view message) { say(message); };
  follow.on_reopen = [&](LogReopen reason) {
    std::lock_guard lock(mutex);
    metrics.add_reopen(reason);
    ++generation;
  };
  LogFollower follower(path, std::move(follow));

  // Only the server's thread renders, so `rendered` needs no lock.
  MetricsHttpServer server(
      [&]() -> std::shared_ptr<const std::string> {
        std::unique_lock lock(mutex);
        if (rendered && rendered_generation == generation) return rendered;
        const std::uint64_t now = generation;
        // A copy, so that rendering runs after the lock is let go and the
        // reader thread goes on adding lines meanwhile.
        // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
        const PrometheusMetrics snapshot = metrics;
        lock.unlock();
        rendered = std::make_shared<const std::string>(render_prometheus(snapshot));
        rendered_generation = now;
        return rendered;
      },
      fit_descriptor_limit(flags.http));
  const int port = server.bind(address);

  std::exception_ptr failure;
  std::thread reader([&] {
    try {
      while (const LogLine* line = follower.next()) {
        // The lines already read go in under one lock: a lock per line cost
        // about 6% of ingest. A scrape waits for at most kLinesPerLock lines.
        std::lock_guard lock(mutex);
        std::size_t added = 0;
        do {
          metrics.add(*line->parsed);
        } while (++added < kLinesPerLock && (line = follower.next_read()) != nullptr);
        ++generation;
      }
    } catch (...) {
      failure = std::current_exception();
      ::kill(::getpid(), SIGTERM);  // wakes sigwait below
    }
  });
  say(fmt::format(
      "serving {}://{}:{}/metrics from {}", server.uses_tls() ? "https" : "http",
      address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host, port,
      path));

  int signal_number = 0;
  do {
    sigwait(&signals, &signal_number);
  } while (signal_number == SIGHUP);
  server.stop();
  follower.stop();
  reader.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand(
      "serve", "Follow the metrics log and serve its Prometheus metrics over HTTP.");
  command->add_option("--log", flags->log,
                      "The metrics log to follow. Default: $RUNNER_METRICS_LOG, else "
                      "/var/log/github-runner-metrics.log.");
  command
      ->add_option("--listen", flags->listen,
                   "Address to serve on, HOST:PORT or [IPV6]:PORT; port 0 picks a free one.")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  command
      ->add_option("--max-label-values", flags->max_label_values,
                   "Distinct values a label (flavor, status, conclusion, event, repository) "
                   "may take; events with further values are counted under \"other\".")
      ->check(count_in(1, 1'000'000))
      ->type_name("N")
      ->capture_default_str();
  command
      ->add_option("--max-connections", flags->http.max_connections,
                   "Open HTTP connections at most; further clients wait in the backlog.")
      ->check(count_in(1, 1'000'000))
      ->type_name("N")
      ->capture_default_str();
  command
      ->add_option("--max-connections-per-address", flags->http.max_connections_per_address,
                   "Open HTTP connections from one client address at most; further ones are "
                   "closed at once.")
      ->check(count_in(1, 1'000'000))
      ->type_name("N")
      ->capture_default_str();
  command
      ->add_option("--web.config.file", flags->http.web_config_file,
                   "TLS and basic authentication, in the web configuration format of Prometheus "
                   "exporters (tls_server_config: cert_file, key_file; basic_auth_users: user: "
                   "bcrypt hash). Default: plain HTTP, no authentication.")
      ->type_name("PATH");
  command->footer(
      "Reads the whole log, then follows it across logrotate's create and copytruncate. "
      "GET /metrics is the Prometheus text format; SIGTERM or SIGINT stops it cleanly; SIGHUP "
      "is ignored.\n"
      "Exit status: 0 stopped by a signal; 2 bad usage (a --listen host that does not resolve "
      "included) or an invalid web configuration; 1 the address could not be bound or the log "
      "could not be followed.");
  command->callback([flags, &action] {
    const ListenAddress address = parse_listen_address(flags->listen);
    action = [flags, address] { serve(*flags, address); };
  });
}

}  // namespace runner_metrics::cli
