// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/summary.hpp"

#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "aggregate/fleet_tally.hpp"

namespace runner_metrics {

namespace {

void count_status(GroupSummary& group, std::string_view status, std::uint64_t n) {
  auto it = group.runner_stop_status.find(status);
  if (it == group.runner_stop_status.end()) {
    group.runner_stop_status.emplace(std::string(status), n);
  } else {
    it->second += n;
  }
}

void merge_into(GroupSummary& group, const GroupSummary& other) {
  detail::merge_tally(group, other);
  for (const auto& [status, n] : other.runner_stop_status) count_status(group, status, n);
}

}  // namespace

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
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, RunnerStop>) {
          count_status(group, e.status, 1);
        }
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
      merge_into(mine->second, it->second);
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
