#include "runner_metrics/summary.hpp"

#include <limits>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

namespace runner_metrics {

namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum < a ? std::numeric_limits<std::uint64_t>::max() : sum;
}

bool later(const LatestReconciliation& a, const LatestReconciliation& b) {
  return std::tie(a.timestamp, a.position) > std::tie(b.timestamp, b.position);
}

void keep_latest(GroupSummary& group, std::string_view flavor, const LatestReconciliation& seen) {
  auto it = group.latest_reconciliations.find(flavor);
  if (it == group.latest_reconciliations.end()) {
    group.latest_reconciliations.emplace(std::string(flavor), seen);
  } else if (later(seen, it->second)) {
    it->second = seen;
  }
}

void count_status(GroupSummary& group, std::string_view status, std::uint64_t n) {
  auto it = group.runner_stop_status.find(status);
  if (it == group.runner_stop_status.end()) {
    group.runner_stop_status.emplace(std::string(status), n);
  } else {
    it->second += n;
  }
}

void add_to(GroupSummary& group, const RunnerInstalled& e, LogPosition) {
  ++group.counts.runner_installed;
  group.durations.installation.add(e.duration);
}

void add_to(GroupSummary& group, const RunnerStart& e, LogPosition) {
  ++group.counts.runner_start;
  group.durations.idle.add(e.idle);
  if (e.queue_duration) group.durations.queue.add(*e.queue_duration);
}

void add_to(GroupSummary& group, const RunnerStop& e, LogPosition) {
  ++group.counts.runner_stop;
  count_status(group, e.status, 1);
  if (e.status == "normal") group.durations.job.add(e.job_duration);
}

void add_to(GroupSummary& group, const Reconciliation& e, LogPosition position) {
  ++group.counts.reconciliation;
  group.counts.crashed_runners =
      saturating_add(group.counts.crashed_runners, static_cast<std::uint64_t>(e.crashed_runners));
  group.durations.reconciliation.add(e.duration);
  keep_latest(group, e.flavor, {e.timestamp, position, e.idle_runners});
}

void merge_into(GroupSummary& group, const GroupSummary& other) {
  EventCounts& counts = group.counts;
  counts.runner_installed += other.counts.runner_installed;
  counts.runner_start += other.counts.runner_start;
  counts.runner_stop += other.counts.runner_stop;
  counts.reconciliation += other.counts.reconciliation;
  counts.crashed_runners = saturating_add(counts.crashed_runners, other.counts.crashed_runners);
  for (const auto& [status, n] : other.runner_stop_status) count_status(group, status, n);
  for (const auto& [flavor, latest] : other.latest_reconciliations) {
    keep_latest(group, flavor, latest);
  }
  group.durations.installation.merge(other.durations.installation);
  group.durations.idle.merge(other.durations.idle);
  group.durations.queue.merge(other.durations.queue);
  group.durations.job.merge(other.durations.job);
  group.durations.reconciliation.merge(other.durations.reconciliation);
}

}  // namespace

std::optional<std::uint64_t> GroupSummary::idle_runners_last() const {
  if (latest_reconciliations.empty()) return std::nullopt;
  std::uint64_t sum = 0;
  for (const auto& [name, latest] : latest_reconciliations) {
    sum = saturating_add(sum, static_cast<std::uint64_t>(latest.idle_runners));
  }
  return sum;
}

Summary::Summary(SummaryOptions options) : options_(options) {
  if (!options_.by_flavor) groups_[""];
}

GroupSummary& Summary::group_for(std::string_view flavor) {
  if (!options_.by_flavor) {
    if (last_group_.group == nullptr) last_group_.group = &groups_.begin()->second;
    return *last_group_.group;
  }
  if (last_group_.group != nullptr && *last_group_.group->flavor == flavor) {
    return *last_group_.group;
  }
  auto it = groups_.find(flavor);
  if (it == groups_.end()) {
    it = groups_.emplace(std::string(flavor), GroupSummary{}).first;
    it->second.flavor = std::string(flavor);
  }
  last_group_.group = &it->second;
  return it->second;
}

void Summary::add(const AnyEvent& event, LogPosition position) {
  ++lines_.total;
  ++lines_.valid;
  std::visit(
      [&](const auto& e) {
        // Written so that a NaN bound keeps nothing rather than everything.
        if (options_.since && !(e.timestamp >= *options_.since)) return;
        if (options_.until && !(e.timestamp < *options_.until)) return;
        add_to(group_for(e.flavor), e, position);
      },
      event);
}

void Summary::add_other() noexcept {
  ++lines_.total;
  ++lines_.other;
}

void Summary::add_invalid() noexcept {
  ++lines_.total;
  ++lines_.invalid;
}

void Summary::merge(const Summary& other) {
  if (other.options_.by_flavor != options_.by_flavor || other.options_.since != options_.since ||
      other.options_.until != options_.until) {
    throw std::invalid_argument("Summary::merge: the summaries were made with different options");
  }
  lines_.total += other.lines_.total;
  lines_.valid += other.lines_.valid;
  lines_.other += other.lines_.other;
  lines_.invalid += other.lines_.invalid;
  for (const auto& [key, group] : other.groups_) {
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      groups_.emplace(key, group);
    } else {
      merge_into(it->second, group);
    }
  }
}

std::vector<const GroupSummary*> Summary::groups() const {
  std::vector<const GroupSummary*> result;
  result.reserve(groups_.size());
  for (const auto& [key, group] : groups_) result.push_back(&group);
  return result;
}

}  // namespace runner_metrics
