// SPDX-License-Identifier: Apache-2.0
// Reading logs on every core into any aggregates (aggregate.hpp).
//
//   Summary summary({.by_flavor = true});
//   Timeline timeline({.window = {.by_flavor = true}});
//   std::vector<InvalidLine> invalid =
//       read_logs({"/var/log/github-runner-metrics.log"}, {.invalid_lines_kept = 10},
//                 summary, timeline);
//
// Large regular files are cut into byte ranges; each worker adds what it
// reads to copies of its own, made from the aggregates' options, and the
// copies are merged into the aggregates at the end. Aggregates merge exactly
// and in any order, so the result does not depend on how the work was divided.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/detail/read_files.hpp"
#include "runner_metrics/reader.hpp"

namespace runner_metrics {

/// How read_logs reads, whatever it reads into.
struct ReadOptions {
  /// How many of the first invalid lines to keep, in file order.
  std::size_t invalid_lines_kept = 0;
  /// Threads reading; 0 is one per core.
  unsigned workers = 0;
  /// A regular file larger than this is read as several ranges at once.
  std::uint64_t range_bytes = std::uint64_t{8} * 1024 * 1024;
  std::size_t max_line_bytes = ReaderOptions{}.max_line_bytes;
  /// Called on the calling thread about ten times a second while reading,
  /// and once at the end, with bytes read and the total size of the files
  /// (0 when unknown, e.g. a pipe).
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

/// An invalid line, as `validate` reports it.
struct InvalidLine {
  std::string path;
  std::uint64_t line = 0;  ///< 1-based, in the whole file.
  std::string field;       ///< May be empty.
  std::string problem;
};

/// Reads the files in order ("-" is standard input, read once, in sequence)
/// and adds every line to each of `aggregates`. Returns the first
/// invalid_lines_kept invalid lines, in file order. Throws ReadLogError if a
/// file cannot be read (the aggregates are then left as they were).
template <Aggregate... Aggregates>
std::vector<InvalidLine> read_logs(const std::vector<std::string>& paths,
                                   const ReadOptions& options, Aggregates&... aggregates) {
  std::deque<detail::Partials<Aggregates...>> partials;  // stay where they are as it grows
  std::vector<InvalidLine> invalid = detail::read_files(
      paths, options,
      [&](unsigned) -> detail::LineSink& { return partials.emplace_back(aggregates...); });
  for (auto& partial : partials) partial.merge_into(aggregates...);
  return invalid;
}

}  // namespace runner_metrics
