// SPDX-License-Identifier: Apache-2.0
// `runner-metrics serve --web.config.file`: TLS and basic authentication in
// the web configuration format of Prometheus exporters, against a real
// Prometheus scraping over TLS with a password, curl with wrong ones, bcrypt
// hashes made by htpasswd and by Python, and configurations that are wrong.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace std::chrono_literals;
using namespace testing;

constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kHtpasswd = "/usr/bin/htpasswd";
constexpr const char* kCurl = "/usr/bin/curl";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

// A self-signed certificate for 127.0.0.1, made now: DIR/server.crt, server.key.
void make_certificate(const std::string& dir) {
  const auto made = run_process({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                                 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                 "-keyout", dir + "/server.key", "-out", dir + "/server.crt"});
  ASSERT_EQ(made.exit_status, 0) << made.err;
}

// htpasswd's bcrypt ($2y$, cost 10) of `password`.
std::string htpasswd_hash(const std::string& user, const std::string& password) {
  const auto made = run_process({kHtpasswd, "-nbBC", "10", user, password});
  EXPECT_EQ(made.exit_status, 0) << made.err;
  const auto colon = made.out.find(':');
  std::string hash = made.out.substr(colon + 1);
  while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
  return hash;
}

// curl's answer: the status code, or 0 if there was none.
int curl_status(int port, const std::string& dir, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{
      kCurl,        "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir + "/server.crt",
      "--max-time", "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(fmt::format("https://127.0.0.1:{}/metrics", port));
  const auto result = run_process(argv);
  return std::atoi(result.out.c_str());
}

bool have(const std::vector<const char*>& programs) {
  for (const char* program : programs) {
    if (!std::filesystem::exists(program)) return false;
  }
  return true;
}

TEST(ServeWebConfig, RefusesMissingOrWrongCredentialsWith401AndServesTheRightOnes) {
  if (!have({kOpenssl, kHtpasswd, kCurl})) GTEST_SKIP() << "needs openssl, htpasswd and curl";
  TempDir dir;
  make_certificate(dir.path());
  write_file(dir / "web.yml", fmt::format("tls_server_config:\n  cert_file: server.crt\n"
                                          "  key_file: server.key\nbasic_auth_users:\n"
                                          "  prometheus: {}\n",
                                          htpasswd_hash("prometheus", "s3cret pass")));
  ServeProcess serve(dir / "metrics.log", {"--web.config.file", dir / "web.yml"});
  EXPECT_NE(serve.process().err().find("serving https://127.0.0.1:"), std::string::npos);
  const int port = serve.port();
  EXPECT_EQ(curl_status(port, dir.path(), {}), 401);
  EXPECT_EQ(curl_status(port, dir.path(), {"-u", "prometheus:wrong"}), 401);
  EXPECT_EQ(curl_status(port, dir.path(), {"-u", "prometheus:s3cret pas"}), 401);
  EXPECT_EQ(curl_status(port, dir.path(), {"-u", "nobody:s3cret pass"}), 401);
  EXPECT_EQ(curl_status(port, dir.path(), {"-u", "prometheus:s3cret pass"}), 200);
  EXPECT_EQ(curl_status(port, dir.path(), {"-u", "prometheus:s3cret pass"}), 200);  // remembered
  EXPECT_EQ(curl_status(port, dir.path(), {"-u", "prometheus:wrong"}), 401);        // still wrong
  // The 401 asks for basic auth, and closes the connection.
  const auto headers =
      run_process({kCurl, "-s", "-D", "-", "-o", "/dev/null", "--cacert", dir / "server.crt",
                   fmt::format("https://127.0.0.1:{}/metrics", port)});
  EXPECT_NE(headers.out.find("WWW-Authenticate: Basic realm=\"runner-metrics\""), std::string::npos)
      << headers.out;
  EXPECT_NE(headers.out.find("Connection: close"), std::string::npos) << headers.out;
  // Plain HTTP on the TLS port gets no answer.
  EXPECT_THROW(testing::http_request(port, "GET", "/metrics"), std::runtime_error);
}

TEST(ServeWebConfig, AcceptsBcryptHashesMadeByPythonAndByHtpasswd) {
  if (!have({kHtpasswd, kCurl, kPython})) GTEST_SKIP() << "needs htpasswd, curl and python3";
  const auto python = run_process({kPython, "-W", "ignore", "-c",
                                   "import crypt; print(crypt.crypt('py pass', "
                                   "crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))"});
  if (python.exit_status != 0) GTEST_SKIP() << "python3 has no crypt module: " << python.err;
  std::string python_hash = python.out.substr(0, python.out.find('\n'));
  ASSERT_TRUE(python_hash.starts_with("$2b$10$")) << python_hash;
  const std::string htpasswd = htpasswd_hash("h", "ht pass");
  ASSERT_TRUE(htpasswd.starts_with("$2y$10$")) << htpasswd;

  TempDir dir;  // basic auth without TLS: allowed, as the exporters allow it
  write_file(dir / "web.yml",
             fmt::format("basic_auth_users:\n  p: '{}'\n  h: '{}'\n", python_hash, htpasswd));
  ServeProcess serve(dir / "metrics.log", {"--web.config.file", dir / "web.yml"});
  const auto status = [&](const std::string& credentials) {
    const auto result =
        run_process({kCurl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", credentials,
                     fmt::format("http://127.0.0.1:{}/metrics", serve.port())});
    return std::atoi(result.out.c_str());
  };
  EXPECT_EQ(status("p:py pass"), 200);
  EXPECT_EQ(status("h:ht pass"), 200);
  EXPECT_EQ(status("p:ht pass"), 401);
  EXPECT_EQ(status("h:py pass"), 401);
}

TEST(ServeWebConfig, ARealPrometheusScrapesOverTlsWithBasicAuth) {
  if (!have({kOpenssl, kHtpasswd, kPrometheus})) {
    GTEST_SKIP() << "needs openssl, htpasswd and prometheus";
  }
  TempDir dir;
  make_certificate(dir.path());
  write_file(dir / "web.yml", fmt::format("tls_server_config:\n  cert_file: {}\n  key_file: {}\n"
                                          "basic_auth_users:\n  prom: {}\n",
                                          dir / "server.crt", dir / "server.key",
                                          htpasswd_hash("prom", "scrape me")));
  const std::string log = dir / "metrics.log";
  MetricsLog(log).append(RunnerInstalled{.timestamp = 1, .flavor = "tls", .duration = 3});
  ServeProcess serve(log, {"--web.config.file", dir / "web.yml"});

  const int prometheus_port = testing::free_port();
  write_file(dir / "prometheus.yml",
             fmt::format(R"(global:
  scrape_interval: 1s
scrape_configs:
  - job_name: runner-metrics
    scheme: https
    tls_config:
      ca_file: {}
    basic_auth:
      username: prom
      password: scrape me
    static_configs:
      - targets: ['127.0.0.1:{}']
  - job_name: wrong-password
    scheme: https
    tls_config:
      ca_file: {}
    basic_auth:
      username: prom
      password: guess
    static_configs:
      - targets: ['127.0.0.1:{}']
)",
                         dir / "server.crt", serve.port(), dir / "server.crt", serve.port()));
  BackgroundProcess prometheus({kPrometheus, "--config.file=" + (dir / "prometheus.yml"),
                                "--storage.tsdb.path=" + (dir / "data"),
                                fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port),
                                "--log.level=warn"});
  const auto query = [&](const std::string& promql) {
    try {
      return testing::http_request(prometheus_port, "GET", "/api/v1/query?query=" + promql).body;
    } catch (const std::exception&) {
      return std::string();
    }
  };
  // up becomes 1 for the right password (a scrape slowed past its 1 s
  // timeout on a loaded machine is 0 until the next one) and stays 0 for the
  // wrong one.
  std::string up;
  EXPECT_TRUE(wait_until(
      [&] {
        up = query("up%7Bjob%3D%22runner-metrics%22%7D");
        return up.find("\"1\"]") != std::string::npos;
      },
      60s))
      << up << prometheus.err();
  EXPECT_TRUE(wait_until(
      [&] {
        up = query("up%7Bjob%3D%22wrong-password%22%7D");
        return up.find("\"wrong-password\"") != std::string::npos;
      },
      60s))
      << up << prometheus.err();
  EXPECT_NE(up.find("\"0\"]"), std::string::npos) << up;
  std::string events;
  EXPECT_TRUE(wait_until([&] {
    events = query("runner_metric_events_total");
    return events.find("\"flavor\":\"tls\"") != std::string::npos;
  }));
  EXPECT_NE(events.find("\"1\"]"), std::string::npos) << events;
  EXPECT_EQ(prometheus.stop(SIGTERM, 30s), 0) << prometheus.err();
}

TEST(ServeWebConfig, AnInvalidConfigurationExits2NamingTheFileAndTheKey) {
  TempDir dir;
  write_file(dir / "cert.pem",
             "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n");
  write_file(dir / "text.txt", "hello\n");
  struct Case {
    std::string yaml;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"tls_server_config:\n  cert_file: cert.pem\n", "tls_server_config.key_file: missing"},
      {"tls_server_config:\n  key_file: cert.pem\n", "tls_server_config.cert_file: missing"},
      {"tls_server_config:\n  cert_file: nothere.pem\n  key_file: cert.pem\n",
       "tls_server_config.cert_file: cannot read"},
      {"tls_server_config:\n  cert_file: text.txt\n  key_file: cert.pem\n",
       "tls_server_config.cert_file: " + (dir / "text.txt") + " is not PEM"},
      {"tls_server_config:\n  cert_file: cert.pem\n  key_file: cert.pem\n  client_ca_file: x\n",
       "tls_server_config.client_ca_file: not supported"},
      {"basic_auth_users:\n  u: plain-password\n", "basic_auth_users.u: not a bcrypt hash"},
      {"basic_auth_users: [a, b]\n", "basic_auth_users: must be a mapping"},
      {"http_server_config:\n  http2: false\n", "http_server_config: not supported"},
      {"tls_server_confg:\n  cert_file: cert.pem\n", "tls_server_confg: not supported"},
      {"basic_auth_users:\n  u: [\n", "not YAML"},
      {"- a\n- b\n", "must be a mapping of keys"},
      // Parses, but the certificate is not one: found when TLS starts.
      {"tls_server_config:\n  cert_file: cert.pem\n  key_file: cert.pem\n",
       "tls_server_config: cannot start TLS"},
  };
  for (const Case& c : cases) {
    write_file(dir / "web.yml", c.yaml);
    const auto result = run_cli({"serve", "--log", dir / "metrics.log", "--listen", "127.0.0.1:0",
                                 "--web.config.file", dir / "web.yml"});
    EXPECT_EQ(result.exit_status, 2) << c.yaml << result.err;
    EXPECT_NE(result.err.find("--web.config.file: " + (dir / "web.yml") + ": " + c.says),
              std::string::npos)
        << c.yaml << result.err;
    EXPECT_EQ(result.err.find("serving"), std::string::npos) << result.err;
  }
  const auto missing = run_cli({"serve", "--log", dir / "metrics.log", "--listen", "127.0.0.1:0",
                                "--web.config.file", dir / "nothere.yml"});
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_NE(missing.err.find(dir / "nothere.yml" + ": no such file"), std::string::npos)
      << missing.err;
}

TEST(ServeWebConfig, AnEmptyConfigurationServesPlainHttpWithoutAuth) {
  TempDir dir;
  write_file(dir / "web.yml", "");
  ServeProcess serve(dir / "metrics.log", {"--web.config.file", dir / "web.yml"});
  EXPECT_EQ(testing::http_request(serve.port(), "GET", "/metrics").status, 200);
}

}  // namespace
}  // namespace runner_metrics
