// SPDX-License-Identifier: Apache-2.0
// The page's inline CSS: light and dark themes, and print.
#pragma once

#include <string_view>

namespace runner_metrics::html {

/// The content of the page's <style> element.
extern const std::string_view STYLESHEET;

}  // namespace runner_metrics::html
