// SPDX-License-Identifier: Apache-2.0
// What reading one log line costs, next to the least any reader built on
// simdjson On-Demand could do with it.
//
//   BM_OnDemandFloor  simdjson On-Demand over the line: every member's key and
//                     value read once, nothing checked, nothing kept: the floor
//   BM_EventParser    EventParser(ParseRules::Log).read: format.md §7's rules, the event filled in
//   BM_SummaryAdd     Summary::add of an already parsed event: the aggregation
//
// The lines are what a fleet writes (the mix of bench/summary/generate_log.py:
// a reconciliation now and then, and each job's installed, start and stop),
// built in memory with the library's own serializer. After the run the ratio
// of BM_EventParser to BM_OnDemandFloor is printed. Defaults (overridable):
// --benchmark_repetitions=5 --benchmark_min_time=0.2
// --benchmark_display_aggregates_only=true
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/serialize.hpp"
#include "runner_metrics/summary.hpp"

namespace {

namespace rm = runner_metrics;
namespace od = simdjson::ondemand;

constexpr std::size_t kLines = 4096;

std::vector<rm::AnyEvent> fleet_events() {
  static const char* const kFlavors[] = {"small", "medium", "large", "arm64-large"};
  static const char* const kRepos[] = {"canonical/github-runner-operator", "canonical/lxd",
                                       "canonical/microk8s", "canonical/charmcraft"};
  static const char* const kStatuses[] = {"normal", "normal", "normal", "abnormal", "timeout"};
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> seconds(0.5, 3000.0);
  std::vector<rm::AnyEvent> events;
  double now = 1764000000.0;
  while (events.size() < kLines) {
    now += 0.4;
    const std::string flavor = kFlavors[random() % 4];
    const std::string repo = kRepos[random() % 4];
    if (events.size() % 40 == 0) {
      events.emplace_back(
          rm::Reconciliation{.timestamp = now,
                             .flavor = flavor,
                             .crashed_runners = 0,
                             .idle_runners = static_cast<std::int64_t>(random() % 30),
                             .duration = seconds(random)});
    }
    events.emplace_back(
        rm::RunnerInstalled{.timestamp = now, .flavor = flavor, .duration = seconds(random)});
    events.emplace_back(rm::RunnerStart{.timestamp = now + 1,
                                        .flavor = flavor,
                                        .workflow = "Integration tests",
                                        .repo = repo,
                                        .github_event = "pull_request",
                                        .idle = seconds(random),
                                        .queue_duration = seconds(random)});
    events.emplace_back(rm::RunnerStop{.timestamp = now + 2,
                                       .flavor = flavor,
                                       .workflow = "Integration tests",
                                       .repo = repo,
                                       .github_event = "pull_request",
                                       .status = kStatuses[random() % 5],
                                       .job_duration = seconds(random)});
  }
  events.resize(kLines);
  return events;
}

const std::vector<std::string>& fleet_lines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> result;
    for (const rm::AnyEvent& event : fleet_events()) {
      std::string line = std::visit([](const auto& e) { return rm::to_line(e); }, event);
      line.pop_back();  // the "\n": readers hand lines over without it
      result.push_back(std::move(line));
    }
    return result;
  }();
  return lines;
}

// Every value read as what it is; the sum keeps the reads from being dropped.
double read_all(od::object object) {
  double sink = 0;
  for (auto member : object) {
    od::field field;
    std::string_view key;
    if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key)) {
      return -1;
    }
    sink += static_cast<double>(key.size());
    od::value value = field.value();
    od::json_type type{};
    if (value.type().get(type)) return -1;
    if (type == od::json_type::number) {
      double number = 0;
      if (value.get_double().get(number)) return -1;
      sink += number;
    } else if (type == od::json_type::string) {
      std::string_view text;
      if (value.get_string().get(text)) return -1;
      sink += static_cast<double>(text.size());
    }
  }
  return sink;
}

void BM_OnDemandFloor(benchmark::State& state) {
  const auto& lines = fleet_lines();
  // Each line copied once into a padded buffer, as EventParser does.
  std::string buffer;
  od::parser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ % lines.size()];
    buffer.assign(line);
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    od::document doc;
    od::object object;
    if (parser.iterate(buffer.data(), line.size(), buffer.size()).get(doc) ||
        doc.get_object().get(object)) {
      state.SkipWithError("the floor could not parse a line");
      return;
    }
    benchmark::DoNotOptimize(read_all(object));
  }
}
BENCHMARK(BM_OnDemandFloor);

void BM_DomFloor(benchmark::State& state) {
  const auto& lines = fleet_lines();
  std::string buffer;
  simdjson::dom::parser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ % lines.size()];
    buffer.assign(line);
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::object object;
    if (parser.parse(buffer.data(), line.size(), false).get(object)) {
      state.SkipWithError("the floor could not parse a line");
      return;
    }
    double sink = 0;
    for (auto [key, value] : object) {
      sink += static_cast<double>(key.size());
      double number = 0;
      std::string_view text;
      if (value.get_double().get(number) == simdjson::SUCCESS)
        sink += number;
      else if (value.get_string().get(text) == simdjson::SUCCESS)
        sink += static_cast<double>(text.size());
    }
    benchmark::DoNotOptimize(sink);
  }
}
BENCHMARK(BM_DomFloor);

void BM_EventParser(benchmark::State& state) {
  const auto& lines = fleet_lines();
  rm::EventParser parser(rm::ParseRules::Log);
  std::size_t i = 0;
  for (auto _ : state) {
    const rm::ParsedLine& parsed = parser.read(lines[i++ % lines.size()]);
    if (parsed.kind != rm::ParsedLine::Kind::Event) {
      state.SkipWithError("EventParser refused a line of the library's own");
      return;
    }
    benchmark::DoNotOptimize(&parsed);
  }
}
BENCHMARK(BM_EventParser);

void BM_SummaryAdd(benchmark::State& state) {
  const std::vector<rm::AnyEvent> events = fleet_events();
  rm::Summary summary;
  std::size_t i = 0;
  for (auto _ : state) {
    summary.add(events[i % events.size()], rm::LogPosition{.file = 0, .offset = i});
    ++i;
  }
  benchmark::DoNotOptimize(summary.lines());
}
BENCHMARK(BM_SummaryAdd);

// Keeps each benchmark's median for the ratio printed at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.aggregate_name == "median")
        medians_[run.run_name.function_name] = run.GetAdjustedRealTime();
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const double floor = medians_["BM_OnDemandFloor"];
    if (floor <= 0 || medians_.count("BM_EventParser") == 0) return;
    std::printf("\nEventParser / On-Demand floor = %.2f (medians, same run)\n",
                medians_["BM_EventParser"] / floor);
  }

 private:
  std::map<std::string, double> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=5";
  std::string min_time = "--benchmark_min_time=0.2";
  std::string aggregates = "--benchmark_display_aggregates_only=true";
  args.insert(args.begin() + 1, {repetitions.data(), min_time.data(), aggregates.data()});
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
