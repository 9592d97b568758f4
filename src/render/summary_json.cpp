// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include "render/summary_format.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/serialize.hpp"
#include "runner_metrics/summary_render.hpp"

namespace runner_metrics {

namespace {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // `"name": `, after a ", " unless it opens its object.
  JsonWriter& key(std::string_view name) {
    comma_if_needed();
    string(name);
    out_ += ": ";
    return *this;
  }
  void open(char bracket) {
    out_ += bracket;
    first_ = true;
  }
  void close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  void comma_if_needed() {
    if (!first_) out_ += ", ";
    first_ = false;
  }
  void number(std::uint64_t n) { fmt::format_to(std::back_inserter(out_), "{}", n); }
  void number(double x) { detail::append_python_float(out_, x); }
  void null() { out_ += "null"; }
  void string(std::string_view text) {
    // Flavors and statuses come from lines the parser found valid UTF-8.
    if (!detail::append_ascii_json_string(out_, text)) {
      throw std::logic_error("render_json: text is not valid UTF-8");
    }
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void write_stats(JsonWriter& json, const DurationStats& stats) {
  json.open('{');
  json.key("count").number(stats.count());
  json.key("unknown").number(stats.unknown());
  const auto value = [&](std::string_view name, auto get) {
    json.key(name);
    if (stats.count() == 0) {
      json.null();
    } else {
      json.number(get());
    }
  };
  value("min", [&] { return stats.min(); });
  value("max", [&] { return stats.max(); });
  value("avg", [&] { return stats.avg(); });
  value("p50", [&] { return stats.quantile(0.50); });
  value("p95", [&] { return stats.quantile(0.95); });
  value("p99", [&] { return stats.quantile(0.99); });
  json.close('}');
}

// {"value": N, ..., "other": N}, or by code {"abnormal": {"137": N}, ...,
// "other": {"other": N}}: the values in LabelOrder, "other" last when it
// counted anything.
void write_breakdown(JsonWriter& json, const BreakdownMeasure& row, const LabelCounts& counts) {
  const bool by_code = row.code.read != nullptr;
  json.open('{');
  const Label* previous = nullptr;
  for (const auto& [label, n] : counts.counts()) {
    if (!by_code) {
      json.key(label.text).number(n);
      continue;
    }
    if (previous == nullptr || previous->text != label.text) {
      if (previous != nullptr) json.close('}');
      json.key(label.text).open('{');
    }
    json.key(fmt::format("{}", label.code)).number(n);
    previous = &label;
  }
  if (previous != nullptr) json.close('}');
  if (counts.other() > 0) {
    json.key(LabelCounts::OTHER);
    if (by_code) {
      json.open('{');
      json.key(LabelCounts::OTHER).number(counts.other());
      json.close('}');
    } else {
      json.number(counts.other());
    }
  }
  json.close('}');
}

void write_group(JsonWriter& json, const GroupSummary& group) {
  json.open('{');
  json.key("flavor");
  if (group.flavor) {
    json.string(*group.flavor);
  } else {
    json.null();
  }
  json.key("counts").open('{');
  for (const CountMeasure& count : COUNTS) json.key(count.key).number(group.counts.*count.member);
  json.close('}');
  for (const BreakdownMeasure& breakdown : BREAKDOWNS) {
    write_breakdown(json.key(breakdown.key), breakdown, group.breakdowns[breakdown.breakdown]);
  }
  for (const GaugeMeasure& gauge : GAUGES) {
    json.key(gauge.key);
    if (const auto value = group.last(gauge.gauge)) {
      json.number(*value);
    } else {
      json.null();
    }
  }
  json.key("reconciliation_interval");
  if (const auto interval = group.reconciliation_interval()) {
    json.number(*interval);
  } else {
    json.null();
  }
  json.key("queue_under_60s").number(group.queue_under_60s);
  json.key("durations").open('{');
  for (const DurationMeasure& duration : DURATIONS) {
    write_stats(json.key(duration.key), group.durations[duration.measure]);
  }
  json.close('}');
  json.close('}');
}

}  // namespace

void render_json(const Summary& summary, const TextSink& write) {
  std::string out;
  out.reserve(1024);
  JsonWriter json(out);
  json.open('{');
  json.key("lines").open('{');
  json.key("total").number(summary.lines().total);
  json.key("valid").number(summary.lines().valid);
  json.key("other").number(summary.lines().other);
  json.key("invalid").number(summary.lines().invalid);
  json.close('}');
  json.key("groups").open('[');
  for (const GroupSummary* group : summary.groups()) {
    json.comma_if_needed();
    write_group(json, *group);
    if (out.size() >= detail::TEXT_CHUNK_BYTES) {
      write(out);
      out.clear();
    }
  }
  json.close(']');
  json.close('}');
  out += '\n';
  write(out);
}

std::string render_json(const Summary& summary) {
  return detail::whole_text([&](const TextSink& write) { render_json(summary, write); });
}

}  // namespace runner_metrics
