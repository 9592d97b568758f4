// SPDX-License-Identifier: Apache-2.0
// A program that uses the installed runner_metrics library: it appends one
// event to the log named on its command line, reads the log back, and checks
// that the line is exactly what the Python ancestor wrote for that event.
//
//   consumer /tmp/metrics.log   → prints the line; exits 0 if it matched, 1 if not
#include <cstdio>
#include <fstream>
#include <iostream>
#include <runner_metrics/errors.hpp>
#include <runner_metrics/events.hpp>
#include <runner_metrics/metrics_log.hpp>
#include <runner_metrics/serialize.hpp>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer LOG\n";
    return 2;
  }
  using namespace runner_metrics;
  const std::string expected =
      "{\"timestamp\": 1700000000.5, \"event\": \"runner_installed\", \"flavor\": \"small\", "
      "\"duration\": 42.0}\n";

  std::remove(argv[1]);
  try {
    MetricsLog log(argv[1]);
    log.append(RunnerInstalled{.timestamp = 1700000000.5, .flavor = "small", .duration = 42});
  } catch (const IssueMetricEventError& e) {
    std::cerr << "consumer: " << e.what() << '\n';
    return 1;
  }
  std::ifstream file(argv[1], std::ios::binary);
  std::stringstream written;
  written << file.rdbuf();
  std::cout << written.str();
  if (written.str() != expected) {
    std::cerr << "consumer: the log holds\n" << written.str() << "instead of\n" << expected;
    return 1;
  }

  // An invalid event is an error naming its field, thrown from the library.
  try {
    (void)to_line(RunnerInstalled{.timestamp = 1, .flavor = "small", .duration = -1});
    std::cerr << "consumer: a negative duration was accepted\n";
    return 1;
  } catch (const ValidationError& e) {
    if (e.field() != "duration") {
      std::cerr << "consumer: the error names " << e.field() << ", not duration\n";
      return 1;
    }
  }
  return 0;
}
