// SPDX-License-Identifier: Apache-2.0
// A strict reader of the markup the report writes (HTML5 in which every
// element that is not void is closed, SVG inline), so a test can look at the
// page as a tree: which panels, series and values it holds.
//
//   auto page = parse_markup(html);
//   page->find_all("figure", "data-panel", "lifecycle").size() → 1
//
// It throws std::runtime_error on what a sloppy page would have: an unclosed
// or mismatched element, a stray "<" or "&", an unknown entity, an attribute
// given twice.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runner_metrics::testing {

struct Element;

/// Text or an element, in document order.
struct Node {
  std::string text;
  std::unique_ptr<Element> element;
};

struct Element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  ///< Values decoded.
  std::vector<Node> children;

  /// The attribute's decoded value, or nullopt.
  std::optional<std::string> attribute(std::string_view key) const;
  /// All the text inside, decoded, in order.
  std::string text() const;
  /// Descendants named `tag` (any name when empty), in document order;
  /// with `key`, only those whose attribute `key` is `value`.
  std::vector<const Element*> find_all(std::string_view tag, std::string_view key = {},
                                       std::optional<std::string_view> value = {}) const;
  /// Descendants whose class list holds `name`.
  std::vector<const Element*> with_class(std::string_view tag, std::string_view class_name) const;
};

/// The document as a root element named "#document".
std::unique_ptr<Element> parse_markup(std::string_view html);

}  // namespace runner_metrics::testing
