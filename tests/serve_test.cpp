// SPDX-License-Identifier: Apache-2.0
// `runner-metrics serve` as a process: every series of format.md §8 against the
// events written (through the library and the command line), the HTTP
// rules, signals, the label cap with 10,000 flavors, hostile lines, and no
// CPU while the log is idle.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/prometheus_metrics.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace std::chrono_literals;
using namespace testing;

// What the exposition must say, computed here from the events the test
// writes, independently of the library's aggregate.
class Expected {
 public:
  void add(const AnyEvent& any) {
    std::visit(
        [&](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          const std::string flavor = fmt::format("flavor=\"{}\"", e.flavor);
          series_[fmt::format("runner_metric_events_total{{event=\"{}\",{}}}", event_type_name<E>(),
                              flavor)] += 1;
          if constexpr (std::is_same_v<E, RunnerInstalled>) {
            observe("runner_spawn_duration_seconds", flavor, SPAWN_DURATION_BUCKETS, e.duration);
          } else if constexpr (std::is_same_v<E, RunnerStart>) {
            observe("runner_idle_duration_seconds", flavor, IDLE_DURATION_BUCKETS, e.idle);
            if (e.queue_duration) {
              observe("runner_queue_duration_seconds", flavor, QUEUE_DURATION_BUCKETS,
                      *e.queue_duration);
            }
            series_[fmt::format("job_repository_count{{repository=\"{}\"}}", e.repo)] += 1;
            series_[fmt::format("job_event_count{{event=\"{}\"}}", e.github_event)] += 1;
          } else if constexpr (std::is_same_v<E, RunnerStop>) {
            observe("job_duration_seconds", flavor, JOB_DURATION_BUCKETS, e.job_duration);
            series_[fmt::format("runner_stops_total{{{},status=\"{}\"}}", flavor, e.status)] += 1;
            series_[fmt::format("job_status_count{{status=\"{}\"}}", e.status)] += 1;
            if (e.job_conclusion) {
              series_[fmt::format("job_conclusion_count{{conclusion=\"{}\"}}",
                                  *e.job_conclusion)] += 1;
            }
          } else {
            observe("reconcile_duration_seconds", flavor, RECONCILE_DURATION_BUCKETS, e.duration);
            series_[fmt::format("crashed_runners_total{{{}}}", flavor)] +=
                static_cast<double>(e.crashed_runners);
            gauge("idle_runners_count", flavor, e.timestamp, e.idle_runners);
            if (e.active_runners)
              gauge("busy_runners_count", flavor, e.timestamp, *e.active_runners);
            if (e.expected_runners) {
              gauge("expected_runners_count", flavor, e.timestamp, *e.expected_runners);
            }
          }
        },
        any);
  }

  const std::map<std::string, double>& series() const { return series_; }

 private:
  // The value of the latest reconciliation that carries it; a later line wins a tie.
  void gauge(const std::string& name, const std::string& flavor, double timestamp,
             std::int64_t value) {
    const std::string series = fmt::format("{}{{{}}}", name, flavor);
    auto& latest = latest_[series];
    if (!latest || timestamp >= latest->first) latest = {timestamp, value};
    series_[series] = static_cast<double>(latest->second);
  }

  template <std::size_t N>
  void observe(const std::string& name, const std::string& flavor,
               const std::array<double, N>& bounds, double value) {
    for (const double bound : bounds) {
      series_[fmt::format("{}_bucket{{{},le=\"{:.1f}\"}}", name, flavor, bound)] +=
          value <= bound ? 1 : 0;
    }
    series_[fmt::format("{}_bucket{{{},le=\"+Inf\"}}", name, flavor)] += 1;
    series_[fmt::format("{}_sum{{{}}}", name, flavor)] += value;
    series_[fmt::format("{}_count{{{}}}", name, flavor)] += 1;
  }

  std::map<std::string, double> series_;
  std::map<std::string, std::optional<std::pair<double, std::int64_t>>> latest_;
};

// The format.md §8 series of a scrape (the exporter's own metrics_log_* apart).
std::map<std::string, double> spec_series(const Exposition& e) {
  std::map<std::string, double> out;
  for (const auto& [name, value] : e.series) {
    if (name.starts_with("metrics_log_")) continue;
    out[name] = *e.value(name);
  }
  return out;
}

double events_total(const Exposition& e) {
  double total = 0;
  for (const std::string& s : e.series_of("runner_metric_events_total")) total += *e.value(s);
  return total;
}

// Waits until serve has counted `events` valid events; the last scrape.
Exposition scrape_when(int port, double events) {
  Exposition last;
  wait_until([&] {
    last = scrape(port);
    return events_total(last) >= events;
  });
  return last;
}

void append_raw(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    ASSERT_GT(n, 0);
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

long rss_kib(pid_t pid) {
  const std::string status = testing::read_file(fmt::format("/proc/{}/status", pid)).value_or("");
  const auto at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::stol(status.substr(at + 6));
}

TEST(Serve, ExposesEverySeriesOfTheEventsWrittenByTheLibraryAndTheCli) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ServeProcess serve(log);  // the log does not exist yet

  std::vector<AnyEvent> events;
  for (int i = 0; i < 40; ++i) {
    const std::string flavor = i % 3 == 0 ? "large" : "small";
    const double x = i * 37.5;
    events.emplace_back(RunnerInstalled{.timestamp = 1000.0 + i, .flavor = flavor, .duration = x});
    events.emplace_back(
        RunnerStart{.timestamp = 1000.0 + i,
                    .flavor = flavor,
                    .workflow = "Tests",
                    .repo = "o/r",
                    .github_event = "push",
                    .idle = x / 2,
                    .queue_duration = i % 2 == 0 ? std::optional(x * 9) : std::nullopt});
    events.emplace_back(RunnerStop{.timestamp = 1000.0 + i,
                                   .flavor = flavor,
                                   .workflow = "Tests",
                                   .repo = "o/r",
                                   .github_event = "push",
                                   .status = i % 4 == 0 ? "abnormal" : "normal",
                                   .job_duration = x * 200,
                                   .job_conclusion = i % 2 == 0   ? std::optional<std::string>()
                                                     : i % 3 == 0 ? "failure"
                                                                  : "success"});
    events.emplace_back(Reconciliation{
        .timestamp = 2000.0 - i,  // the first is the latest
        .flavor = flavor,
        .crashed_runners = i % 5,
        .idle_runners = i,
        .active_runners = i % 2 == 1 ? std::optional<std::int64_t>(i + 1) : std::nullopt,
        .expected_runners = i % 3 == 2 ? std::optional<std::int64_t>(i + 7) : std::nullopt,
        .duration = x});
  }
  MetricsLog(log).append_all(events);

  // And through the command line.
  ASSERT_EQ(
      run_cli({"issue",          "runner-stop", "--log",      log,        "--timestamp",   "3000",
               "--flavor",       "small",       "--workflow", "W",        "--repo",        "o/r",
               "--github-event", "push",        "--status",   "abnormal", "--status-code", "137",
               "--job-duration", "61.25"})
          .exit_status,
      0);
  events.emplace_back(RunnerStop{.timestamp = 3000,
                                 .flavor = "small",
                                 .workflow = "W",
                                 .repo = "o/r",
                                 .github_event = "push",
                                 .status = "abnormal",
                                 .status_info = CodeInformation{137},
                                 .job_duration = 61.25});
  ASSERT_EQ(run_cli({"issue", "reconciliation", "--log", log, "--timestamp", "2000", "--flavor",
                     "small", "--crashed-runners", "3", "--idle-runners", "11", "--duration", "12"})
                .exit_status,
            0);  // ties the latest small reconciliation (2000): the later line wins
  events.emplace_back(Reconciliation{.timestamp = 2000,
                                     .flavor = "small",
                                     .crashed_runners = 3,
                                     .idle_runners = 11,
                                     .duration = 12});
  append_raw(log, "not json\n{\"timestamp\": 1, \"event\": \"runner_resized\"}\n\n");

  Expected expected;
  for (const AnyEvent& e : events) expected.add(e);
  // The raw lines come last: wait for them too, or a scrape between the last
  // event and them sees none of them.
  Exposition e;
  wait_until([&] {
    e = scrape(serve.port());
    return events_total(e) >= static_cast<double>(events.size()) &&
           e.value("metrics_log_invalid_lines_total").value_or(0) +
                   e.value("metrics_log_other_events_total").value_or(0) >=
               3;
  });
  EXPECT_EQ(spec_series(e), expected.series());
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), 2);  // "not json" and the empty line
  EXPECT_EQ(e.value("metrics_log_other_events_total"), 1);
  EXPECT_EQ(e.value(R"(idle_runners_count{flavor="small"})"), 11);
  EXPECT_EQ(e.value(R"(idle_runners_count{flavor="large"})"), 0);
  // The latest reconciliations that carry them (the smallest i): small's i = 1 (active) and
  // i = 2 (expected); large's (i % 3 == 0) i = 3, and never an expected_runners.
  EXPECT_EQ(e.value(R"(busy_runners_count{flavor="small"})"), 2);
  EXPECT_EQ(e.value(R"(busy_runners_count{flavor="large"})"), 4);
  EXPECT_EQ(e.value(R"(expected_runners_count{flavor="small"})"), 9);
  EXPECT_EQ(e.value(R"(expected_runners_count{flavor="large"})"), std::nullopt);
  EXPECT_EQ(e.value(R"(job_status_count{status="abnormal"})"), 11);
}

TEST(Serve, CountersOnlyGrowBetweenScrapes) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ServeProcess serve(log);
  MetricsLog writer(log);
  double previous = 0;
  for (int round = 1; round <= 5; ++round) {
    for (int i = 0; i < 20; ++i) {
      writer.append(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
    }
    const Exposition e = scrape_when(serve.port(), round * 20.0);
    EXPECT_EQ(events_total(e), round * 20.0);
    EXPECT_GE(*e.value(R"(runner_spawn_duration_seconds_count{flavor="f"})"), previous);
    previous = *e.value(R"(runner_spawn_duration_seconds_count{flavor="f"})");
  }
}

TEST(Serve, AnswersHeadWithHeadersOnlyAndServesAnIndexPageLinkingToMetrics) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const auto get = http_request(serve.port(), "GET", "/metrics");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto head = http_request(serve.port(), "HEAD", "/metrics");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.headers.at("content-length"), std::to_string(get.body.size()));
  const auto index = http_request(serve.port(), "GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<a href=\"/metrics\">"), std::string::npos);
}

TEST(Serve, Answers404ForOtherPathsAnd405ForOtherMethods) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  for (const char* path : {"/metrics/", "/favicon.ico", "/metricsx", "/api/v1/query"}) {
    EXPECT_EQ(http_request(serve.port(), "GET", path).status, 404) << path;
  }
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"}) {
    auto response = http_request(serve.port(), method, "/metrics");
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_EQ(response.headers["allow"], "GET, HEAD") << method;
  }
  EXPECT_EQ(http_request(serve.port(), "POST", "/", {}, "x=1").status, 405);
  EXPECT_EQ(http_request(serve.port(), "POST", "/elsewhere").status, 404);
}

TEST(Serve, RefusesOversizedRequestsAndKeepsServing) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const auto status_of = [&](const std::string& raw) {
    const auto start = std::chrono::steady_clock::now();
    const std::string answer = http_raw(serve.port(), raw, 10s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    return answer.starts_with("HTTP/1.1 ") ? std::stoi(answer.substr(9, 3)) : 0;
  };
  // Over the connection's 16 KiB: 414 for the line, 431 for the headers.
  EXPECT_EQ(status_of("GET /" + std::string(100'000, 'a') + " HTTP/1.1\r\n\r\n"), 414);
  EXPECT_EQ(status_of("GET /" + std::string(9'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
  EXPECT_EQ(status_of("GET /metrics HTTP/1.1\r\nX: " + std::string(100'000, 'b') + "\r\n\r\n"),
            431);
  // Short headers, but many.
  std::string many = "GET /metrics HTTP/1.1\r\n";
  for (int i = 0; i < 200'000; ++i) many += "X: y\r\n";
  EXPECT_EQ(status_of(many + "\r\n"), 431);
  // A body is never read.
  EXPECT_EQ(http_request(serve.port(), "POST", "/metrics", {}, std::string(1 << 20, 'c')).status,
            405);
  EXPECT_EQ(http_request(serve.port(), "GET", "/metrics").status, 200);
}

TEST(Serve, AnswersSeveralRequestsOnOneKeptAliveConnection) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const std::string one = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string last = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string answers = testing::http_raw_until_closed(serve.port(), one + one + last, 10s);
  std::size_t count = 0;
  for (auto at = answers.find("HTTP/1.1 200 OK"); at != std::string::npos;
       at = answers.find("HTTP/1.1 200 OK", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << answers.substr(0, 500);
}

TEST(Serve, StopsCleanlyWithStatus0OnSigtermAndSigint) {
  TempDir dir;
  for (const int signal : {SIGTERM, SIGINT}) {
    ServeProcess serve(dir / "metrics.log");
    ASSERT_EQ(http_request(serve.port(), "GET", "/metrics").status, 200);
    EXPECT_EQ(serve.process().stop(signal, 10s), 0) << serve.process().err();
  }
}

// libmicrohttpd, GnuTLS and yaml-cpp cost every process time to start; only
// serve loads them, from its module.
TEST(Serve, OnlyServeLoadsTheHttpLibrary) {
  const auto linked = run_process({"/usr/bin/ldd", RUNNER_METRICS_CLI});
  ASSERT_EQ(linked.exit_status, 0) << linked.err;
  for (const char* library : {"microhttpd", "gnutls", "yaml-cpp", "libssl", "libcrypt.so"}) {
    EXPECT_EQ(linked.out.find(library), std::string::npos) << library << ": " << linked.out;
  }

  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  ASSERT_EQ(http_request(serve.port(), "GET", "/metrics").status, 200);
  const auto maps = read_file(fmt::format("/proc/{}/maps", serve.process().pid()));
  ASSERT_TRUE(maps.has_value());
  EXPECT_NE(maps->find("runner-metrics-http.so"), std::string::npos);
  EXPECT_NE(maps->find("libmicrohttpd"), std::string::npos);
}

TEST(Serve, SaysWhichModuleItCouldNotLoadAndExits1) {
  // A copy of the command in a directory without its module, nor an
  // installed one at ../lib/runner-metrics.
  TempDir dir;
  const std::string copy = dir / "runner-metrics";
  std::filesystem::copy_file(RUNNER_METRICS_CLI, copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  const auto result =
      run_process({copy, "serve", "--log", dir / "metrics.log", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(result.exit_status, 1) << result.err;
  EXPECT_NE(result.err.find("cannot load the HTTP server module"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("runner-metrics-http.so"), std::string::npos) << result.err;
}

TEST(Serve, RejectsABadListenAddressWithStatus2) {
  for (const char* listen :
       {"nonsense", "127.0.0.1:99999", "127.0.0.1:", ":9813", "::1:9813", "127.0.0.1:12x"}) {
    const auto result = run_cli({"serve", "--log", "/nonexistent/metrics.log", "--listen", listen});
    EXPECT_EQ(result.exit_status, 2) << listen << ": " << result.err;
    EXPECT_NE(result.err.find("--listen"), std::string::npos) << result.err;
  }
}

TEST(Serve, RejectsAHostThatDoesNotResolveWithStatus2NamingIt) {
  const auto result =
      run_cli({"serve", "--log", "/nonexistent/metrics.log", "--listen", "nonexistent.invalid:0"});
  EXPECT_EQ(result.exit_status, 2) << result.err;
  EXPECT_NE(result.err.find("--listen: the host \"nonexistent.invalid\" does not resolve"),
            std::string::npos)
      << result.err;
}

TEST(Serve, ListensOnAHostGivenByName) {
  TempDir dir;
  // Port 0: serve picks a free one and says which.
  testing::BackgroundProcess serve(
      {RUNNER_METRICS_CLI, "serve", "--log", dir / "metrics.log", "--listen", "localhost:0"});
  const std::string prefix = "serving http://localhost:";
  ASSERT_TRUE(wait_until([&] {
    return serve.err().find("/metrics") != std::string::npos || serve.exited();
  })) << serve.err();
  const std::string err = serve.err();
  const auto at = err.find(prefix);
  ASSERT_NE(at, std::string::npos) << err;
  const int port = std::stoi(err.substr(at + prefix.size()));
  ASSERT_GT(port, 0) << err;
  // localhost may resolve to ::1 first: curl tries each address.
  if (!std::filesystem::exists("/usr/bin/curl")) GTEST_SKIP() << "/usr/bin/curl is not installed";
  const auto result = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                   fmt::format("http://localhost:{}/metrics", port)});
  EXPECT_EQ(result.out, "200") << result.err;
}

TEST(Serve, IgnoresSighupAndKeepsServing) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  ServeProcess serve(log);
  MetricsLog(log).append(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  scrape_when(serve.port(), 1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(::kill(serve.process().pid(), SIGHUP), 0);
  MetricsLog(log).append(RunnerInstalled{.timestamp = 2, .flavor = "f", .duration = 1});
  EXPECT_EQ(events_total(scrape_when(serve.port(), 2)), 2);
  EXPECT_FALSE(serve.process().exited());
  EXPECT_EQ(serve.process().stop(SIGTERM, 10s), 0) << serve.process().err();
}

TEST(Serve, FailsWithStatus1WhenTheAddressIsTaken) {
  TempDir dir;
  ServeProcess first(dir / "metrics.log");
  const auto second = run_cli({"serve", "--log", dir / "metrics.log", "--listen",
                               fmt::format("127.0.0.1:{}", first.port())});
  EXPECT_EQ(second.exit_status, 1);
  EXPECT_NE(second.err.find(fmt::format("cannot listen on 127.0.0.1:{}", first.port())),
            std::string::npos)
      << second.err;
}

TEST(Serve, FoldsTenThousandFlavorsIntoTheCapPlusOther) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  std::vector<RunnerInstalled> events;
  events.reserve(10'000);
  for (int i = 0; i < 10'000; ++i) {
    events.push_back(
        RunnerInstalled{.timestamp = 1, .flavor = fmt::format("flavor-{:05}", i), .duration = 1});
  }
  MetricsLog(log).append_all(events);
  ServeProcess serve(log);
  const Exposition e = scrape_when(serve.port(), 10'000);
  const auto counts = e.series_of("runner_spawn_duration_seconds_count");
  EXPECT_EQ(counts.size(), 1001u);
  EXPECT_EQ(e.value(R"(runner_spawn_duration_seconds_count{flavor="other"})"), 9'000);
  EXPECT_EQ(e.series_of("runner_metric_events_total").size(), 1001u);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 9'000);
  EXPECT_EQ(events_total(e), 10'000);
}

TEST(Serve, TakesTheLabelCapFromTheCommandLine) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  std::vector<RunnerInstalled> events;
  events.reserve(50);
  for (int i = 0; i < 50; ++i) {
    events.push_back(
        RunnerInstalled{.timestamp = 1, .flavor = fmt::format("f{}", i), .duration = 1});
  }
  MetricsLog(log).append_all(events);
  ServeProcess serve(log, {"--max-label-values", "10"});
  const Exposition e = scrape_when(serve.port(), 50);
  EXPECT_EQ(e.series_of("runner_spawn_duration_seconds_count").size(), 11u);
  EXPECT_EQ(e.value(R"(metrics_log_label_values_folded_total{label="flavor"})"), 40);
}

TEST(Serve, CountsAMultiMegabyteLineAndGarbageAsInvalidWithoutHoldingThem) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  MetricsLog writer(log);
  writer.append(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  ServeProcess serve(log);
  scrape_when(serve.port(), 1);
  const long rss_before = rss_kib(serve.process().pid());

  std::string garbage;
  for (int i = 0; i < 256; ++i) garbage += static_cast<char>(i == '\n' ? ' ' : i);
  for (int i = 0; i < 4; ++i) {
    append_raw(
        log, std::string(std::size_t{8} * 1024 * 1024, '{') + "\n");  // 8 MiB, over the 1 MiB limit
    append_raw(log, garbage + "\n");
  }
  writer.append(RunnerInstalled{.timestamp = 2, .flavor = "f", .duration = 1});
  const Exposition e = scrape_when(serve.port(), 2);
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), 8);
  // Held: at most one line of the limit (1 MiB) and the read buffer.
  EXPECT_LT(rss_kib(serve.process().pid()) - rss_before, 16 * 1024);
}

TEST(Serve, UsesNoCpuWhileTheLogIsIdle) {
  TempDir dir;
  const std::string log = dir / "metrics.log";
  MetricsLog writer(log);
  writer.append(RunnerInstalled{.timestamp = 1, .flavor = "f", .duration = 1});
  ServeProcess serve(log);
  scrape_when(serve.port(), 1);
  std::this_thread::sleep_for(500ms);  // let the scrape's connection close
  const pid_t pid = serve.process().pid();
  const long ticks_before = testing::cpu_ticks(pid);
  const long sleeps_before = testing::sleeps(pid);
  std::this_thread::sleep_for(5s);
  // Wake-ups are counted exactly, whatever the machine's load: a thread that
  // polled even once a second would show 5 here.
  const long woke = testing::sleeps(pid) - sleeps_before;
  EXPECT_LE(woke, 1) << woke << " wake-ups in 5 s";
  const long used = testing::cpu_ticks(pid) - ticks_before;
  EXPECT_LE(used, 1) << used << " clock ticks (10 ms) in 5 s";
}

}  // namespace
}  // namespace runner_metrics
