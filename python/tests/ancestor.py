# SPDX-License-Identifier: Apache-2.0
"""The Python ancestor's `metrics` module, re-created with Debian's pydantic 1.x for comparison.

The same models as the ancestor's (pydantic BaseModel, NonNegativeFloat, an
`event` defaulting to the class name in snake case) and its issue_event:
open the log for append, write `.json(exclude_none=True)` and a newline. The
optional fields its successors added (job_conclusion, active_runners,
expected_runners) are here too, where they added them.
"""

import re
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, NonNegativeFloat

METRICS_LOG_PATH = Path("/var/log/github-runner-metrics.log")


class IssueMetricEventError(Exception):
    """The event could not be written."""


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Event(BaseModel):
    timestamp: NonNegativeFloat
    event: str

    def __init__(self, **data):
        data.setdefault("event", _snake_case(type(self).__name__))
        super().__init__(**data)


class RunnerInstalled(Event):
    flavor: str
    duration: NonNegativeFloat


class RunnerStart(Event):
    flavor: str
    workflow: str
    repo: str
    github_event: str
    idle: NonNegativeFloat
    queue_duration: Optional[NonNegativeFloat]


class CodeInformation(BaseModel):
    code: int


class RunnerStop(Event):
    flavor: str
    workflow: str
    repo: str
    github_event: str
    status: str
    status_info: Optional[CodeInformation]
    job_duration: NonNegativeFloat
    job_conclusion: Optional[str]


class Reconciliation(Event):
    flavor: str
    crashed_runners: int
    idle_runners: int
    active_runners: Optional[int]
    expected_runners: Optional[int]
    duration: NonNegativeFloat


def issue_event(event: Event) -> None:
    try:
        with METRICS_LOG_PATH.open(mode="a", encoding="utf-8") as metrics_file:
            metrics_file.write(f"{event.json(exclude_none=True)}\n")
    except OSError as exc:
        raise IssueMetricEventError(f"Cannot write to {METRICS_LOG_PATH}") from exc
