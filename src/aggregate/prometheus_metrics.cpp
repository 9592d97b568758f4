// SPDX-License-Identifier: Apache-2.0
// The aggregate behind `serve`: one map lookup per event (none when the
// flavor is the previous event's), a few additions, and label values
// capped so that a hostile log costs counters, not memory.
#include "runner_metrics/prometheus_metrics.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>
#include <variant>

namespace runner_metrics {

namespace {

std::uint64_t saturating_add(std::uint64_t total, std::int64_t count) {
  const auto add = static_cast<std::uint64_t>(std::max<std::int64_t>(count, 0));
  return total > std::numeric_limits<std::uint64_t>::max() - add
             ? std::numeric_limits<std::uint64_t>::max()
             : total + add;
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds) noexcept
    : bounds_(bounds.first(std::min(bounds.size(), MAX_BUCKETS - 1))) {}

void Histogram::observe(double value) noexcept {
  if (is_unknown_value(value)) return;  // format.md §7: in no histogram
  // The first bucket whose upper bound is >= value; past the last, +Inf.
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++buckets_[static_cast<std::size_t>(bucket)];
  ++count_;
  sum_ += value;
}

std::uint64_t Histogram::cumulative(std::size_t i) const noexcept {
  std::uint64_t total = 0;
  for (std::size_t b = 0; b <= std::min(i, bounds_.size()); ++b) total += buckets_[b];
  return total;
}

PrometheusMetrics::PrometheusMetrics(PrometheusOptions options) : options_(options) {}

void PrometheusMetrics::add(const ParsedLine& line) {
  switch (line.kind) {
    case ParsedLine::Kind::Event:
      add(line.event);
      break;
    case ParsedLine::Kind::Other:
      add_other();
      break;
    case ParsedLine::Kind::Invalid:
      add_invalid();
      break;
  }
}

void PrometheusMetrics::add(const AnyEvent& event) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        FlavorMetrics& m = flavor(e.flavor);
        ++m.events[event.index()];
        if constexpr (std::is_same_v<E, RunnerInstalled>) {
          m.spawn_duration.observe(e.duration);
        } else if constexpr (std::is_same_v<E, RunnerStart>) {
          m.idle_duration.observe(e.idle);
          if (e.queue_duration) m.queue_duration.observe(*e.queue_duration);
        } else if constexpr (std::is_same_v<E, RunnerStop>) {
          m.job_duration.observe(e.job_duration);
          const std::string_view status = status_label(m, e.status);
          ++m.stops.find(status)->second;
        } else {
          static_assert(std::is_same_v<E, Reconciliation>);
          m.reconcile_duration.observe(e.duration);
          m.crashed_runners = saturating_add(m.crashed_runners, e.crashed_runners);
          if (!m.latest_reconciliation || e.timestamp >= m.latest_reconciliation->timestamp) {
            m.latest_reconciliation = FlavorMetrics::Latest{e.timestamp, e.idle_runners};
          }
        }
      },
      event);
}

void PrometheusMetrics::add_reopen(LogReopen reason) noexcept {
  ++reopens_[static_cast<std::size_t>(reason)];
}

std::uint64_t PrometheusMetrics::reopens(LogReopen reason) const noexcept {
  return reopens_[static_cast<std::size_t>(reason)];
}

FlavorMetrics& PrometheusMetrics::flavor(std::string_view name) {
  if (cache_.metrics != nullptr && cache_.name == name) return *cache_.metrics;
  auto it = flavors_.find(name);
  if (it == flavors_.end()) {
    if (!fits(name) || distinct_flavors_ >= options_.max_label_values) {
      ++folded_flavors_;
      return flavors_.try_emplace(std::string(OTHER)).first->second;
    }
    it = flavors_.try_emplace(std::string(name)).first;
    ++distinct_flavors_;
  }
  cache_.name = it->first;
  cache_.metrics = &it->second;
  return it->second;
}

// The status label of a runner_stop of this flavor; its entry in `stops`
// exists on return.
std::string_view PrometheusMetrics::status_label(FlavorMetrics& m, std::string_view status) {
  if (const auto it = m.stops.find(status); it != m.stops.end()) return it->first;
  bool known = statuses_.contains(status);
  if (!known && fits(status) && statuses_.size() < options_.max_label_values) {
    statuses_.emplace(status);
    known = true;
  }
  if (known && stop_series_ < max_stop_series()) {
    ++stop_series_;
    return m.stops.try_emplace(std::string(status)).first->first;
  }
  ++folded_statuses_;
  const auto [it, inserted] = m.stops.try_emplace(std::string(OTHER));
  if (inserted) ++stop_series_;
  return it->first;
}

}  // namespace runner_metrics
