// SPDX-License-Identifier: Apache-2.0
// Whether this test binary is the AddressSanitizer + UndefinedBehaviorSanitizer
// build (-DRUNNER_METRICS_SANITIZE=ON). There every allocation costs several
// times as much and a peak resident set says nothing about the program, so a
// test sizes its load down, keeping what ASan is for (the same code paths,
// hostile inputs, past every cap), and leaves bounds of memory or speed to
// the normal build:
//
//   constexpr int kFlavors = kAddressSanitizer ? 5000 : 200000;
#pragma once

namespace runner_metrics::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace runner_metrics::testing
