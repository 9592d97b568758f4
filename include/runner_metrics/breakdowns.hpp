// SPDX-License-Identifier: Apache-2.0
// The breakdowns of a summary group (measures.hpp's BREAKDOWNS): how many
// events had each value of a field, for at most `max_keys` values, so a log
// with a new repository on every line costs a bounded map (format.md §7).
//
//   LabelCounts repos;                        // max_keys 2 below
//   repos.add({"o/a"}, 1, 2);  repos.add({"o/c"}, 1, 2);  repos.add({"o/b"}, 1, 2);
//   repos.counts() → {o/a: 1, o/b: 1}        repos.other() → 1   (o/c sorts after o/b)
//
// The values kept are those that sort first (by bytes, then by code), not
// the first seen: a value folded into "other" stays folded, and the counts of
// parts of a log merge into exactly the counts of the whole, in any order,
// so the answer does not depend on how many threads read the log.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "runner_metrics/measures.hpp"

namespace runner_metrics {

/// A value a breakdown counts: the field's text and, in a breakdown by code
/// (runner_stop_codes), the code; 0 in the others.
struct LabelView {
  std::string_view text;
  std::int64_t code = 0;
};

struct Label {
  std::string text;
  std::int64_t code = 0;
  LabelView view() const noexcept { return {text, code}; }
};

/// Text by bytes (UTF-8's code point order), then code by value.
struct LabelOrder {
  using is_transparent = void;
  static LabelView view(const Label& label) noexcept { return label.view(); }
  static LabelView view(LabelView label) noexcept { return label; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    const LabelView x = view(a);
    const LabelView y = view(b);
    return std::tie(x.text, x.code) < std::tie(y.text, y.code);
  }
};

/// One breakdown: a count per value for the values that sort first, and
/// the count of all the others under "other".
class LabelCounts {
 public:
  /// The key of what is folded. A value that is itself "other" (in a
  /// breakdown by code, the text "other") is counted there too.
  static constexpr std::string_view OTHER = "other";
  /// Longer values are counted under "other" too (as serve folds a longer
  /// label value), so a kept value costs at most this much text.
  static constexpr std::size_t MAX_VALUE_BYTES = 256;

  /// `n` events with value `label`. Past `max_keys` values, the greatest
  /// value (this one or a kept one) moves into other(); a value longer than
  /// MAX_VALUE_BYTES goes there at once.
  void add(LabelView label, std::uint64_t n, std::size_t max_keys);
  /// Everything `other` counted; exact, and the same in any order of merges.
  void merge(const LabelCounts& other, std::size_t max_keys);

  /// The values kept, in LabelOrder, "other" never among them.
  const std::map<Label, std::uint64_t, LabelOrder>& counts() const noexcept { return counts_; }
  /// Events whose value was folded.
  std::uint64_t other() const noexcept { return other_; }
  /// Every event counted.
  std::uint64_t total() const noexcept;
  bool empty() const noexcept { return counts_.empty() && other_ == 0; }

  /// The `n` values with the greatest counts, greatest first, ties in
  /// LabelOrder; other() is not one of them.
  std::vector<std::pair<const Label*, std::uint64_t>> busiest(std::size_t n) const;

 private:
  std::map<Label, std::uint64_t, LabelOrder> counts_;
  std::uint64_t other_ = 0;
};

/// One LabelCounts per row of BREAKDOWNS: breakdowns[Breakdown::Repos].
/// Allocated at the first value counted, so the group of a flavor that ran
/// no job costs a pointer.
class Breakdowns {
 public:
  Breakdowns() = default;
  Breakdowns(const Breakdowns& other);
  Breakdowns& operator=(const Breakdowns& other);
  Breakdowns(Breakdowns&&) noexcept = default;
  Breakdowns& operator=(Breakdowns&&) noexcept = default;
  ~Breakdowns() = default;

  /// An empty one when nothing was counted.
  const LabelCounts& operator[](Breakdown breakdown) const noexcept;
  void add(Breakdown breakdown, LabelView label, std::uint64_t n, std::size_t max_keys);
  void merge(const Breakdowns& other, std::size_t max_keys);

 private:
  std::unique_ptr<PerBreakdown<LabelCounts>> counts_;
};

}  // namespace runner_metrics
