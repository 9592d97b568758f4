// SPDX-License-Identifier: Apache-2.0
#include "render/html/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "render/html/escape.hpp"
#include "render/html/time_labels.hpp"

namespace runner_metrics::html {

void coordinate(std::string& out, double value) {
  fmt::format_to(std::back_inserter(out), "{:.1f}", value);
}

void open_chart(std::string& out, std::string_view label, double height) {
  fmt::format_to(std::back_inserter(out),
                 R"(<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">)", kWidth,
                 height, escape(label));
}

namespace {

// The y axis' ticks: every step from 0 to top, or a log axis' own.
std::vector<YTick> y_ticks(const YScale& y) {
  if (y.log) return y.ticks;
  std::vector<YTick> ticks;
  const int from = static_cast<int>(std::lround(y.bottom / y.step));
  const int steps = static_cast<int>(std::lround(y.top / y.step));
  for (int i = from; i <= steps; ++i) {
    const double value = y.step * i;
    // Past a million, "2e+07" reads better than eight digits.
    ticks.push_back({value * y.unit, y.step >= 1e6 ? fmt::format("{:.3g}", value)
                                                   : fmt::format("{:.{}f}", value, y.decimals)});
  }
  return ticks;
}

}  // namespace

void draw_axes(std::string& out, const XScale& x, const YScale& y) {
  draw_axes(out, x, y, time_ticks(x));
}

void draw_axes(std::string& out, const XScale& x, const YScale& y,
               const std::vector<TimeTick>& ticks) {
  auto it = std::back_inserter(out);
  const std::vector<YTick> yticks = y_ticks(y);
  out += R"(<g class="grid">)";
  for (const YTick& tick : yticks) {
    const double py = y.y(tick.value);
    fmt::format_to(it, R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>)", kLeft,
                   kLeft + kPlotWidth, py, py);
  }
  for (const TimeTick& tick : ticks) {
    const double px = x.x_of_time(static_cast<double>(tick.at));
    fmt::format_to(it, R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}"/>)", px, px, kTop,
                   kTop + kPlotHeight);
  }
  fmt::format_to(it, R"(</g><g class="axis" data-scale="{}">)", y.log ? "log" : "linear");
  fmt::format_to(it, R"(<line x1="{}" x2="{}" y1="{}" y2="{}"/>)", kLeft, kLeft + kPlotWidth,
                 kTop + kPlotHeight, kTop + kPlotHeight);
  fmt::format_to(it, R"(<line x1="{}" x2="{}" y1="{}" y2="{}"/>)", kLeft, kLeft, kTop,
                 kTop + kPlotHeight);
  for (const YTick& tick : yticks) {
    // data-value: the tick's value in the axis' unit, for a reader of the page.
    fmt::format_to(it, R"(<text class="ytick" x="{}" y="{:.1f}" data-value="{}">{}</text>)",
                   kLeft - 6, y.y(tick.value) + 4, tick.value / y.unit, tick.label);
  }
  for (const TimeTick& tick : ticks) {
    const double px = x.x_of_time(static_cast<double>(tick.at));
    fmt::format_to(it, R"(<text class="xtick" x="{:.1f}" y="{}">{})", px, kTop + kPlotHeight + 16,
                   tick.label);
    if (!tick.second_line.empty()) {
      fmt::format_to(it, R"(<tspan x="{:.1f}" dy="14">{}</tspan>)", px, tick.second_line);
    }
    out += "</text>";
  }
  fmt::format_to(
      it, R"svg(<text class="ytitle" transform="translate(14 {:.1f}) rotate(-90)">{}</text>)svg",
      kTop + kPlotHeight / 2, escape(y.title));
  fmt::format_to(it, R"(<text class="xtitle" x="{}" y="{}">UTC</text>)", kLeft + kPlotWidth,
                 kHeight - 4);
  out += "</g>";
}

void draw_empty(std::string& out, std::string_view message) {
  fmt::format_to(std::back_inserter(out),
                 R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)"
                 R"(<text class="empty" x="{}" y="{}">{}</text>)",
                 kLeft, kTop, kPlotWidth, kPlotHeight, kLeft + kPlotWidth / 2,
                 kTop + kPlotHeight / 2, escape(message));
}

void draw_series(std::string& out, const XScale& x, const YScale& y, const Series& series,
                 bool dots) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, R"(<path class="series {}{}" data-series="{}" d=")", series.color,
                 series.emphasis ? " strong" : "", escape(series.name));
  const std::size_t n = series.values.size();
  std::vector<std::size_t> lonely;
  for (std::size_t i = 0; i < n; ++i) {
    if (!series.values[i]) continue;
    const bool starts = i == 0 || !series.values[i - 1];
    const bool ends = i + 1 == n || !series.values[i + 1];
    if (starts && ends) lonely.push_back(i);
    // Inside a run of equal values the line is straight: its ends suffice.
    if (!starts && !ends && *series.values[i - 1] == *series.values[i] &&
        *series.values[i + 1] == *series.values[i]) {
      continue;
    }
    out += starts ? 'M' : 'L';
    coordinate(out, x.center(x.first + static_cast<std::int64_t>(i)));
    out += ' ';
    coordinate(out, y.y(*series.values[i]));
  }
  out += R"("/>)";
  if (dots) {
    lonely.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (series.values[i]) lonely.push_back(i);
    }
  }
  for (const std::size_t i : lonely) {
    fmt::format_to(it, R"(<circle class="dot {}" cx="{:.1f}" cy="{:.1f}" r="3"/>)", series.color,
                   x.center(x.first + static_cast<std::int64_t>(i)), y.y(*series.values[i]));
  }
}

void draw_columns(std::string& out, const XScale& x, const YScale& y, const Series& series) {
  auto it = std::back_inserter(out);
  // A gap between columns while they are wide enough to keep one.
  const double gap = x.bucket_width() >= 6 ? std::min(x.bucket_width() * 0.2, 8.0) : 0;
  fmt::format_to(it, R"(<g class="columns {}" data-series="{}">)", series.color,
                 escape(series.name));
  for (std::size_t i = 0; i < series.values.size(); ++i) {
    if (!series.values[i] || *series.values[i] <= 0) continue;
    const std::int64_t key = x.first + static_cast<std::int64_t>(i);
    const double top = y.y(*series.values[i]);
    fmt::format_to(
        it, R"(<rect x="{:.1f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" data-value="{}"/>)",
        x.left(key) + gap / 2, top, x.bucket_width() - gap, kTop + kPlotHeight - top,
        *series.values[i]);
  }
  out += "</g>";
}

// The area between two series (min and max), run by run.
void draw_band(std::string& out, const XScale& x, const YScale& y, const Series& low,
               const Series& high) {
  out += R"(<path class="band" d=")";
  const std::size_t n = low.values.size();
  std::size_t i = 0;
  while (i < n) {
    if (!low.values[i]) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < n && low.values[end]) ++end;
    for (std::size_t j = i; j < end; ++j) {
      out += j == i ? 'M' : 'L';
      coordinate(out, x.center(x.first + static_cast<std::int64_t>(j)));
      out += ' ';
      coordinate(out, y.y(*high.values[j]));
    }
    for (std::size_t j = end; j-- > i;) {
      out += 'L';
      coordinate(out, x.center(x.first + static_cast<std::int64_t>(j)));
      out += ' ';
      coordinate(out, y.y(*low.values[j]));
    }
    out += 'Z';
    i = end;
  }
  out += R"("/>)";
}

// Hover targets: one column per bucket that has something to say, its title
// the bucket's time and exact values.
void draw_hover(std::string& out, const XScale& x,
                const std::vector<std::optional<std::string>>& titles) {
  auto it = std::back_inserter(out);
  out += R"(<g class="hover">)";
  for (std::size_t i = 0; i < titles.size(); ++i) {
    if (!titles[i]) continue;
    const std::int64_t key = x.first + static_cast<std::int64_t>(i);
    fmt::format_to(it, R"(<rect x="{:.1f}" y="{}" width="{:.2f}" height="{}"><title>)", x.left(key),
                   kTop, x.bucket_width(), kPlotHeight);
    escape_to(out, bucket_label(key * x.width, x.width));
    out += "\n";
    escape_to(out, *titles[i], true);  // a tooltip shows each value on a line
    out += "</title></rect>";
  }
  out += "</g>";
}

void legend(std::string& out, const std::vector<Series>& series) {
  out += R"(<span class="legend">)";
  for (const Series& s : series) {
    fmt::format_to(std::back_inserter(out),
                   R"(<span class="key"><i class="swatch {}"></i>{}</span>)", s.color,
                   escape(s.name));
  }
  out += "</span>";
}

void open_panel(std::string& out, const Panel& panel, const std::vector<Series>& series,
                bool empty) {
  fmt::format_to(std::back_inserter(out),
                 R"(<figure class="panel" id="{}" data-panel="{}" data-empty="{}"><figcaption>)"
                 R"(<span class="title">{}</span>)",
                 panel.id, panel.kind, empty ? "true" : "false", escape(panel.caption));
  if (!empty) legend(out, series);
  out += "</figcaption>";
  open_chart(out, panel.caption, panel.height);
}

void close_panel(std::string& out) { out += "</svg></figure>\n"; }

}  // namespace runner_metrics::html
