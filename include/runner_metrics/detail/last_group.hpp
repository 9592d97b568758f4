// SPDX-License-Identifier: Apache-2.0
// The group of the previous event, which an aggregate looks at before its
// map: flavors come in runs, so this skips most lookups.
#pragma once

#include <string_view>

namespace runner_metrics::detail {

/// `key` views the map's own key, so it lives as long as the group. A copy
/// starts empty rather than point into the source.
template <class Group>
class LastGroup {
 public:
  LastGroup() = default;
  LastGroup(const LastGroup&) noexcept {}
  LastGroup& operator=(const LastGroup& other) noexcept {
    if (this != &other) forget();
    return *this;
  }
  ~LastGroup() = default;

  /// The group remembered for `key`, or nullptr.
  Group* find(std::string_view key) const noexcept {
    return group_ != nullptr && key_ == key ? group_ : nullptr;
  }
  void remember(std::string_view key, Group& group) noexcept {
    key_ = key;
    group_ = &group;
  }
  void forget() noexcept {
    key_ = {};
    group_ = nullptr;
  }

 private:
  std::string_view key_;
  Group* group_ = nullptr;
};

}  // namespace runner_metrics::detail
