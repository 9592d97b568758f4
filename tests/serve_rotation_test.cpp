// SPDX-License-Identifier: Apache-2.0
// `runner-metrics serve` while the real logrotate rotates the log between
// writes, with `create` (format.md §5's production config) and `copytruncate`,
// and while the log is gone for a while: every event counted once.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "runner_metrics/events.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace std::chrono_literals;
using namespace testing;

constexpr const char* kLogrotate = "/usr/sbin/logrotate";

double events_total(const Exposition& e) {
  double total = 0;
  for (const std::string& s : e.series_of("runner_metric_events_total")) total += *e.value(s);
  return total;
}

// Waits until serve has counted `expected` events, and a moment more for
// any it would count twice; the total then.
double settled_total(int port, double expected) {
  double total = 0;
  wait_until([&] {
    total = events_total(scrape(port));
    return total >= expected;
  });
  std::this_thread::sleep_for(300ms);
  return events_total(scrape(port));
}

class ServeRotation : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kLogrotate)) GTEST_SKIP() << kLogrotate << " is not installed";
    ::chmod(dir_.path().c_str(), 0755);  // logrotate refuses a world-writable directory
  }

  void write_config(const std::string& options) {
    write_file(config_, fmt::format("{} {{\n{}}}\n", log_, options));
  }

  void rotate() {
    const auto result = run_process({kLogrotate, "-f", "-s", dir_ / "state", config_});
    ASSERT_EQ(result.exit_status, 0) << result.err;
  }

  // `count` runner_installed events: through the library, and every 500th
  // through the command line.
  void write_events(MetricsLog& writer, int count) {
    std::vector<RunnerInstalled> batch;
    for (int i = 0; i < count; ++i) {
      if (i % 500 == 0) {
        ASSERT_EQ(run_cli({"issue", "runner-installed", "--log", log_, "--flavor", "cli",
                           "--duration", "1"})
                      .exit_status,
                  0);
      } else {
        batch.push_back(RunnerInstalled{.timestamp = 1, .flavor = "lib", .duration = 1});
      }
    }
    writer.append_all(batch);
    written_ += count;
  }

  TempDir dir_;
  std::string log_ = dir_ / "metrics.log";
  std::string config_ = dir_ / "logrotate.conf";
  int written_ = 0;
};

TEST_F(ServeRotation, CountsEveryEventOnceAcrossCreateRotations) {
  write_config("    rotate 0\n    missingok\n    notifempty\n    create\n");
  MetricsLog writer(log_);
  write_events(writer, 2000);
  ServeProcess serve(log_);
  for (int round = 0; round < 5; ++round) {
    // Rotated right after writing: serve may not have read all of it yet.
    write_events(writer, 5000);
    rotate();
    write_events(writer, 500);
    // The next rotation deletes this file (rotate 0), so serve must have
    // opened it first; it has once it counted what is in it.
    EXPECT_EQ(settled_total(serve.port(), written_), written_) << "round " << round;
  }
  const Exposition e = scrape(serve.port());
  EXPECT_EQ(events_total(e), written_);
  EXPECT_EQ(e.value(R"(metrics_log_reopens_total{reason="replaced"})"), 5);
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), 0);
}

TEST_F(ServeRotation, CountsEveryEventOnceAcrossCopytruncateRotations) {
  write_config("    rotate 1\n    missingok\n    notifempty\n    copytruncate\n");
  MetricsLog writer(log_);
  ServeProcess serve(log_);
  for (int round = 0; round < 5; ++round) {
    write_events(writer, 3000);
    // copytruncate empties the file whoever reads it: a follower keeps the
    // lines it read before (as Promtail does), so let serve read them.
    ASSERT_TRUE(wait_until([&] { return events_total(scrape(serve.port())) >= written_; }));
    rotate();
    write_events(writer, 500);
    EXPECT_EQ(settled_total(serve.port(), written_), written_) << "round " << round;
  }
  const Exposition e = scrape(serve.port());
  EXPECT_EQ(e.value(R"(metrics_log_reopens_total{reason="truncated"})"), 5);
  EXPECT_EQ(e.value(R"(metrics_log_reopens_total{reason="replaced"})"), 0);
  EXPECT_EQ(e.value("metrics_log_invalid_lines_total"), 0);
}

TEST_F(ServeRotation, CountsOnAfterTheLogWasGoneForAWhile) {
  MetricsLog writer(log_);
  write_events(writer, 100);
  ServeProcess serve(log_);
  EXPECT_EQ(settled_total(serve.port(), written_), written_);
  ASSERT_EQ(::unlink(log_.c_str()), 0);
  std::this_thread::sleep_for(3s);  // past the grace period of the deleted file
  EXPECT_EQ(testing::http_request(serve.port(), "GET", "/metrics").status, 200);
  write_events(writer, 100);  // the writer makes the log again
  EXPECT_EQ(settled_total(serve.port(), written_), written_);
}

}  // namespace
}  // namespace runner_metrics
