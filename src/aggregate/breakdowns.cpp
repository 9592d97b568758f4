// SPDX-License-Identifier: Apache-2.0
// Keeping the values that sort first, rather than the first seen, is what
// makes a capped breakdown exact under merges: a value among the `max_keys`
// smallest of the whole log is among the smallest of every part, so every
// part kept its exact count.
#include "runner_metrics/breakdowns.hpp"

#include <algorithm>
#include <iterator>

#include "aggregate/fleet_tally.hpp"

namespace runner_metrics {

void LabelCounts::add(LabelView label, std::uint64_t n, std::size_t max_keys) {
  if (label.text == OTHER || label.text.size() > MAX_VALUE_BYTES) {
    other_ = detail::saturating_add(other_, n);
    return;
  }
  if (const auto it = counts_.find(label); it != counts_.end()) {
    it->second = detail::saturating_add(it->second, n);
    return;
  }
  if (counts_.size() >= max_keys) {
    // Full: this value takes the greatest kept value's place if it sorts
    // before it, else it is folded. Either way a value folded now sorts
    // after every value kept from now on, so it is never kept later.
    if (counts_.empty() || !LabelOrder{}(label, std::prev(counts_.end())->first)) {
      other_ = detail::saturating_add(other_, n);
      return;
    }
    const auto greatest = std::prev(counts_.end());
    other_ = detail::saturating_add(other_, greatest->second);
    counts_.erase(greatest);
  }
  counts_.emplace(Label{std::string(label.text), label.code}, n);
}

void LabelCounts::merge(const LabelCounts& other, std::size_t max_keys) {
  for (const auto& [label, n] : other.counts_) add(label.view(), n, max_keys);
  other_ = detail::saturating_add(other_, other.other_);
}

std::uint64_t LabelCounts::total() const noexcept {
  std::uint64_t sum = other_;
  for (const auto& [label, n] : counts_) sum = detail::saturating_add(sum, n);
  return sum;
}

std::vector<std::pair<const Label*, std::uint64_t>> LabelCounts::busiest(std::size_t n) const {
  std::vector<std::pair<const Label*, std::uint64_t>> all;
  all.reserve(counts_.size());
  for (const auto& [label, count] : counts_) all.emplace_back(&label, count);
  const auto first = [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return LabelOrder{}(*a.first, *b.first);
  };
  const auto end = all.begin() + static_cast<std::ptrdiff_t>(std::min(n, all.size()));
  std::partial_sort(all.begin(), end, all.end(), first);
  all.erase(end, all.end());
  return all;
}

Breakdowns::Breakdowns(const Breakdowns& other)
    : counts_(other.counts_ ? std::make_unique<PerBreakdown<LabelCounts>>(*other.counts_)
                            : nullptr) {}

Breakdowns& Breakdowns::operator=(const Breakdowns& other) {
  if (this != &other) *this = Breakdowns(other);
  return *this;
}

const LabelCounts& Breakdowns::operator[](Breakdown breakdown) const noexcept {
  static const LabelCounts none;
  return counts_ ? (*counts_)[breakdown] : none;
}

void Breakdowns::add(Breakdown breakdown, LabelView label, std::uint64_t n, std::size_t max_keys) {
  if (!counts_) counts_ = std::make_unique<PerBreakdown<LabelCounts>>();
  (*counts_)[breakdown].add(label, n, max_keys);
}

void Breakdowns::merge(const Breakdowns& other, std::size_t max_keys) {
  if (!other.counts_) return;
  if (!counts_) {
    counts_ = std::make_unique<PerBreakdown<LabelCounts>>(*other.counts_);
    return;
  }
  for (std::size_t b = 0; b < BREAKDOWNS.size(); ++b) {
    counts_->values[b].merge(other.counts_->values[b], max_keys);
  }
}

}  // namespace runner_metrics
