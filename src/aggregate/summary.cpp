// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/summary.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <variant>

#include "aggregate/fleet_tally.hpp"

namespace runner_metrics {

namespace {

// What a Summary keeps and a Timeline does not: the breakdowns, the
// reconciliations' span and the quick queues.
void tally_summary(GroupSummary& group, std::string_view flavor, const AnyEvent& event,
                   double timestamp, std::size_t max_label_values) {
  for (const BreakdownMeasure& row : BREAKDOWNS) {
    if (row.field.event != event.index()) continue;
    const auto text = row.field.read(event);
    if (!text) continue;
    if (row.code.read == nullptr) {
      group.breakdowns.add(row.breakdown, {*text}, 1, max_label_values);
    } else if (const auto code = row.code.read(event)) {
      group.breakdowns.add(row.breakdown, {*text, *code}, 1, max_label_values);
    }
  }
  if (const auto queue = row(Measure::Queue).field.read(event)) {
    if (*queue < QUEUE_UNDER_SECONDS) ++group.queue_under_60s;
  }
  if (std::holds_alternative<Reconciliation>(event)) {
    auto it = group.reconciliations.find(flavor);
    if (it == group.reconciliations.end()) {
      group.reconciliations.emplace(std::string(flavor),
                                    ReconciliationSpan{timestamp, timestamp, 1});
    } else {
      ReconciliationSpan& span = it->second;
      span.earliest = std::min(span.earliest, timestamp);
      span.latest = std::max(span.latest, timestamp);
      ++span.count;
    }
  }
}

void merge_into(GroupSummary& group, const GroupSummary& other, std::size_t max_label_values) {
  detail::merge_tally(group, other);
  group.breakdowns.merge(other.breakdowns, max_label_values);
  group.queue_under_60s += other.queue_under_60s;
  for (const auto& [flavor, theirs] : other.reconciliations) {
    auto [it, inserted] = group.reconciliations.try_emplace(flavor, theirs);
    if (inserted) continue;
    ReconciliationSpan& span = it->second;
    span.earliest = std::min(span.earliest, theirs.earliest);
    span.latest = std::max(span.latest, theirs.latest);
    span.count += theirs.count;
  }
}

}  // namespace

std::optional<double> GroupSummary::reconciliation_interval() const {
  detail::ExactSum sum;
  std::uint64_t flavors = 0;
  for (const auto& [name, span] : reconciliations) {
    if (span.count < 2) continue;
    sum.add((span.latest - span.earliest) / static_cast<double>(span.count - 1));
    ++flavors;
  }
  if (flavors == 0) return std::nullopt;
  return sum.mean(flavors);
}

Summary::Summary(SummaryOptions options) : options_(options) {
  if (!options_.by_flavor) groups_[""];
}

GroupSummary& Summary::group_for(std::string_view flavor) {
  const std::string_view key = options_.by_flavor ? flavor : std::string_view{};
  if (GroupSummary* last = last_group_.find(key)) return *last;
  auto it = groups_.find(key);
  if (it == groups_.end()) {
    it = groups_.emplace(std::string(key), GroupSummary{}).first;
    if (options_.by_flavor) it->second.flavor = std::string(key);
  }
  last_group_.remember(it->first, it->second);
  return it->second;
}

void Summary::add(const ParsedLine& line, LogPosition position) {
  detail::add_line(*this, line, position);
}

void Summary::add(const AnyEvent& event, LogPosition position) {
  ++lines_.total;
  ++lines_.valid;
  std::visit(
      [&](const auto& e) {
        if (!options_.contains(e.timestamp)) return;
        GroupSummary& group = group_for(e.flavor);
        detail::tally_event(group, e.flavor, event, e.timestamp, position);
        tally_summary(group, e.flavor, event, e.timestamp, options_.max_label_values);
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

void Summary::merge_lines(const Summary& other) {
  if (other.options_ != options_) {
    throw std::invalid_argument("Summary::merge: the summaries were made with different options");
  }
  lines_.total += other.lines_.total;
  lines_.valid += other.lines_.valid;
  lines_.other += other.lines_.other;
  lines_.invalid += other.lines_.invalid;
}

void Summary::merge(Summary&& other) {
  merge_lines(other);
  // A group only `other` has moves over whole (its node is relinked); memory
  // never holds both copies of it.
  for (auto it = other.groups_.begin(); it != other.groups_.end();) {
    auto next = std::next(it);
    auto mine = groups_.find(it->first);
    if (mine == groups_.end()) {
      groups_.insert(other.groups_.extract(it));
    } else {
      merge_into(mine->second, it->second, options_.max_label_values);
    }
    it = next;
  }
  other.groups_.clear();
  other.last_group_.forget();
  other.lines_ = {};
}

void Summary::merge(const Summary& other) {
  merge_lines(other);
  for (const auto& [key, group] : other.groups_) {
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      groups_.emplace(key, group);
    } else {
      merge_into(it->second, group, options_.max_label_values);
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
