// SPDX-License-Identifier: Apache-2.0
#include "render/html/panels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>
#include <vector>

#include "render/html/svg_chart.hpp"
#include "render/html/time_labels.hpp"

namespace runner_metrics::html {

namespace {

const TimelineBucket* bucket_at(const TimelineGroup* group, std::int64_t key) {
  if (group == nullptr) return nullptr;
  const auto it = group->buckets.find(key);
  return it == group->buckets.end() ? nullptr : &it->second;
}

}  // namespace

void lifecycle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                     const std::optional<XScale>& x) {
  const std::string caption =
      x ? fmt::format("Runner lifecycle: events per {}", interval_label(x->width))
        : std::string("Runner lifecycle");
  std::vector<Series> series;
  std::vector<const CountMeasure*> charted;  // the COUNTS rows drawn, each a colour
  for (const CountMeasure& count : COUNTS) {
    if (count.chart.empty()) continue;
    charted.push_back(&count);
    series.push_back({std::string(count.chart), fmt::format("c{}", charted.size()), {}});
  }
  const bool empty = !x || group == nullptr;
  open_panel(out, {id + "-lifecycle", "lifecycle", caption}, series, empty);
  if (empty) {
    draw_empty(out, "No runner events in this time range");
    close_panel(out);
    return;
  }
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  for (std::int64_t key = x->first; key <= x->last; ++key) {
    const TimelineBucket* bucket = bucket_at(group, key);
    const EventCounts counts = bucket ? bucket->counts : EventCounts{};
    std::string title;
    for (std::size_t s = 0; s < charted.size(); ++s) {
      const std::uint64_t value = counts.*charted[s]->member;
      series[s].values.emplace_back(static_cast<double>(value));
      max = std::max(max, static_cast<double>(value));
      fmt::format_to(std::back_inserter(title), "{}{}: {}", s == 0 ? "" : "\n", charted[s]->chart,
                     value);
    }
    if (bucket == nullptr) {
      titles.emplace_back();
    } else {
      titles.emplace_back(std::move(title));
    }
  }
  const YScale y = count_scale(max, "events / " + interval_label(x->width));
  draw_axes(out, *x, y);
  const bool dots = x->buckets() <= 60;
  for (const Series& s : series) draw_series(out, *x, y, s, dots);
  draw_hover(out, *x, titles);
  close_panel(out);
}

void idle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                const std::optional<XScale>& x) {
  std::vector<Series> series = {{"idle runners", "c1", {}, true}};
  std::vector<std::optional<std::uint64_t>> idle;
  if (x && group != nullptr) idle = group->idle_runners(x->first, x->last);
  const bool empty = std::none_of(idle.begin(), idle.end(), [](const auto& v) { return v; });
  open_panel(out, {id + "-idle-runners", "idle-runners", "Idle runners after each reconciliation"},
             series, empty);
  if (empty) {
    draw_empty(out, "No reconciliations in this time range");
    close_panel(out);
    return;
  }
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  for (std::size_t i = 0; i < idle.size(); ++i) {
    if (!idle[i]) {
      series[0].values.emplace_back();
      titles.emplace_back();
      continue;
    }
    series[0].values.emplace_back(static_cast<double>(*idle[i]));
    max = std::max(max, static_cast<double>(*idle[i]));
    const TimelineBucket* bucket = bucket_at(group, x->first + static_cast<std::int64_t>(i));
    const std::uint64_t passes = bucket ? bucket->counts.reconciliation : 0;
    titles.emplace_back(
        fmt::format("idle runners: {}\nreconciliations in this bucket: {}", *idle[i], passes));
  }
  const YScale y = count_scale(max, "runners");
  draw_axes(out, *x, y);
  draw_series(out, *x, y, series[0], x->buckets() <= 60);
  draw_hover(out, *x, titles);
  close_panel(out);
}

const std::array<const DurationMeasure*, DURATIONS.size()>& durations_in_report_order() {
  static const auto order = [] {
    std::array<const DurationMeasure*, DURATIONS.size()> rows{};
    for (const DurationMeasure& row : DURATIONS) rows[row.report_position] = &row;
    return rows;
  }();
  return order;
}

void duration_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                    const std::optional<XScale>& x, const DurationMeasure& duration) {
  std::vector<Series> series = {{"max", "c4", {}}, {"avg", "c1", {}, true}, {"min", "c2", {}}};
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  bool any = false;
  if (x && group != nullptr) {
    for (std::int64_t key = x->first; key <= x->last; ++key) {
      const TimelineBucket* bucket = bucket_at(group, key);
      if (bucket == nullptr || bucket->durations[duration.measure].count() == 0) {
        for (Series& s : series) s.values.emplace_back();
        titles.emplace_back();
        continue;
      }
      any = true;
      const MinAvgMax& stats = bucket->durations[duration.measure];
      series[0].values.emplace_back(stats.max());
      series[1].values.emplace_back(stats.avg());
      series[2].values.emplace_back(stats.min());
      max = std::max(max, stats.max());
      titles.emplace_back(fmt::format("count: {}\nmin: {}\navg: {}\nmax: {}", stats.count(),
                                      exact_duration(stats.min()), exact_duration(stats.avg()),
                                      exact_duration(stats.max())));
    }
  }
  open_panel(out,
             {fmt::format("{}-duration-{}", id, duration.key),
              fmt::format("duration-{}", duration.key), std::string(duration.caption)},
             series, !any);
  if (!any) {
    draw_empty(out, fmt::format("{} in this time range", duration.nothing));
    close_panel(out);
    return;
  }
  const YScale y = duration_scale(max);
  draw_axes(out, *x, y);
  draw_band(out, *x, y, series[2], series[0]);
  const bool dots = x->buckets() <= 60;
  for (const Series& s : series) draw_series(out, *x, y, s, dots);
  draw_hover(out, *x, titles);
  close_panel(out);
}

}  // namespace runner_metrics::html
