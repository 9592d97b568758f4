// SPDX-License-Identifier: Apache-2.0
// Drawing a chart as inline SVG: axes, series (lines with gaps), the band
// between two series, hover targets with each bucket's exact values, and the
// panel (a figure with a caption and legend) around it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render/html/scales.hpp"

namespace runner_metrics::html {

void coordinate(std::string& out, double value);
void open_chart(std::string& out, std::string_view label, double height = kHeight);
/// Axes with ticks at round times (time_ticks), or at `xticks`.
void draw_axes(std::string& out, const XScale& x, const YScale& y);
void draw_axes(std::string& out, const XScale& x, const YScale& y,
               const std::vector<TimeTick>& xticks);
/// The plot's frame with `message` in it, for a chart with nothing to draw.
void draw_empty(std::string& out, std::string_view message);

// One series: a value (or none) per bucket from x.first; runs of values are
// joined, gaps left open, and a point with no neighbour gets a dot.
struct Series {
  std::string name;   // data-series, and the legend's text
  std::string color;  // c1 ... c4
  std::vector<std::optional<double>> values;
  bool emphasis = false;
};

/// `dots`: a dot on every point, not only on points with no neighbour.
void draw_series(std::string& out, const XScale& x, const YScale& y, const Series& series,
                 bool dots);
/// One column per bucket with a value, from 0 up to it (a value of 0 draws nothing).
void draw_columns(std::string& out, const XScale& x, const YScale& y, const Series& series);
/// The area between two series (min and max), run by run.
void draw_band(std::string& out, const XScale& x, const YScale& y, const Series& low,
               const Series& high);
/// Hover targets: one column per bucket that has something to say, its title
/// the bucket's time and exact values.
void draw_hover(std::string& out, const XScale& x,
                const std::vector<std::optional<std::string>>& titles);
void legend(std::string& out, const std::vector<Series>& series);

struct Panel {
  std::string id;           // unique in the page
  std::string kind;         // data-panel
  std::string caption;      // what it shows
  double height = kHeight;  // of the SVG's viewBox
};

void open_panel(std::string& out, const Panel& panel, const std::vector<Series>& series,
                bool empty);
void close_panel(std::string& out);

}  // namespace runner_metrics::html
