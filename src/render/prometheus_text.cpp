// SPDX-License-Identifier: Apache-2.0
// The Prometheus text exposition format (0.0.4) of a PrometheusMetrics.
// Numbers are written as the Python client of the ancestor's successor
// writes them where dashboards may match them (le="5.0"), as exact
// integers for counts.
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aggregate/fleet_tally.hpp"
#include "runner_metrics/log_follower.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/prometheus_metrics.hpp"
#include "runner_metrics/serialize.hpp"

namespace runner_metrics {

namespace {

// `\` → `\\`, newline → `\n`, and in label values `"` → `\"`.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_uint(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void append_float(std::string& out, double value) {
  if (std::isfinite(value)) {
    detail::append_python_float(out, value);
  } else {
    out += std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
  }
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// `name{labels} ` for the next value; `labels` is already escaped.
void series(std::string& out, std::string_view name, std::string_view suffix,
            std::string_view labels) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

// `flavor="small"`, escaped, made once per flavor.
std::string label(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "=\"";
  append_escaped(out, value, true);
  out += '"';
  return out;
}

void histogram(std::string& out, const DurationMeasure& metric,
               const std::vector<std::pair<const FlavorMetrics*, std::string>>& flavors) {
  header(out, metric.prometheus_name, "histogram", metric.prometheus_help);
  std::string le_labels;
  for (const auto& [m, flavor_label] : flavors) {
    const Histogram& h = m->durations[metric.measure];
    if (h.count() == 0) continue;
    const auto bounds = h.bounds();
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      le_labels = flavor_label;
      le_labels += ",le=\"";
      if (i < bounds.size()) {
        append_float(le_labels, bounds[i]);
      } else {
        le_labels += "+Inf";
      }
      le_labels += '"';
      series(out, metric.prometheus_name, "_bucket", le_labels);
      append_uint(out, h.cumulative(i));
      out += '\n';
    }
    series(out, metric.prometheus_name, "_sum", flavor_label);
    append_float(out, h.sum());
    out += '\n';
    series(out, metric.prometheus_name, "_count", flavor_label);
    append_uint(out, h.count());
    out += '\n';
  }
}

void counter(std::string& out, std::string_view name, std::string_view labels,
             std::uint64_t value) {
  series(out, name, {}, labels);
  append_uint(out, value);
  out += '\n';
}

}  // namespace

std::string render_prometheus(const PrometheusMetrics& metrics) {
  std::vector<std::pair<const FlavorMetrics*, std::string>> flavors;
  flavors.reserve(metrics.flavors().size());
  for (const auto& [name, m] : metrics.flavors()) flavors.emplace_back(&m, label("flavor", name));

  std::string out;
  out.reserve(4096 + flavors.size() * 4096);
  for (const DurationMeasure& metric : DURATIONS) histogram(out, metric, flavors);

  for (const GaugeMeasure& gauge : GAUGES) {
    header(out, gauge.prometheus_name, "gauge", gauge.prometheus_help);
    for (const auto& [m, flavor_label] : flavors) {
      const auto& latest = m->latest[static_cast<std::size_t>(gauge.gauge)];
      if (!latest) continue;
      series(out, gauge.prometheus_name, {}, flavor_label);
      append_uint(out, detail::non_negative(latest->value));
      out += '\n';
    }
  }

  // The successor's counts since start, typed gauge as it types them.
  for (const BreakdownMeasure& breakdown : BREAKDOWNS) {
    if (breakdown.prometheus_name.empty()) continue;
    header(out, breakdown.prometheus_name, "gauge", breakdown.prometheus_help);
    for (const auto& [value, count] : metrics.breakdown(breakdown.breakdown)) {
      series(out, breakdown.prometheus_name, {}, label(breakdown.prometheus_label, value));
      append_uint(out, count);
      out += '\n';
    }
  }

  header(out, "runner_metric_events_total", "counter",
         "Valid metric events read from the log, by event and flavor.");
  std::string labels;
  for (const auto& entry : flavors) {
    // Named, not structured bindings: clang before 16 cannot capture those.
    const auto& m = entry.first;
    const auto& flavor_label = entry.second;
    std::size_t index = 0;
    for_each_event_type([&](auto type) {
      const std::uint64_t count = m->events[index++];
      if (count == 0) return;
      labels = label("event", event_type_name<typename decltype(type)::type>());
      labels += ',';
      labels += flavor_label;
      counter(out, "runner_metric_events_total", labels, count);
    });
  }

  header(out, "runner_stops_total", "counter", "Runners that stopped, by flavor and status.");
  for (const auto& [m, flavor_label] : flavors) {
    for (const auto& [status, count] : m->stops) {
      labels = flavor_label;
      labels += ',';
      labels += label("status", status);
      counter(out, "runner_stops_total", labels, count);
    }
  }

  for (const CountMeasure& count : COUNTS) {
    if (count.prometheus_name.empty()) continue;  // in runner_metric_events_total
    header(out, count.prometheus_name, "counter", count.prometheus_help);
    for (const auto& [m, flavor_label] : flavors) {
      if (m->events[count.amount.event] == 0) continue;  // no event it sums
      counter(out, count.prometheus_name, flavor_label, m->counts.*count.member);
    }
  }

  header(out, "metrics_log_invalid_lines_total", "counter",
         "Lines of the metrics log that are not valid events: not JSON, a field missing or "
         "invalid, empty, or longer than the line limit.");
  counter(out, "metrics_log_invalid_lines_total", {}, metrics.invalid_lines());

  header(out, "metrics_log_other_events_total", "counter",
         "JSON objects in the metrics log whose event is none of runner_installed, runner_start, "
         "runner_stop, reconciliation.");
  counter(out, "metrics_log_other_events_total", {}, metrics.other_events());

  header(out, "metrics_log_label_values_folded_total", "counter",
         "Events counted under the label value \"other\": the label already had its limit of "
         "distinct values, or the value was too long.");
  counter(out, "metrics_log_label_values_folded_total", R"(label="flavor")",
          metrics.folded_flavors());
  counter(out, "metrics_log_label_values_folded_total", R"(label="status")",
          metrics.folded_statuses());
  for (const BreakdownMeasure& breakdown : BREAKDOWNS) {
    if (breakdown.prometheus_name.empty() || breakdown.breakdown == Breakdown::StopStatus) continue;
    counter(out, "metrics_log_label_values_folded_total",
            label("label", breakdown.prometheus_label), metrics.folded(breakdown.breakdown));
  }

  header(out, "metrics_log_reopens_total", "counter",
         "Times the followed log was opened afresh: replaced (a new file at the path, as "
         "logrotate's create makes) or truncated (as logrotate's copytruncate does).");
  counter(out, "metrics_log_reopens_total", R"(reason="replaced")",
          metrics.reopens(LogReopen::Replaced));
  counter(out, "metrics_log_reopens_total", R"(reason="truncated")",
          metrics.reopens(LogReopen::Truncated));
  return out;
}

}  // namespace runner_metrics
