// SPDX-License-Identifier: Apache-2.0
// What contrib/ ships for `serve`: the systemd unit (systemd-analyze
// verify; sandboxed as an unprivileged user) and the example Prometheus
// configuration (promtool check config).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

const std::string kUnit =
    std::string(RUNNER_METRICS_SOURCE_DIR) + "/contrib/systemd/runner-metrics-serve.service";
const std::string kScrapeConfig =
    std::string(RUNNER_METRICS_SOURCE_DIR) + "/contrib/prometheus/prometheus.yml";

TEST(ServeContrib, SystemdUnitRunsServeUnprivilegedInASandbox) {
  const std::string unit = read_file(kUnit).value_or("");
  ASSERT_FALSE(unit.empty()) << kUnit;
  for (const char* line :
       {"ExecStart=/usr/bin/runner-metrics serve ", "DynamicUser=yes", "NoNewPrivileges=yes",
        "ProtectSystem=strict", "CapabilityBoundingSet=\n", "--listen 127.0.0.1:9813"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(unit.find("User=root"), std::string::npos);
}

TEST(ServeContrib, SystemdUnitPassesSystemdAnalyzeVerify) {
  const std::string analyze = "/usr/bin/systemd-analyze";
  if (!std::filesystem::exists(analyze)) GTEST_SKIP() << analyze << " is not installed";
  // The unit as installed, but with the binary under test.
  TempDir dir;
  const std::string unit = dir / "runner-metrics-serve.service";
  std::string text = read_file(kUnit).value_or("");
  const std::string installed = "/usr/bin/runner-metrics";
  // Quoted, as systemd takes a path with spaces (a checkout in "/root/some dir").
  const std::string under_test = std::string("\"") + RUNNER_METRICS_CLI + "\"";
  for (auto at = text.find(installed); at != std::string::npos; at = text.find(installed, at)) {
    text.replace(at, installed.size(), under_test);
    at += under_test.size();
  }
  write_file(unit, text);
  const auto result = run_process({analyze, "verify", "--man=no", unit});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
}

TEST(ServeContrib, ExampleScrapeConfigPassesPromtool) {
  const std::string promtool = "/usr/bin/promtool";
  if (!std::filesystem::exists(promtool)) GTEST_SKIP() << promtool << " is not installed";
  const auto result = run_process({promtool, "check", "config", kScrapeConfig});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_NE(read_file(kScrapeConfig).value_or("").find(":9813"), std::string::npos);
}

}  // namespace
}  // namespace runner_metrics
