// SPDX-License-Identifier: Apache-2.0
// The plain ways of writing a float and a string that the fast ones in
// json_text.cpp fall back to, exposed so that tests can hold every fast path
// to the same bytes (the differential tests in serialize_test.cpp).
#pragma once

#include <string_view>

namespace runner_metrics::detail {

/// Python's repr(float) of a finite `value`, always from the shortest digits
/// Dragonbox finds, with none of the shortcuts for whole numbers or few
/// decimals. Room for kMaxFloatBytes at `out`.
char* write_python_float_shortest(char* out, double value);

/// `text` as json.dumps(ensure_ascii=True) writes it, one byte at a time.
/// nullptr when `text` is not valid UTF-8.
char* write_ascii_json_string_bytewise(char* out, std::string_view text);

}  // namespace runner_metrics::detail
