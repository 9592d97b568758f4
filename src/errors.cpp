#include "runner_metrics/errors.hpp"

#include <fmt/format.h>

namespace runner_metrics {

ValidationError::ValidationError(std::string field, std::string_view problem)
    : std::invalid_argument(field.empty() ? std::string(problem)
                                          : fmt::format("{}: {}", field, problem)),
      field_(std::move(field)) {}

}  // namespace runner_metrics
