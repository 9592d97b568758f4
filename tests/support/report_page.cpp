// SPDX-License-Identifier: Apache-2.0
#include "support/report_page.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace runner_metrics::testing {

std::vector<PathPoint> path_points(const std::string& d) {
  std::vector<PathPoint> points;
  const char* p = d.c_str();
  while (*p != '\0') {
    const char command = *p++;
    if (command == 'Z') continue;
    if (command != 'M' && command != 'L') throw std::runtime_error("path command " + d);
    char* end = nullptr;
    const double x = std::strtod(p, &end);
    p = end;
    const double y = std::strtod(p, &end);
    p = end;
    points.push_back({command == 'M', x, y});
  }
  return points;
}

namespace {
double number(const Element& element, const char* key) {
  return std::stod(element.attribute(key).value());
}
}  // namespace

ChartReader::ChartReader(const Element& panel, long buckets) : panel_(panel), buckets_(buckets) {
  const auto axes = panel.with_class("g", "axis");
  if (axes.empty()) throw std::runtime_error("the panel has no axis");
  const Element& x_axis = *axes[0]->find_all("line").at(0);
  left_ = number(x_axis, "x1");
  width_ = number(x_axis, "x2") - left_;
  log_ = axes[0]->attribute("data-scale") == "log";
  for (const Element* tick : panel.with_class("text", "ytick")) {
    // A log axis labels its ticks "1 min"; data-value has the number.
    const double value =
        tick->attribute("data-value") ? number(*tick, "data-value") : std::stod(tick->text());
    ticks_.emplace_back(number(*tick, "y") - 4, log_ ? std::log10(value) : value);
  }
  if (ticks_.size() < 2) throw std::runtime_error("the panel has fewer than two y ticks");
}

double ChartReader::value_at(double y) const {
  const auto& [y0, v0] = ticks_.front();
  const auto& [y1, v1] = ticks_.back();
  const double at = v0 + (y - y0) * (v1 - v0) / (y1 - y0);
  return log_ ? std::pow(10.0, at) : at;
}

long ChartReader::bucket_at(double x) const {
  const double bucket = width_ / static_cast<double>(buckets_);
  return std::lround((x - left_) / bucket - 0.5);
}

std::map<long, double> ChartReader::series(const std::string& name) const {
  std::map<long, double> out;
  for (const Element* path : panel_.find_all("path", "data-series", name)) {
    for (const PathPoint& point : path_points(path->attribute("d").value())) {
      out[bucket_at(point.x)] = value_at(point.y);
    }
  }
  return out;
}

std::map<long, std::string> ChartReader::titles() const {
  std::map<long, std::string> out;
  for (const Element* hover : panel_.with_class("g", "hover")) {
    for (const Element* rect : hover->find_all("rect")) {
      const double x = number(*rect, "x") + number(*rect, "width") / 2;
      const std::string text = rect->find_all("title").at(0)->text();
      out[bucket_at(x)] = text.substr(text.find('\n') + 1);
    }
  }
  return out;
}

std::vector<std::string> ChartReader::series_names() const {
  std::vector<std::string> names;
  for (const Element* path : panel_.with_class("path", "series")) {
    names.push_back(path->attribute("data-series").value_or(""));
  }
  return names;
}

}  // namespace runner_metrics::testing
