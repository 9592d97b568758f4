// `runner-metrics serve`: follow the metrics log, serve SPEC §8's Prometheus
// metrics. Two kinds of threads: one follows the log and adds each line to
// the aggregate; httplib's answer scrapes with a copy of it, taken under the
// same mutex and rendered outside it, so a scrape never stalls reading for
// longer than a copy. SIGTERM and SIGINT are taken by sigwait(2) on the main
// thread (blocked everywhere else) and shut both down cleanly.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "commands.hpp"
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
};

void say(std::string_view message) {
  fmt::print(stderr, "runner-metrics: {}\n", message);
  std::fflush(stderr);
}

void serve(const ServeFlags& flags, const ListenAddress& address) {
  const std::string path = resolve_log_path(flags.log);
  std::mutex mutex;
  PrometheusMetrics metrics(PrometheusOptions{.max_label_values = flags.max_label_values});

  FollowOptions follow;
  follow.on_problem = [](std::string_view message) { say(message); };
  follow.on_reopen = [&](LogReopen reason) {
    std::lock_guard lock(mutex);
    metrics.add_reopen(reason);
  };
  LogFollower follower(path, std::move(follow));

  MetricsHttpServer server([&] {
    std::unique_lock lock(mutex);
    const PrometheusMetrics snapshot = metrics;
    lock.unlock();
    return render_prometheus(snapshot);
  });
  const int port = server.bind(address);

  // From here on, threads: block the signals in all of them, take them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto fail = [&](std::exception_ptr error) {
    {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::move(error);
    }
    ::kill(::getpid(), SIGTERM);  // wakes sigwait below
  };

  std::thread reader([&] {
    try {
      while (const LogLine* line = follower.next()) {
        std::lock_guard lock(mutex);
        metrics.add(*line->parsed);
      }
    } catch (...) {
      fail(std::current_exception());
    }
  });
  std::thread http([&] {
    try {
      if (!server.run()) throw std::runtime_error("the HTTP server stopped");
    } catch (...) {
      fail(std::current_exception());
    }
  });
  say(fmt::format(
      "serving http://{}:{}/metrics from {}",
      address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host, port,
      path));

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server.stop();
  follower.stop();
  http.join();
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
                   "Distinct values a label (flavor, status) may take; events with further "
                   "values are counted under \"other\".")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->type_name("N")
      ->capture_default_str();
  command->footer(
      "Reads the whole log, then follows it across logrotate's create and copytruncate. "
      "GET /metrics is the Prometheus text format; SIGTERM or SIGINT stops it cleanly.\n"
      "Exit status: 0 stopped by a signal; 2 bad usage; 1 the address could not be bound or "
      "the log could not be followed.");
  command->callback([flags, &action] {
    const ListenAddress address = parse_listen_address(flags->listen);
    action = [flags, address] { serve(*flags, address); };
  });
}

}  // namespace runner_metrics::cli
