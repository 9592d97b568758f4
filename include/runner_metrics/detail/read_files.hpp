// SPDX-License-Identifier: Apache-2.0
// The machinery under read_logs (read_logs.hpp): the reading itself is not a
// template; each worker hands its lines to a LineSink, and the template
// Partials holds one worker's copies of the caller's aggregates.
#pragma once

#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "runner_metrics/aggregate.hpp"

namespace runner_metrics {

struct ReadOptions;
struct InvalidLine;

namespace detail {

/// Where one worker hands every line it reads; used by that worker only.
class LineSink {
 public:
  LineSink() = default;
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;
  virtual ~LineSink() = default;
  virtual void add(const ParsedLine& line, LogPosition position) = 0;
};

/// Reads `paths` on options.workers threads. `sink_for_worker` is called on
/// the calling thread before reading starts, once for each worker (0, 1,
/// ...); worker w then hands every line it reads to that sink, on its own
/// thread only.
std::vector<InvalidLine> read_files(
    const std::vector<std::string>& paths, const ReadOptions& options,
    const std::function<LineSink&(unsigned worker)>& sink_for_worker);

/// One worker's aggregates, made empty with the options of the caller's.
template <class... Aggregates>
class Partials final : public LineSink {
 public:
  explicit Partials(const Aggregates&... given) : parts_(Aggregates(given.options())...) {}

  void add(const ParsedLine& line, LogPosition position) override {
    std::apply([&](auto&... part) { (part.add(line, position), ...); }, parts_);
  }

  /// Merges each part into the aggregate it was made from, leaving it empty.
  void merge_into(Aggregates&... given) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (given.merge(std::move(std::get<I>(parts_))), ...);
    }
    (std::index_sequence_for<Aggregates...>{});
  }

 private:
  std::tuple<Aggregates...> parts_;
};

}  // namespace detail
}  // namespace runner_metrics
