// SPDX-License-Identifier: Apache-2.0
// The metric events of a self-hosted runner's life, as the Python `metrics`
// module defined them. Fields are in the order they appear on the line.
//
//   issue_event(RunnerInstalled{.timestamp = 123, .flavor = "small", .duration = 456});
//   → {"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "runner_metrics/description.hpp"

namespace runner_metrics {

struct RunnerInstalled {
  double timestamp = 0;  ///< UNIX seconds.
  std::string event = "runner_installed";
  std::string flavor;
  double duration = 0;

  static constexpr std::string_view summary =
      "A runner was installed (spawned) and registered with GitHub.";

  bool operator==(const RunnerInstalled&) const = default;

  static constexpr auto fields() {
    return std::tuple{
        Field{"flavor", &RunnerInstalled::flavor, "Runner flavor (size class) of the runner."},
        Field{"duration", &RunnerInstalled::duration, "Seconds the installation took."},
    };
  }
};

struct RunnerStart {
  double timestamp = 0;
  std::string event = "runner_start";
  std::string flavor;
  std::string workflow;
  std::string repo;
  std::string github_event;
  double idle = 0;
  std::optional<double> queue_duration;

  static constexpr std::string_view summary = "A runner picked up a job.";

  bool operator==(const RunnerStart&) const = default;

  static constexpr auto fields() {
    return std::tuple{
        Field{"flavor", &RunnerStart::flavor, "Runner flavor (size class) of the runner."},
        Field{"workflow", &RunnerStart::workflow, "Name of the workflow the job belongs to."},
        Field{"repo", &RunnerStart::repo, "Repository of the workflow, as owner/name."},
        Field{"github_event", &RunnerStart::github_event,
              "GitHub event that triggered the workflow, e.g. push."},
        Field{"idle", &RunnerStart::idle, "Seconds the runner sat idle before the job."},
        Field{"queue_duration", &RunnerStart::queue_duration,
              "Seconds the job waited for a runner, when known."},
    };
  }
};

/// How a stopped runner's job ended: a process exit code or an HTTP status.
struct CodeInformation {
  std::int64_t code = 0;

  bool operator==(const CodeInformation&) const = default;

  static constexpr auto fields() {
    return std::tuple{
        Field{"code", &CodeInformation::code, "Exit code or HTTP status of the failure.",
              Range::Any},
    };
  }
};

struct RunnerStop {
  double timestamp = 0;
  std::string event = "runner_stop";
  std::string flavor;
  std::string workflow;
  std::string repo;
  std::string github_event;
  std::string status;
  std::optional<CodeInformation> status_info;
  double job_duration = 0;
  std::optional<std::string> job_conclusion;  ///< Written since January 2024.

  static constexpr std::string_view summary = "A runner finished or failed its job and stopped.";

  bool operator==(const RunnerStop&) const = default;

  static constexpr auto fields() {
    return std::tuple{
        Field{"flavor", &RunnerStop::flavor, "Runner flavor (size class) of the runner."},
        Field{"workflow", &RunnerStop::workflow, "Name of the workflow the job belongs to."},
        Field{"repo", &RunnerStop::repo, "Repository of the workflow, as owner/name."},
        Field{"github_event", &RunnerStop::github_event,
              "GitHub event that triggered the workflow, e.g. push."},
        Field{"status", &RunnerStop::status, "How the job ended: normal, abnormal, ..."},
        Field{"status_info", &RunnerStop::status_info, "Details of an abnormal status.",
              Range::NonNegative, "status"},
        Field{"job_duration", &RunnerStop::job_duration, "Seconds the job ran."},
        Field{"job_conclusion", &RunnerStop::job_conclusion,
              "GitHub's conclusion of the job (success, failure, ...), when known."},
    };
  }
};

struct Reconciliation {
  double timestamp = 0;
  std::string event = "reconciliation";
  std::string flavor;
  std::int64_t crashed_runners = 0;
  std::int64_t idle_runners = 0;
  std::optional<std::int64_t> active_runners;    ///< Written since October 2024.
  std::optional<std::int64_t> expected_runners;  ///< Written since October 2024.
  double duration = 0;

  static constexpr std::string_view summary =
      "One pass of the fleet manager's reconciliation loop over a flavor.";

  bool operator==(const Reconciliation&) const = default;

  static constexpr auto fields() {
    return std::tuple{
        Field{"flavor", &Reconciliation::flavor, "Runner flavor the pass reconciled."},
        Field{"crashed_runners", &Reconciliation::crashed_runners,
              "Runners found crashed in this pass."},
        Field{"idle_runners", &Reconciliation::idle_runners, "Runners idle after this pass."},
        Field{"active_runners", &Reconciliation::active_runners,
              "Runners busy with a job after this pass, when known."},
        Field{"expected_runners", &Reconciliation::expected_runners,
              "Runners this pass aimed for, when known."},
        Field{"duration", &Reconciliation::duration, "Seconds the pass took."},
    };
  }
};

/// Any of the library's own events, as read from a log or standard input.
using AnyEvent = std::variant<RunnerInstalled, RunnerStart, RunnerStop, Reconciliation>;

/// Calls `fn(std::type_identity<E>{})` for each type E of AnyEvent, in order.
template <class Fn>
constexpr void for_each_event_type(Fn&& fn) {
  const auto each = [&]<std::size_t... I>(std::index_sequence<I...>) {
    (fn(std::type_identity<std::variant_alternative_t<I, AnyEvent>>{}), ...);
  };
  each(std::make_index_sequence<std::variant_size_v<AnyEvent>>{});
}

/// format.md §7: a float field whose value its writer did not know. Since 2025
/// the ancestor's writer puts the bare token `Infinity` (not JSON) in
/// `runner_installed.duration` when an installation's start time is missing;
/// a reader of the log holds that as this value. Nothing writes it: to_line,
/// validate and every input path refuse a float that is not finite.
inline constexpr double UNKNOWN_VALUE = std::numeric_limits<double>::infinity();

/// Whether a float field holds UNKNOWN_VALUE. Aggregates leave such a value
/// out of every statistic and histogram, and count the event as usual.
constexpr bool is_unknown_value(double value) { return value == UNKNOWN_VALUE; }

/// How many float fields of `record`, nested records included, hold UNKNOWN_VALUE.
template <Record R>
std::size_t count_unknown_values(const R& record) {
  std::size_t count = 0;
  const auto count_value = [&count](const auto& value, const auto& self) -> void {
    using Value = std::remove_cvref_t<decltype(value)>;
    if constexpr (is_optional_field_v<Value>) {
      if (value) self(*value, self);
    } else if constexpr (std::is_same_v<Value, double>) {
      if (is_unknown_value(value)) ++count;
    } else if constexpr (Record<Value>) {
      count += count_unknown_values(value);
    }
  };
  for_each_field<R>([&](const auto& field) { count_value(record.*(field.member), count_value); });
  return count;
}

/// count_unknown_values of whichever event `event` holds.
inline std::size_t count_unknown_values(const AnyEvent& event) {
  return std::visit([](const auto& e) { return count_unknown_values(e); }, event);
}

}  // namespace runner_metrics
