#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How the Python ancestor issued one metric event, for timing against the CLI.

A re-creation of the ancestor's `metrics` module, reduced to what issuing a
`runner_installed` event touches: a pydantic 1.x model whose `event` field
defaults to the class name in snake case, serialized with `.json()` (that is
json.dumps with ", " and ": " separators and ASCII escapes, None left out)
and appended to the log as one line.

    /usr/bin/python3 bench/ancestor_issue_event.py LOG TIMESTAMP FLAVOR DURATION

cli_bench.sh checks that the line written here is byte-identical to what
`runner-metrics issue runner-installed` writes for the same values.
"""

import re
import sys

from pydantic import BaseModel, NonNegativeFloat

METRICS_LOG_PATH = "/var/log/github-runner-metrics.log"


class IssueMetricEventError(Exception):
    """The event could not be written to the metrics log."""


def _snake_case(name: str) -> str:
    """RunnerInstalled -> runner_installed."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Event(BaseModel):
    """Base of all metric events."""

    timestamp: NonNegativeFloat
    event: str

    def __init__(self, **data):
        data.setdefault("event", _snake_case(type(self).__name__))
        super().__init__(**data)


class RunnerInstalled(Event):
    """A runner was installed."""

    flavor: str
    duration: NonNegativeFloat


def issue_event(event: Event) -> None:
    """Append the event's line to the metrics log."""
    try:
        with open(METRICS_LOG_PATH, mode="a", encoding="utf-8") as log:
            log.write(event.json(exclude_none=True) + "\n")
    except OSError as exc:
        raise IssueMetricEventError(f"Cannot write metrics log {METRICS_LOG_PATH}") from exc


def main(argv: list) -> int:
    global METRICS_LOG_PATH
    if len(argv) != 5:
        print(f"usage: {argv[0]} LOG TIMESTAMP FLAVOR DURATION", file=sys.stderr)
        return 2
    METRICS_LOG_PATH = argv[1]
    issue_event(
        RunnerInstalled(timestamp=float(argv[2]), flavor=argv[3], duration=float(argv[4]))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
