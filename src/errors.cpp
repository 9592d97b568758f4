// SPDX-License-Identifier: Apache-2.0
#include "runner_metrics/errors.hpp"

#include <fmt/format.h>

namespace runner_metrics {

ValidationError::ValidationError(std::string field, std::string_view problem)
    : std::invalid_argument(field.empty() ? std::string(problem)
                                          : fmt::format("{}: {}", field, problem)),
      field_(std::move(field)),
      problem_(problem) {}

ValidationError::ValidationError(const ValidationError& error, std::string_view where)
    : std::invalid_argument(fmt::format("{}: {}", where, error.what())),
      field_(error.field_),
      problem_(error.problem_) {}

}  // namespace runner_metrics
