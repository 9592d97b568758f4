// SPDX-License-Identifier: Apache-2.0
#include "render/html/bar_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "aggregate/fleet_tally.hpp"
#include "render/html/escape.hpp"
#include "render/html/svg_chart.hpp"

namespace runner_metrics::html {

namespace {

constexpr double kRow = 24;
constexpr double kBarTop = 8;
constexpr double kLabelRight = 292;  // labels end here, right-aligned
constexpr double kBarLeft = 300;
constexpr double kValueSpace = 150;  // right of the longest bar: "123456 (12.3%)"
constexpr std::size_t kLabelChars = 38;

// At most kLabelChars characters (code points), an ellipsis for the rest.
std::string shortened(std::string_view text) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts && ++chars > kLabelChars) return std::string(text.substr(0, i)) + "\u2026";
  }
  return std::string(text);
}

}  // namespace

void breakdown_panel(std::string& out, const Breakdown& breakdown, std::vector<Bar> bars,
                     std::uint64_t folded) {
  std::uint64_t total = folded;
  for (const Bar& bar : bars) total = detail::saturating_add(total, bar.count);
  // The largest first; ties by label, so the page is the same every time.
  std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
    return a.count != b.count ? a.count > b.count : a.label < b.label;
  });
  // The bars past the first BREAKDOWN_BARS - 1, and what was folded, in one.
  const std::size_t kept =
      bars.size() + (folded > 0 ? 1 : 0) > BREAKDOWN_BARS ? BREAKDOWN_BARS - 1 : bars.size();
  std::uint64_t rest = folded;
  for (std::size_t i = kept; i < bars.size(); ++i)
    rest = detail::saturating_add(rest, bars[i].count);
  const std::size_t rest_values = bars.size() - kept;
  bars.resize(kept);
  std::size_t other = bars.size();  // the index of the "other" bar, if any
  if (rest > 0 || rest_values > 0) {
    // What the summary folded past --max-label-values has no values to count.
    bars.push_back({rest_values == 0 ? std::string("other")
                    : folded == 0    ? fmt::format("other ({} more)", rest_values)
                                  : fmt::format("other ({} more, and past the cap)", rest_values),
                    rest});
  }
  const bool empty = bars.empty();
  const double height = empty ? kHeight : kBarTop * 2 + kRow * static_cast<double>(bars.size());
  // No legend: the caption says what the bars count.
  open_panel(out, {breakdown.id, breakdown.kind, breakdown.caption, height}, {}, empty);
  if (empty) {
    draw_empty(out, breakdown.nothing);
    close_panel(out);
    return;
  }
  std::uint64_t largest = 0;
  for (const Bar& bar : bars) largest = std::max(largest, bar.count);
  const double scale =
      (kWidth - kBarLeft - kValueSpace) / static_cast<double>(std::max<std::uint64_t>(largest, 1));
  auto it = std::back_inserter(out);
  out += R"(<g class="bars">)";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const double top = kBarTop + kRow * static_cast<double>(i);
    const double length = std::max(static_cast<double>(bar.count) * scale, bar.count > 0 ? 1.0 : 0);
    const double share =
        total == 0 ? 0 : 100.0 * static_cast<double>(bar.count) / static_cast<double>(total);
    fmt::format_to(it, R"(<g class="row{}" data-bar=")", i == other ? " other" : "");
    escape_to(out, bar.label);
    fmt::format_to(it, R"(" data-value="{}"><title>)", bar.count);
    escape_to(out, bar.label);
    fmt::format_to(it, ": {} ({:.1f}%)</title>", bar.count, share);
    fmt::format_to(it, R"(<text class="label" x="{}" y="{:.1f}">)", kLabelRight,
                   top + kRow / 2 + 4);
    escape_to(out, shortened(bar.label));
    fmt::format_to(it,
                   R"(</text><rect class="bar c1" x="{}" y="{:.1f}" width="{:.1f}" height="{}"/>)"
                   R"(<text class="value" x="{:.1f}" y="{:.1f}">{} ({:.1f}%)</text></g>)",
                   kBarLeft, top + 4, length, kRow - 8, kBarLeft + length + 6, top + kRow / 2 + 4,
                   bar.count, share);
  }
  out += "</g>";
  close_panel(out);
}

}  // namespace runner_metrics::html
