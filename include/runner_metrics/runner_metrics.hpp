// SPDX-License-Identifier: Apache-2.0
// Everything a library user calls, in one include. Each header below reads
// on its own: events and their descriptions; writing, parsing and reading
// lines; the measures and the aggregates built from them; reading logs on
// every core; rendering.
#pragma once

#include "runner_metrics/aggregate.hpp"
#include "runner_metrics/breakdowns.hpp"
#include "runner_metrics/description.hpp"
#include "runner_metrics/errors.hpp"
#include "runner_metrics/event_parser.hpp"
#include "runner_metrics/events.hpp"
#include "runner_metrics/log_follower.hpp"
#include "runner_metrics/logrotate.hpp"
#include "runner_metrics/measures.hpp"
#include "runner_metrics/metrics_log.hpp"
#include "runner_metrics/prometheus_metrics.hpp"
#include "runner_metrics/quantile_sketch.hpp"
#include "runner_metrics/read_logs.hpp"
#include "runner_metrics/reader.hpp"
#include "runner_metrics/report.hpp"
#include "runner_metrics/serialize.hpp"
#include "runner_metrics/summary.hpp"
#include "runner_metrics/summary_render.hpp"
#include "runner_metrics/time_text.hpp"
#include "runner_metrics/timeline.hpp"
