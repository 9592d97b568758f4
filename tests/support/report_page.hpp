// SPDX-License-Identifier: Apache-2.0
// Reading a report page in a test: its panels, what a chart's series say in
// the axis' own units, and its hover titles.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/markup.hpp"

namespace runner_metrics::testing {

struct PathPoint {
  bool move = false;  ///< Starts a new run (M), else continues it (L).
  double x = 0;
  double y = 0;
};

/// The points of an SVG path made of M, L and Z commands ("M1.5 2L3 4Z").
std::vector<PathPoint> path_points(const std::string& d);

/// A chart panel (figure.panel) and how to read its SVG back into values.
class ChartReader {
 public:
  /// `buckets`: how many buckets the x axis spans.
  ChartReader(const Element& panel, long buckets);

  /// The value at height y, from the y axis' tick labels (on a log axis,
  /// their data-value, interpolated in logs).
  double value_at(double y) const;
  /// The bucket (0-based, from the axis' first) whose centre is at x.
  long bucket_at(double x) const;
  /// Each point of the series named `name` as (bucket, value); empty when missing.
  std::map<long, double> series(const std::string& name) const;
  /// The hover title of each bucket that has one, without its first line (the time).
  std::map<long, std::string> titles() const;
  /// The names of the series drawn, in order.
  std::vector<std::string> series_names() const;

 private:
  const Element& panel_;
  long buckets_;
  double left_ = 0;
  double width_ = 0;
  bool log_ = false;
  std::vector<std::pair<double, double>> ticks_;  // (y, value), log10 of it on a log axis
};

}  // namespace runner_metrics::testing
