# SPDX-License-Identifier: Apache-2.0
"""Type stubs of runner_metrics: the metric events of self-hosted GitHub Actions runners.

>>> RunnerInstalled(timestamp=123, flavor="small", duration=456).json()
'{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}'
"""

import datetime
import os
from pathlib import Path
from typing import Any, ClassVar, Dict, Iterable, Iterator, NamedTuple, Optional, Union

_Path = Union[str, "os.PathLike[str]"]
_Time = Union[None, int, float, str, datetime.date, datetime.datetime]

LOG_ROTATE_TIMER_SYSTEMD_SERVICE: str  # "logrotate.timer"
SYSTEMCTL_PATH: str  # "/usr/bin/systemctl"
METRICS_LOG_PATH: Union[Path, str]  # Path("/var/log/github-runner-metrics.log"); read at each call
LOGROTATE_CONFIG: Union[Path, str]  # Path("/etc/logrotate.d/github-runner-metrics")
MAX_LINE_BYTES: int  # 1048576

class ValidationError(ValueError):
    """RunnerInstalled(timestamp=1, flavor="s", duration=-0.5) → ValidationError('duration: must be >= 0')."""
    field: str  # "duration", "status_info.code"
    problem: str  # "must be >= 0"
    def __init__(self, field: str, problem: str) -> None: ...

class IssueMetricEventError(Exception):
    """The log could not be written: "/no/dir/metrics.log: No such file or directory"."""

class LogrotateSetupError(Exception):
    """logrotate could not be set up: the failed step and what it printed on stderr."""

class ReadLogError(OSError):
    """A log could not be read: "metrics.log: No such file or directory"."""

class NonNegativeFloat(float):
    """Annotation: a float field >= 0."""

class NonNegativeInt(int):
    """Annotation: an integer field >= 0."""

class Record:
    """Typed fields from annotations, as pydantic 1.x's BaseModel: CodeInformation(code=137)."""
    def __init__(self, **data: Any) -> None: ...
    def json(self, *, exclude_none: bool = True) -> str:
        """CodeInformation(code=137).json() → '{"code": 137}'; an event's line without "\\n"."""
    def dict(self, *, exclude_none: bool = False) -> Dict[str, Any]:
        """CodeInformation(code=137).dict() → {'code': 137}"""
    def copy(self, *, update: Optional[Dict[str, Any]] = None) -> "Record":
        """RunnerInstalled(...).copy(update={"duration": 3}) → a checked copy."""
    def __iter__(self) -> Iterator[tuple]: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class Event(Record):
    """Base of every event; `event` defaults to the class name in snake case."""
    timestamp: float
    event: str

class CodeInformation(Record):
    code: int

class RunnerInstalled(Event):
    """RunnerInstalled(timestamp=123, flavor="small", duration=456)"""
    flavor: str
    duration: float
    def __init__(self, *, timestamp: float, flavor: str, duration: float,
                 event: str = ...) -> None: ...

class RunnerStart(Event):
    flavor: str
    workflow: str
    repo: str
    github_event: str
    idle: float
    queue_duration: Optional[float]
    def __init__(self, *, timestamp: float, flavor: str, workflow: str, repo: str,
                 github_event: str, idle: float, queue_duration: Optional[float] = None,
                 event: str = ...) -> None: ...

class RunnerStop(Event):
    flavor: str
    workflow: str
    repo: str
    github_event: str
    status: str
    status_info: Optional[CodeInformation]
    job_duration: float
    job_conclusion: Optional[str]
    def __init__(self, *, timestamp: float, flavor: str, workflow: str, repo: str,
                 github_event: str, status: str,
                 status_info: Union[CodeInformation, Dict[str, int], None] = None,
                 job_duration: float, job_conclusion: Optional[str] = None,
                 event: str = ...) -> None: ...

class Reconciliation(Event):
    flavor: str
    crashed_runners: int
    idle_runners: int
    active_runners: Optional[int]
    expected_runners: Optional[int]
    duration: float
    def __init__(self, *, timestamp: float, flavor: str, crashed_runners: int,
                 idle_runners: int, active_runners: Optional[int] = None,
                 expected_runners: Optional[int] = None, duration: float,
                 event: str = ...) -> None: ...

class MetricsLog:
    """MetricsLog("/srv/metrics.log").append(event) → one line, one write(2); thread-safe."""
    def __init__(self, path: _Path) -> None: ...
    @property
    def path(self) -> Path: ...
    def append(self, event: Event) -> None: ...
    def append_all(self, events: Iterable[Event]) -> None:
        """Validates every event, then writes them in as few write(2) calls as possible."""

def issue_event(event: Event) -> None:
    """issue_event(RunnerInstalled(timestamp=123, flavor="small", duration=456)) → appends
    {"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}
    to METRICS_LOG_PATH."""

def setup_logrotate() -> None:
    """Writes LOGROTATE_CONFIG for METRICS_LOG_PATH; enables and starts logrotate.timer."""

def parse_event(line: Union[str, bytes]) -> Event:
    """parse_event('{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 2}')
    → RunnerInstalled(timestamp=1.0, event='runner_installed', flavor='s', duration=2.0)"""

class OtherLine(NamedTuple):
    number: int
    text: str

class InvalidLine(NamedTuple):
    number: int
    text: str
    field: str
    problem: str

def read_events(path: _Path) -> Iterator[Union[Event, OtherLine, InvalidLine]]:
    """list(read_events("metrics.log")) → [RunnerInstalled(...), OtherLine(2, ...), InvalidLine(3, ...)]"""

def summarize(paths: Union[_Path, Iterable[_Path]], since: _Time = None, until: _Time = None,
              by_flavor: bool = False, max_label_values: int = 1000) -> Dict[str, Any]:
    """summarize("metrics.log") → {'lines': {'total': 3, ...}, 'groups': [{'flavor': None, ...}]}"""
