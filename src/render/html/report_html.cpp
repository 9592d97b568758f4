// SPDX-License-Identifier: Apache-2.0
// The report page: a renderer of the report's Summary and Timeline, drawing
// its own SVG. Nothing in the page is fetched or run: inline CSS (light, dark
// and print), inline SVG, no script, and a Content-Security-Policy that says
// so. Every piece of text that came from the log or the command line goes
// through escape().
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate/fleet_tally.hpp"
#include "render/summary_format.hpp"
#include "runner_metrics/report.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics {

namespace {

using detail::human_duration;
using detail::iso8601;

// The page is handed on in pieces of about this size.
constexpr std::size_t kChunkBytes = detail::TEXT_CHUNK_BYTES;

// ---- Text --------------------------------------------------------------------

// Text as HTML character data or an attribute value: markup characters as
// references, and control characters (which HTML forbids) as a visible \uXXXX.
void escape_to(std::string& out, std::string_view text, bool keep_newlines = false) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_newlines) {
      out += '\n';
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else if (c == 0xc2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) < 0xa0) {
          // U+0080 to U+009F, the C1 controls (the text is valid UTF-8).
          fmt::format_to(std::back_inserter(out), "\\u{:04x}",
                         static_cast<unsigned char>(text[++i]));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

std::string escape(std::string_view text) {
  std::string out;
  escape_to(out, text);
  return out;
}

std::string python_float(double value) {
  std::string out;
  detail::append_python_float(out, value);
  return out;
}

// Seconds exactly as the log would write them, and for people: "5400.0 s (1.50 h)".
std::string exact_duration(double seconds) {
  std::string text = python_float(seconds) + " s";
  if (seconds >= 60) text += " (" + human_duration(seconds) + ")";
  return text;
}

struct Civil {
  int year;
  unsigned month, day;
  long hour, minute;
};

Civil civil(std::int64_t seconds) {
  using namespace std::chrono;
  const sys_seconds time{std::chrono::seconds{seconds}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  return {int{date.year()}, unsigned{date.month()}, unsigned{date.day()}, clock.hours().count(),
          clock.minutes().count()};
}

std::string date_label(const Civil& c) {
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

// "2026-11-25 14:00 – 14:05 UTC", a bucket's time for a hover title.
std::string bucket_label(std::int64_t start, std::int64_t width) {
  const Civil a = civil(start);
  const Civil b = civil(start + width);
  const std::string from = fmt::format("{} {:02}:{:02}", date_label(a), a.hour, a.minute);
  if (width % 60 != 0) {
    return fmt::format("{}:{:02} + {} s UTC", from, start % 60, width);
  }
  if (a.year == b.year && a.month == b.month && a.day == b.day) {
    return fmt::format("{} \u2013 {:02}:{:02} UTC", from, b.hour, b.minute);
  }
  return fmt::format("{} \u2013 {} {:02}:{:02} UTC", from, date_label(b), b.hour, b.minute);
}

// A span of time for people: "45 s", "12.5 min", "6.00 h", "2.4 days".
std::string span_label(double seconds) {
  if (seconds < 2 * 86400) return human_duration(seconds);
  return fmt::format("{:.1f} days", seconds / 86400);
}

// ---- Scales ------------------------------------------------------------------

constexpr double kWidth = 1120;
constexpr double kHeight = 280;
constexpr double kLeft = 64;
constexpr double kRight = 20;
constexpr double kTop = 14;
constexpr double kBottom = 46;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;

// A y axis from 0 to `top`, ticks every `step`, in `unit` seconds (1 for counts).
struct YScale {
  double top = 1;
  double step = 1;
  int decimals = 0;
  double unit = 1;
  std::string title;

  double y(double value) const { return kTop + kPlotHeight * (1 - value / unit / top); }
};

// 1, 2 or 5 times a power of ten, so that about five steps reach `max`.
YScale nice_scale(double max, bool whole) {
  YScale scale;
  if (!(max > 0)) return scale;
  const double rough = max / 5;
  int exponent = static_cast<int>(std::floor(std::log10(rough)));
  double mantissa = 1;
  const double base = std::pow(10.0, exponent);
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    mantissa = m;
    if (m * base >= rough) break;
  }
  if (mantissa == 10) {
    mantissa = 1;
    ++exponent;
  }
  scale.step = mantissa * std::pow(10.0, exponent);
  if (whole && scale.step < 1) {
    scale.step = 1;
    exponent = 0;
  }
  scale.decimals = std::min(std::max(0, -exponent), 6);
  scale.top = std::ceil(max / scale.step - 1e-9) * scale.step;
  return scale;
}

YScale count_scale(double max, std::string title) {
  YScale scale = nice_scale(max, true);
  scale.title = std::move(title);
  return scale;
}

YScale duration_scale(double max_seconds) {
  max_seconds = std::max(max_seconds, 0.001);  // a millisecond at least: readable ticks
  double unit = 1;
  std::string title = "seconds";
  if (max_seconds >= 7200) {
    unit = 3600;
    title = "hours";
  } else if (max_seconds >= 120) {
    unit = 60;
    title = "minutes";
  }
  YScale scale = nice_scale(max_seconds / unit, false);
  scale.unit = unit;
  scale.title = std::move(title);
  return scale;
}

// The x axis: buckets first..last, each kPlotWidth / n wide.
struct XScale {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t width = 60;  // seconds per bucket

  std::int64_t buckets() const { return last - first + 1; }
  double bucket_width() const { return kPlotWidth / static_cast<double>(buckets()); }
  double left(std::int64_t key) const {
    return kLeft + static_cast<double>(key - first) * bucket_width();
  }
  double center(std::int64_t key) const { return left(key) + bucket_width() / 2; }
  double x_of_time(double seconds) const {
    const double start = static_cast<double>(first * width);
    const double span = static_cast<double>(buckets() * width);
    return kLeft + (seconds - start) / span * kPlotWidth;
  }
};

struct TimeTick {
  std::int64_t at;
  std::string label;
  std::string second_line;  // the date under a time of day, when it changes
};

// Ticks at round times, no closer than about 130 px.
std::vector<TimeTick> time_ticks(const XScale& x) {
  const std::int64_t start = x.first * x.width;
  const std::int64_t end = (x.last + 1) * x.width;
  const double max_ticks = kPlotWidth / 130;
  static constexpr std::array<std::int64_t, 15> kSteps = {60,    120,   300,    600,    900,
                                                          1800,  3600,  7200,   10800,  21600,
                                                          43200, 86400, 172800, 604800, 1209600};
  std::vector<TimeTick> ticks;
  for (const std::int64_t step : kSteps) {
    if (static_cast<double>(end - start) / static_cast<double>(step) > max_ticks) continue;
    // Weeks start on Mondays (1970-01-01 was a Thursday).
    const std::int64_t offset = step >= 604800 ? 4 * 86400 : 0;
    std::int64_t at = (start - offset + step - 1) / step * step + offset;
    if (at < start) at += step;
    std::string previous_date;
    for (; at <= end; at += step) {
      const Civil c = civil(at);
      TimeTick tick{at, {}, {}};
      if (step < 86400) {
        tick.label = fmt::format("{:02}:{:02}", c.hour, c.minute);
        const std::string date = date_label(c);
        if (date != previous_date) tick.second_line = date;
        previous_date = date;
      } else {
        tick.label = date_label(c);
      }
      ticks.push_back(std::move(tick));
    }
    return ticks;
  }
  // Months, then years.
  const Civil from = civil(start);
  const double span_months = static_cast<double>(end - start) / (30.44 * 86400);
  int months = 1;
  for (const int candidate : {1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000}) {
    months = candidate;
    if (span_months / candidate <= max_ticks) break;
  }
  int index = from.year * 12 + static_cast<int>(from.month) - 1;
  index = (index + months - 1) / months * months;
  for (;; index += months) {
    using namespace std::chrono;
    const year_month_day date{year{index / 12}, month{static_cast<unsigned>(index % 12 + 1)},
                              day{1}};
    const std::int64_t at = std::int64_t{sys_days{date}.time_since_epoch().count()} * 86400;
    if (at > end) break;
    if (at < start) continue;
    ticks.push_back({at,
                     months >= 12 ? fmt::format("{:04}", index / 12)
                                  : fmt::format("{:04}-{:02}", index / 12, index % 12 + 1),
                     {}});
  }
  return ticks;
}

// ---- Drawing -----------------------------------------------------------------

void coordinate(std::string& out, double value) {
  fmt::format_to(std::back_inserter(out), "{:.1f}", value);
}

void open_chart(std::string& out, std::string_view label) {
  fmt::format_to(std::back_inserter(out),
                 R"(<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">)", kWidth,
                 kHeight, escape(label));
}

void draw_axes(std::string& out, const XScale& x, const YScale& y) {
  auto it = std::back_inserter(out);
  out += R"(<g class="grid">)";
  const int steps = static_cast<int>(std::lround(y.top / y.step));
  for (int i = 0; i <= steps; ++i) {
    const double value = y.step * i;
    const double py = y.y(value * y.unit);
    fmt::format_to(it, R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>)", kLeft,
                   kLeft + kPlotWidth, py, py);
  }
  const std::vector<TimeTick> ticks = time_ticks(x);
  for (const TimeTick& tick : ticks) {
    const double px = x.x_of_time(static_cast<double>(tick.at));
    fmt::format_to(it, R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}"/>)", px, px, kTop,
                   kTop + kPlotHeight);
  }
  out += R"(</g><g class="axis">)";
  fmt::format_to(it, R"(<line x1="{}" x2="{}" y1="{}" y2="{}"/>)", kLeft, kLeft + kPlotWidth,
                 kTop + kPlotHeight, kTop + kPlotHeight);
  fmt::format_to(it, R"(<line x1="{}" x2="{}" y1="{}" y2="{}"/>)", kLeft, kLeft, kTop,
                 kTop + kPlotHeight);
  for (int i = 0; i <= steps; ++i) {
    const double value = y.step * i;
    // Past a million, "2e+07" reads better than eight digits.
    const std::string label =
        y.step >= 1e6 ? fmt::format("{:.3g}", value) : fmt::format("{:.{}f}", value, y.decimals);
    fmt::format_to(it, R"(<text class="ytick" x="{}" y="{:.1f}">{}</text>)", kLeft - 6,
                   y.y(value * y.unit) + 4, label);
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

// One series: a value (or none) per bucket from x.first; runs of values are
// joined, gaps left open, and a point with no neighbour gets a dot.
struct Series {
  std::string name;   // data-series, and the legend's text
  std::string color;  // c1 ... c4
  std::vector<std::optional<double>> values;
  bool emphasis = false;
};

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

struct Panel {
  std::string id;       // unique in the page
  std::string kind;     // data-panel
  std::string caption;  // what it shows
};

void open_panel(std::string& out, const Panel& panel, const std::vector<Series>& series,
                bool empty) {
  fmt::format_to(std::back_inserter(out),
                 R"(<figure class="panel" id="{}" data-panel="{}" data-empty="{}"><figcaption>)"
                 R"(<span class="title">{}</span>)",
                 panel.id, panel.kind, empty ? "true" : "false", escape(panel.caption));
  if (!empty) legend(out, series);
  out += "</figcaption>";
  open_chart(out, panel.caption);
}

void close_panel(std::string& out) { out += "</svg></figure>\n"; }

// ---- Panels ------------------------------------------------------------------

const TimelineBucket* bucket_at(const TimelineGroup* group, std::int64_t key) {
  if (group == nullptr) return nullptr;
  const auto it = group->buckets.find(key);
  return it == group->buckets.end() ? nullptr : &it->second;
}

void lifecycle_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                     const std::optional<XScale>& x) {
  const std::string caption =
      x ? fmt::format("Runner lifecycle: events per {}", interval_label(x->width))
        : std::string("Runner lifecycle");
  std::vector<Series> series = {
      {"installed", "c1", {}}, {"started", "c2", {}}, {"stopped", "c3", {}}, {"crashed", "c4", {}}};
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
    const std::array<std::uint64_t, 4> values = {counts.runner_installed, counts.runner_start,
                                                 counts.runner_stop, counts.crashed_runners};
    for (std::size_t s = 0; s < values.size(); ++s) {
      series[s].values.emplace_back(static_cast<double>(values[s]));
      max = std::max(max, static_cast<double>(values[s]));
    }
    if (bucket == nullptr) {
      titles.emplace_back();
    } else {
      titles.emplace_back(fmt::format("installed: {}\nstarted: {}\nstopped: {}\ncrashed: {}",
                                      values[0], values[1], values[2], values[3]));
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

struct DurationKind {
  const char* kind;     // data-panel: duration-<kind>
  const char* caption;  // panel title
  const char* nothing;  // empty state
  MinAvgMax BucketDurations::*member;
};

constexpr std::array<DurationKind, 5> kDurationKinds = {{
    {"queue", "Queue duration: time a job waited for a runner", "No queue durations",
     &BucketDurations::queue},
    {"idle", "Idle duration: time a runner waited for a job", "No idle durations",
     &BucketDurations::idle},
    {"job", "Job duration (status normal)", "No jobs that stopped normally", &BucketDurations::job},
    {"installation", "Installation duration", "No installations", &BucketDurations::installation},
    {"reconciliation", "Reconciliation duration", "No reconciliations",
     &BucketDurations::reconciliation},
}};

void duration_panel(std::string& out, const std::string& id, const TimelineGroup* group,
                    const std::optional<XScale>& x, const DurationKind& kind) {
  std::vector<Series> series = {{"max", "c4", {}}, {"avg", "c1", {}, true}, {"min", "c2", {}}};
  std::vector<std::optional<std::string>> titles;
  double max = 0;
  bool any = false;
  if (x && group != nullptr) {
    for (std::int64_t key = x->first; key <= x->last; ++key) {
      const TimelineBucket* bucket = bucket_at(group, key);
      if (bucket == nullptr || (bucket->durations.*kind.member).count() == 0) {
        for (Series& s : series) s.values.emplace_back();
        titles.emplace_back();
        continue;
      }
      any = true;
      const MinAvgMax& stats = bucket->durations.*kind.member;
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
             {fmt::format("{}-duration-{}", id, kind.kind), fmt::format("duration-{}", kind.kind),
              kind.caption},
             series, !any);
  if (!any) {
    draw_empty(out, fmt::format("{} in this time range", kind.nothing));
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

// ---- Tables ------------------------------------------------------------------

void count_row(std::string& out, std::string_view label, std::string_view key,
               std::string_view value, bool sub = false) {
  fmt::format_to(std::back_inserter(out), R"(<tr{}><th>{}</th><td data-key="{}">{}</td></tr>)",
                 sub ? R"( class="sub")" : "", escape(label), escape(key), escape(value));
}

void counts_table(std::string& out, const GroupSummary& group) {
  const EventCounts& counts = group.counts;
  out += R"(<table class="counts"><caption>Events</caption><tbody>)";
  count_row(out, "runners installed", "runner_installed",
            fmt::format("{}", counts.runner_installed));
  count_row(out, "jobs started", "runner_start", fmt::format("{}", counts.runner_start));
  count_row(out, "runners stopped", "runner_stop", fmt::format("{}", counts.runner_stop));
  for (const auto& [status, n] : group.runner_stop_status) {
    count_row(out, status, "status:" + status, fmt::format("{}", n), true);
  }
  count_row(out, "reconciliations", "reconciliation", fmt::format("{}", counts.reconciliation));
  count_row(out, "crashed runners", "crashed_runners", fmt::format("{}", counts.crashed_runners));
  const auto idle = group.idle_runners_last();
  count_row(out, "idle runners at last reconciliation", "idle_runners_last",
            idle ? fmt::format("{}", *idle) : "-");
  out += "</tbody></table>";
}

void stats_row(std::string& out, std::string_view label, std::string_view key,
               const DurationStats& stats) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, R"(<tr data-duration="{}"><th>{}</th><td>{}</td>)", key, label, stats.count());
  const auto cell = [&](double value) {
    fmt::format_to(it, R"(<td title="{}">{}</td>)", python_float(value) + " s",
                   human_duration(value));
  };
  if (stats.count() == 0) {
    out += "<td>-</td><td>-</td><td>-</td><td>-</td><td>-</td><td>-</td>";
  } else {
    cell(stats.min());
    cell(stats.avg());
    cell(stats.max());
    cell(stats.quantile(0.50));
    cell(stats.quantile(0.95));
    cell(stats.quantile(0.99));
  }
  out += "</tr>";
}

void durations_table(std::string& out, const GroupSummary& group) {
  out += R"(<table class="durations"><caption>Durations</caption><thead><tr><th>duration</th>)"
         "<th>count</th><th>min</th><th>avg</th><th>max</th><th>p50</th><th>p95</th><th>p99</th>"
         "</tr></thead><tbody>";
  stats_row(out, "queue", "queue", group.durations.queue);
  stats_row(out, "idle", "idle", group.durations.idle);
  stats_row(out, "job (normal)", "job", group.durations.job);
  stats_row(out, "installation", "installation", group.durations.installation);
  stats_row(out, "reconciliation", "reconciliation", group.durations.reconciliation);
  out += "</tbody></table>";
}

// ---- Page --------------------------------------------------------------------

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;
--grid:#e6eaef;--axis:#818b98;--card:#f6f8fa;--hover:rgba(9,105,218,.14);
--c1:#0969da;--c2:#1a7f37;--c3:#8250df;--c4:#cf222e;--band:rgba(9,105,218,.13)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--line:#3d444d;--grid:#21262d;--axis:#656c76;--card:#151b23;--hover:rgba(88,166,255,.18);
--c1:#58a6ff;--c2:#3fb950;--c3:#bc8cff;--c4:#ff7b72;--band:rgba(88,166,255,.16)}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}
p{margin:4px 0}.muted{color:var(--muted)}
.note{border-left:3px solid var(--c4);padding:4px 10px;background:var(--card)}
.empty-page{font-size:18px;padding:24px;text-align:center;background:var(--card);
border:1px dashed var(--line);border-radius:6px}
nav a{color:var(--c1);margin-right:12px}
.tables{display:flex;flex-wrap:wrap;gap:16px 32px;align-items:flex-start;margin:8px 0 12px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:2px 0 4px}
th,td{padding:2px 10px 2px 0;text-align:right;border-bottom:1px solid var(--grid)}
th:first-child{text-align:left;font-weight:normal}
thead th{font-weight:600;color:var(--muted)}
tr.sub th{padding-left:16px;color:var(--muted)}
figure.panel{margin:14px 0;padding:8px 10px 4px;background:var(--card);
border:1px solid var(--line);border-radius:6px;break-inside:avoid}
figcaption{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 16px}
figcaption .title{font-weight:600}
.legend{color:var(--muted)}.key{margin-left:14px;white-space:nowrap}
.swatch{display:inline-block;width:16px;height:3px;margin-right:5px;vertical-align:middle;
background:var(--c)}
.c1{--c:var(--c1)}.c2{--c:var(--c2)}.c3{--c:var(--c3)}.c4{--c:var(--c4)}
svg.chart{display:block;width:100%;height:auto}
svg text{fill:var(--muted);font-size:12px}
.ytick{text-anchor:end}.xtick{text-anchor:middle}.xtitle{text-anchor:end}
.ytitle{text-anchor:middle}
.grid line{stroke:var(--grid);stroke-width:1}.axis line{stroke:var(--axis);stroke-width:1}
.series{fill:none;stroke:var(--c);stroke-width:1.4;stroke-linejoin:round}
.series.strong{stroke-width:2.2}
.dot{fill:var(--c)}
.band{fill:var(--band);stroke:none}
.frame{fill:none;stroke:var(--line);stroke-dasharray:4 4}
.empty{text-anchor:middle;font-size:16px;fill:var(--muted)}
.hover rect{fill:transparent}.hover rect:hover{fill:var(--hover)}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--grid:#e4e4e4;--axis:#777;
--card:#fff;--c1:#0550ae;--c2:#116329;--c3:#6639ba;--c4:#a40e26;--band:rgba(5,80,174,.15)}
main{max-width:none;padding:0}nav{display:none}h2{break-after:avoid}
.hover rect:hover{fill:transparent}}
)css";

void header(std::string& out, const FleetReport& report) {
  auto it = std::back_inserter(out);
  const Timeline& timeline = report.timeline;
  const LineCounts& lines = report.summary.lines();
  out += "<header><h1>Runner fleet report</h1>";
  out += R"(<p class="muted">From )";
  for (std::size_t i = 0; i < report.sources.size(); ++i) {
    if (i > 0) out += ", ";
    out += "<code>";
    escape_to(out, report.sources[i] == "-" ? "standard input" : report.sources[i]);
    out += "</code>";
  }
  fmt::format_to(it,
                 R"(</p><p id="lines">Lines read: <b>{}</b> ({} valid events, {} other events, )"
                 R"({} invalid lines).</p>)",
                 lines.total, lines.valid, lines.other, lines.invalid);
  const SummaryOptions& window = report.summary.options();
  if (window.since || window.until) {
    fmt::format_to(it, R"(<p id="window">Window: {} &le; timestamp &lt; {}</p>)",
                   window.since ? iso8601(*window.since) : "-&infin;",
                   window.until ? iso8601(*window.until) : "+&infin;");
  }
  if (const auto first = timeline.first_timestamp()) {
    const double last = *timeline.last_timestamp();
    fmt::format_to(it,
                   R"(<p id="span">Events from <time>{}</time> to <time>{}</time> ({}), )"
                   R"(in buckets of <b>{}</b> ({} buckets).</p>)",
                   iso8601(*first), iso8601(last), span_label(last - *first),
                   interval_label(timeline.interval()),
                   *timeline.last_bucket() - *timeline.first_bucket() + 1);
  }
  if (timeline.widened()) {
    fmt::format_to(it,
                   R"(<p class="note">The interval asked for, {}, would need more than {} )"
                   R"(buckets over this span; the charts use {}.</p>)",
                   interval_label(timeline.options().interval), Timeline::MAX_BUCKETS,
                   interval_label(timeline.interval()));
  }
  if (timeline.unplaced() > 0) {
    fmt::format_to(it,
                   R"(<p class="note">{} events are dated after the year 9999: counted in )"
                   R"(the tables, left out of the charts.</p>)",
                   timeline.unplaced());
  }
  if (lines.valid == 0 || report.summary.groups().empty() ||
      (!timeline.first_timestamp() && timeline.unplaced() == 0)) {
    out += R"(<p class="empty-page" id="no-events">No events )";
    out += lines.valid == 0 ? "in the logs." : "in the window.";
    out += "</p>";
  }
  out += "</header>\n";
}

// One row per flavor, the busiest first, up to max_label_values; the rest
// summed in one "other" row. A flavor with a section links to it.
void flavors_table(std::string& out, const FleetReport& report,
                   const std::vector<const GroupSummary*>& drawn,
                   const std::function<void(std::string_view)>& write) {
  auto it = std::back_inserter(out);
  const std::vector<const GroupSummary*> rows = busiest_groups(report.summary, 0);
  const std::size_t shown =
      report.max_label_values == 0 ? rows.size() : std::min(rows.size(), report.max_label_values);
  fmt::format_to(it,
                 R"(<table class="flavors" id="flavors"><caption>{} flavors, the busiest first)",
                 rows.size());
  if (drawn.size() < rows.size()) {
    fmt::format_to(it, "; charts for the {} busiest", drawn.size());
  }
  out +=
      "</caption><thead><tr><th>flavor</th><th>events</th><th>installed</th>"
      "<th>started</th><th>stopped</th><th>reconciliations</th><th>crashed runners</th>"
      "<th>idle runners at last reconciliation</th></tr></thead><tbody>";
  const auto cells = [&](std::uint64_t events, const EventCounts& c,
                         std::optional<std::uint64_t> idle) {
    fmt::format_to(it, "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>", events,
                   c.runner_installed, c.runner_start, c.runner_stop, c.reconciliation,
                   c.crashed_runners);
    if (idle) {
      fmt::format_to(it, "<td>{}</td></tr>", *idle);
    } else {
      out += "<td>-</td></tr>";
    }
  };
  for (std::size_t r = 0; r < shown; ++r) {
    const GroupSummary& group = *rows[r];
    const auto section = std::find(drawn.begin(), drawn.end(), &group);
    out += "<tr><th>";
    if (section != drawn.end()) {
      fmt::format_to(it, R"(<a href="#g{}">)", section - drawn.begin());
      escape_to(out, group.flavor.value_or(""));
      out += "</a>";
    } else {
      escape_to(out, group.flavor.value_or(""));
    }
    out += "</th>";
    const EventCounts& c = group.counts;
    cells(c.runner_installed + c.runner_start + c.runner_stop + c.reconciliation, c,
          group.idle_runners_last());
    if (out.size() >= kChunkBytes) {
      write(out);
      out.clear();
    }
  }
  if (shown < rows.size()) {
    EventCounts sum;
    std::optional<std::uint64_t> idle;
    for (std::size_t r = shown; r < rows.size(); ++r) {
      const EventCounts& c = rows[r]->counts;
      sum.runner_installed += c.runner_installed;
      sum.runner_start += c.runner_start;
      sum.runner_stop += c.runner_stop;
      sum.reconciliation += c.reconciliation;
      sum.crashed_runners = detail::saturating_add(sum.crashed_runners, c.crashed_runners);
      if (const auto last = rows[r]->idle_runners_last()) {
        idle = detail::saturating_add(idle.value_or(0), *last);
      }
    }
    fmt::format_to(it, R"(<tr class="other" data-flavors="{}"><th><i>other ({} flavors)</i></th>)",
                   rows.size() - shown, rows.size() - shown);
    cells(sum.runner_installed + sum.runner_start + sum.runner_stop + sum.reconciliation, sum,
          idle);
  }
  out += "</tbody></table>\n";
}

void group_section(std::string& out, std::size_t index, const GroupSummary& group,
                   const TimelineGroup* timeline_group, const std::optional<XScale>& x) {
  const std::string id = fmt::format("g{}", index);
  fmt::format_to(std::back_inserter(out), R"(<section class="group" id="{}")", id);
  if (group.flavor) {
    out += R"( data-flavor=")";
    escape_to(out, *group.flavor);
    out += R"("><h2>Flavor <q>)";
    escape_to(out, *group.flavor);
    out += "</q></h2>";
  } else {
    out += "><h2>All flavors</h2>";
  }
  out += R"(<div class="tables">)";
  counts_table(out, group);
  durations_table(out, group);
  out += "</div>\n";
  lifecycle_panel(out, id, timeline_group, x);
  idle_panel(out, id, timeline_group, x);
  for (const DurationKind& kind : kDurationKinds) {
    duration_panel(out, id, timeline_group, x, kind);
  }
  out += "</section>\n";
}

}  // namespace

void render_html(const FleetReport& report, const std::function<void(std::string_view)>& write) {
  std::string out;
  out.reserve(kChunkBytes + 64 * 1024);
  // A piece at a time: the page of a log with many flavors is larger than
  // anything else the report holds.
  const auto flush = [&](bool always) {
    if (always || out.size() >= kChunkBytes) {
      write(out);
      out.clear();
    }
  };
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\"/>"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
      "<meta name=\"color-scheme\" content=\"light dark\"/>"
      "<meta name=\"generator\" content=\"runner-metrics report\"/><title>Runner fleet report";
  if (!report.sources.empty()) {
    out += ": ";
    escape_to(out, report.sources.front() == "-" ? "standard input" : report.sources.front());
    if (report.sources.size() > 1)
      fmt::format_to(std::back_inserter(out), " and {} more", report.sources.size() - 1);
  }
  out += "</title><style>";
  out += kStyle;
  out += "</style></head>\n<body><main>";
  header(out, report);

  const Timeline& timeline = report.timeline;
  std::optional<XScale> x;
  if (const auto first = timeline.first_bucket()) {
    x = XScale{*first, *timeline.last_bucket(), timeline.interval()};
  }
  const bool by_flavor = report.summary.options().by_flavor;
  // The sections drawn: the busiest flavors, in flavor order.
  std::vector<const GroupSummary*> groups =
      by_flavor ? busiest_groups(report.summary, report.max_sections) : report.summary.groups();
  std::sort(groups.begin(), groups.end(),
            [](const GroupSummary* a, const GroupSummary* b) { return a->flavor < b->flavor; });
  if (by_flavor) flavors_table(out, report, groups, write);
  if (groups.size() > 1) {
    out += "<nav>Flavors: ";
    for (std::size_t i = 0; i < groups.size(); ++i) {
      fmt::format_to(std::back_inserter(out), R"(<a href="#g{}">)", i);
      escape_to(out, groups[i]->flavor.value_or(""));
      out += "</a>";
    }
    out += "</nav>\n";
  }
  flush(false);
  // Both lists are sorted by flavor; a timeline group is missing when none
  // of the flavor's events could be placed on a time axis.
  const auto timeline_groups = timeline.groups();
  auto next = timeline_groups.begin();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    while (next != timeline_groups.end() && (*next)->flavor < groups[i]->flavor) ++next;
    const bool match = next != timeline_groups.end() && (*next)->flavor == groups[i]->flavor;
    group_section(out, i, *groups[i], match ? *next : nullptr, x);
    flush(false);
  }
  out +=
      "<footer class=\"muted\"><p>Made by <code>runner-metrics report</code>. Percentiles "
      "are within 0.5% of the exact nearest-rank value; counts, min, avg and max are exact. "
      "Hover over a chart for a bucket's exact values.</p></footer>";
  out += "</main></body></html>\n";
  flush(true);
}

std::string render_html(const FleetReport& report) {
  std::string page;
  render_html(report, [&page](std::string_view piece) { page += piece; });
  return page;
}

}  // namespace runner_metrics
