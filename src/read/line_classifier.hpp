// SPDX-License-Identifier: Apache-2.0
// What the reader and the follower make of each line they split off a file:
// a LogLine, numbered, with format.md §7's classification. One place for the
// rules every reader shares: a trailing "\r" is not part of the line, an
// empty line is invalid, a line over the limit is invalid and not held.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/reader.hpp"

namespace runner_metrics::detail {

class LineClassifier {
 public:
  LineClassifier(std::size_t max_line_bytes, ParseRules rules) : parser_(rules) {
    too_long_.problem = fmt::format("line is longer than {} bytes", max_line_bytes);
    empty_.problem = "line is empty";
    cut_off_.problem = "line was cut off: the file was truncated before its newline";
  }

  /// A whole line, its "\n" removed, that starts at `offset` in its file.
  /// `in_place`: the line is followed in memory by EventParser::PADDING
  /// readable bytes, so the parser reads it where it is.
  const LogLine* line(std::string_view text, std::uint64_t offset, bool in_place) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    next(offset);
    line_.text = text;
    line_.parsed = text.empty() ? &empty_
                   : in_place   ? &parser_.read_in_place(text)
                                : &parser_.read(text);
    return &line_;
  }

  /// A line longer than the limit, skipped without being held.
  const LogLine* too_long(std::uint64_t offset) {
    next(offset);
    line_.too_long = true;
    line_.parsed = &too_long_;
    return &line_;
  }

  /// A line whose file was truncated before its "\n".
  const LogLine* cut_off(std::uint64_t offset) {
    next(offset);
    line_.parsed = &cut_off_;
    return &line_;
  }

 private:
  void next(std::uint64_t offset) {
    line_.text = {};
    line_.too_long = false;
    line_.number += 1;
    line_.offset = offset;
  }

  EventParser parser_;
  ParsedLine too_long_;
  ParsedLine empty_;
  ParsedLine cut_off_;
  LogLine line_;
};

}  // namespace runner_metrics::detail
