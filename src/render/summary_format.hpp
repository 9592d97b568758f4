// SPDX-License-Identifier: Apache-2.0
// How the summary's renderers write numbers and times for people, shared by
// the text table and the HTML report so the two always agree.
//
//   human_duration(5400) → "1.50 h"     iso8601(1795615200.25) → "2026-11-25T14:00:00.25Z"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace runner_metrics::detail {

/// Renderers that stream hand their output on in pieces of about this size.
inline constexpr std::size_t TEXT_CHUNK_BYTES = std::size_t{64} * 1024;

/// What a streaming renderer, called as render(write), hands on, as one string.
template <class Render>
std::string whole_text(Render&& render) {
  std::string out;
  render([&out](std::string_view piece) { out += piece; });
  return out;
}

/// Three significant digits or so, in exponent form only below 0.01 or from a
/// million up: 0, 0.0012, 0.05, 2.50, 12.5, 120, 1.2e+07.
std::string short_number(double value);

/// Seconds in s, min or h, whichever reads best: "42.0 s", "1.50 min", "2.00 h".
std::string human_duration(double seconds);

/// UNIX seconds as ISO 8601 UTC, the fraction only when there is one:
/// "2026-11-25T14:00:00Z". Beyond year 9999 (or not finite), the number itself.
std::string iso8601(double seconds);

}  // namespace runner_metrics::detail
