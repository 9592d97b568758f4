// SPDX-License-Identifier: Apache-2.0
// The worked examples of tests/data/vectors.jsonl (docs/format.md §2), read by a small JSON
// reader of the test's own (independent of the library's parser), which
// keeps each value's raw text so numbers reach the CLI exactly as written.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace runner_metrics::testing {

/// One member of a JSON object as written in the vectors file.
struct JsonMember {
  std::string name;
  std::string raw;  ///< The value's JSON text, e.g. `1e+16`, `"small"`, `{"code": -9}`.
  bool is_string = false;
  std::string text;                 ///< For strings: the decoded bytes (a lone surrogate as WTF-8).
  std::vector<JsonMember> members;  ///< For objects.
};

struct Vector {
  std::string file;  ///< "vectors.jsonl" or "vectors-later.jsonl".
  std::size_t line = 0;
  std::string input;                 ///< The event object's JSON text.
  std::vector<JsonMember> members;   ///< Its members, in order.
  std::optional<std::string> type;   ///< Explicit type when `event` overrides the name.
  std::optional<std::string> out;    ///< The exact line expected.
  std::optional<std::string> error;  ///< The field an error must name.

  std::string event_name() const;  ///< The type's snake-case name.
  std::string label() const;       ///< "vectors.jsonl:12" for failure messages.
};

/// Every vector of tests/data/`file` (the seed era's, or "vectors-later.jsonl"
/// for the fields added later); fails the calling test (via exception) if the
/// file is missing.
std::vector<Vector> load_vectors(const std::string& file = "vectors.jsonl");

/// Parses one JSON object's members (one level of nesting is enough here).
std::vector<JsonMember> parse_json_object(const std::string& text);

}  // namespace runner_metrics::testing
