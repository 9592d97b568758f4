// SPDX-License-Identifier: Apache-2.0
#include "render/html/panels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <utility>
#include <vector>

#include "render/html/svg_chart.hpp"
#include "render/html/time_labels.hpp"
#include "render/summary_format.hpp"

namespace runner_metrics::html {

using detail::human_duration;

namespace {

const TimelineBucket* bucket_at(const TimelineGroup* group, std::int64_t key) {
  if (group == nullptr) return nullptr;
  const auto it = group->buckets.find(key);
  return it == group->buckets.end() ? nullptr : &it->second;
}

// "idle_runners_last" → "idle runners": a line's name in the legend.
std::string gauge_name(const GaugeMeasure& gauge) {
  std::string_view key = gauge.key;
  if (key.ends_with("_last")) key.remove_suffix(5);
  std::string name(key);
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
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

void runners_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                   const std::optional<XScale>& x) {
  // One line per gauge (GAUGES), each flavor's latest value so far, summed;
  // then the gap, expected − (idle + active), where the flavors carry all three.
  std::vector<Series> series;
  std::vector<std::vector<std::optional<double>>> values;
  for (const GaugeMeasure& gauge : GAUGES) {
    series.push_back(
        {gauge_name(gauge), fmt::format("c{}", series.size() + 1), {}, series.empty()});
    values.emplace_back();
    if (!x || group == nullptr) continue;
    for (const auto& v : group->gauge(gauge.gauge, x->first, x->last)) {
      values.back().push_back(v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt);
    }
  }
  if (x && group != nullptr) {
    std::vector<std::optional<double>> gap;
    for (const auto& v : group->gap(x->first, x->last)) {
      gap.push_back(v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt);
    }
    if (std::any_of(gap.begin(), gap.end(), [](const auto& v) { return v.has_value(); })) {
      series.push_back({"gap: expected \u2212 (idle + active)", "c4", {}});
      values.push_back(std::move(gap));
    }
  }
  // Only what some reconciliation carried gets a line and a legend.
  for (std::size_t s = series.size(); s-- > 0;) {
    if (std::none_of(values[s].begin(), values[s].end(), [](const auto& v) { return v; })) {
      series.erase(series.begin() + static_cast<std::ptrdiff_t>(s));
      values.erase(values.begin() + static_cast<std::ptrdiff_t>(s));
    }
  }
  const bool empty = series.empty();
  open_panel(out, {id + "-runners", "runners", "Runners after each reconciliation"}, series, empty);
  if (empty) {
    draw_empty(out, "No reconciliations in this time range");
    close_panel(out);
    return;
  }
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  double min = 0;
  for (std::size_t i = 0; i < values.front().size(); ++i) {
    std::string title;
    for (std::size_t s = 0; s < series.size(); ++s) {
      const auto& v = values[s][i];
      series[s].values.push_back(v);
      if (!v) continue;
      max = std::max(max, *v);
      min = std::min(min, *v);
      fmt::format_to(std::back_inserter(title), "{}{}: {:.0f}", title.empty() ? "" : "\n",
                     series[s].name, *v);
    }
    if (title.empty()) {
      titles.emplace_back();
      continue;
    }
    const TimelineBucket* bucket = bucket_at(group, x->first + static_cast<std::int64_t>(i));
    fmt::format_to(std::back_inserter(title), "\nreconciliations in this bucket: {}",
                   bucket ? bucket->counts.reconciliation : 0);
    titles.emplace_back(std::move(title));
  }
  // The gap can be negative (more runners than expected): the axis goes below 0.
  const YScale y = count_scale(max, "runners", min);
  draw_axes(out, *x, y);
  for (const Series& s : series) draw_series(out, *x, y, s, x->buckets() <= 60);
  draw_hover(out, *x, titles);
  close_panel(out);
}

void jobs_per_day_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                        const Timeline& timeline) {
  // The COUNTS row of jobs started (runner_start), per UTC day.
  const CountMeasure* jobs = nullptr;
  for (const CountMeasure& count : COUNTS) {
    if (count.key == "runner_start") jobs = &count;
  }
  const std::int64_t day = timeline.day_interval();
  const std::string per = day == 86400 ? "day" : interval_label(day);
  const std::string caption = fmt::format("Jobs per {} (runner_start, UTC)", per);
  const bool empty = group == nullptr || !timeline.first_timestamp() ||
                     std::none_of(group->days.begin(), group->days.end(),
                                  [&](const auto& d) { return d.second.*jobs->member > 0; });
  open_panel(out, {id + "-jobs-per-day", "jobs-per-day", caption},
             {{std::string(jobs->chart), "c1", {}}}, empty);
  if (empty) {
    draw_empty(out, "No jobs started in this time range");
    close_panel(out);
    return;
  }
  const std::int64_t first =
      static_cast<std::int64_t>(std::floor(*timeline.first_timestamp())) / day;
  const std::int64_t last = static_cast<std::int64_t>(std::floor(*timeline.last_timestamp())) / day;
  const XScale x{first, last, day};
  std::vector<std::optional<double>> bars;
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  for (std::int64_t key = first; key <= last; ++key) {
    const auto it = group->days.find(key);
    const EventCounts counts = it == group->days.end() ? EventCounts{} : it->second;
    const auto n = static_cast<double>(counts.*jobs->member);
    bars.emplace_back(n);
    max = std::max(max, n);
    std::string title = fmt::format("{}: {}", jobs->label, counts.*jobs->member);
    for (const CountMeasure& count : COUNTS) {
      if (&count == jobs) continue;
      fmt::format_to(std::back_inserter(title), "\n{}: {}", count.label, counts.*count.member);
    }
    titles.emplace_back(std::move(title));
  }
  // A date under its column (the first of each few when there are many).
  std::vector<TimeTick> ticks;
  const std::int64_t every = (x.buckets() + 7) / 8;
  for (std::int64_t key = first; key <= last; key += every) {
    ticks.push_back({key * day + day / 2, date_label(civil(key * day)), {}});
  }
  const YScale y = count_scale(max, "jobs / " + per);
  draw_axes(out, x, y, ticks);
  draw_columns(out, x, y, {std::string(jobs->chart), "c1", std::move(bars)});
  draw_hover(out, x, titles);
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
                    const std::optional<XScale>& x, const DurationMeasure& duration,
                    std::uint64_t unknown) {
  struct Line {
    const char* name;
    const char* color;
    double q;  // the quantile; 1 is the max, exact
  };
  static constexpr std::array<Line, 4> kLines = {
      {{"p50", "c2", 0.5}, {"p95", "c1", 0.95}, {"p99", "c3", 0.99}, {"max", "c4", 1}}};
  std::vector<Series> series;
  series.reserve(kLines.size());
  for (const Line& line : kLines) {
    series.push_back({line.name, line.color, {}, std::string_view(line.name) == "p95"});
  }
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  double min_positive = 0;
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
      const BucketStats& stats = bucket->durations[duration.measure];
      std::string title = fmt::format("count: {}", stats.count());
      for (std::size_t l = 0; l < kLines.size(); ++l) {
        const double value = kLines[l].q == 1 ? stats.max() : stats.quantile(kLines[l].q);
        series[l].values.emplace_back(value);
        if (value > 0 && (min_positive == 0 || value < min_positive)) min_positive = value;
        fmt::format_to(std::back_inserter(title), "\n{}: {}", kLines[l].name,
                       kLines[l].q == 1 ? exact_duration(value) : human_duration(value));
      }
      max = std::max(max, stats.max());
      fmt::format_to(std::back_inserter(title), "\nmin: {}\navg: {}", exact_duration(stats.min()),
                     exact_duration(stats.avg()));
      titles.emplace_back(std::move(title));
    }
  }
  open_panel(out,
             {fmt::format("{}-duration-{}", id, duration.key),
              fmt::format("duration-{}", duration.key), std::string(duration.caption)},
             series, !any);
  if (!any) {
    // "No installations" would deny the installations whose duration a
    // writer did not know.
    draw_empty(out, unknown == 0 ? fmt::format("{} in this time range", duration.nothing)
                                 : fmt::format("No known values in this time range ({} unknown, "
                                               "given as Infinity)",
                                               unknown));
    close_panel(out);
    return;
  }
  // Durations of a bucket often span decades (a 5 s job beside a 5 h one):
  // then a log axis, so p50 is not flattened against the bottom.
  const YScale y = duration_scale(min_positive, max);
  draw_axes(out, *x, y);
  const bool dots = x->buckets() <= 60;
  for (const Series& s : series) draw_series(out, *x, y, s, dots);
  draw_hover(out, *x, titles);
  close_panel(out);
}

}  // namespace runner_metrics::html
