# SPDX-License-Identifier: Apache-2.0
"""Metric events of self-hosted GitHub Actions runners: a drop-in for the `metrics` module.

The same classes, keyword constructors, functions, exceptions and constants as
the Python ancestor, with the C++ library underneath: every line is
byte-identical to what the ancestor wrote, validated before anything is
written, appended by one write(2) so that threads and processes never tear a
line, and rotation-safe.

>>> from runner_metrics import RunnerInstalled, issue_event
>>> event = RunnerInstalled(timestamp=123, flavor="small", duration=456)
>>> event.json()
'{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}'
>>> issue_event(event)        # appends that line and "\\n" to METRICS_LOG_PATH

Migrating from the ancestor is the import line:

    import runner_metrics as metrics      # was: from github_runner_manager import metrics
"""

import datetime as _datetime
import json as _json
import os as _os
import pathlib as _pathlib
import re as _re
import sys as _sys
import types as _types
import typing as _typing
from typing import Any, Dict, Iterable, Iterator, NamedTuple, Optional, Union

from ._errors import IssueMetricEventError, LogrotateSetupError, ReadLogError, ValidationError
from . import _runner_metrics as _rm

__all__ = [
    "Record", "Event", "CodeInformation", "RunnerInstalled", "RunnerStart", "RunnerStop",
    "Reconciliation", "NonNegativeFloat", "NonNegativeInt", "MetricsLog", "issue_event",
    "setup_logrotate", "parse_event", "read_events", "summarize", "OtherLine", "InvalidLine",
    "ValidationError", "IssueMetricEventError", "LogrotateSetupError", "ReadLogError",
    "LOG_ROTATE_TIMER_SYSTEMD_SERVICE", "SYSTEMCTL_PATH", "METRICS_LOG_PATH", "LOGROTATE_CONFIG",
    "MAX_LINE_BYTES",
]

# The ancestor's constants, of the ancestor's types. issue_event and
# setup_logrotate read them when called, so assigning one (a test's
# monkeypatch.setattr(runner_metrics, "METRICS_LOG_PATH", tmp_path / "m.log"))
# redirects them.
LOG_ROTATE_TIMER_SYSTEMD_SERVICE = "logrotate.timer"
SYSTEMCTL_PATH = "/usr/bin/systemctl"
METRICS_LOG_PATH = _pathlib.Path("/var/log/github-runner-metrics.log")
LOGROTATE_CONFIG = _pathlib.Path("/etc/logrotate.d/github-runner-metrics")

#: The longest line, newline included, that is written; longer events are refused.
MAX_LINE_BYTES: int = _rm.MAX_LINE_BYTES


class NonNegativeFloat(float):
    """Annotation of a float field that must be >= 0 (pydantic's NonNegativeFloat works too)."""


class NonNegativeInt(int):
    """Annotation of an integer field that must be >= 0 (pydantic's NonNegativeInt works too)."""


_REQUIRED = object()


def _snake_case(name: str) -> str:
    """RunnerInstalled -> runner_installed, as the ancestor named its events."""
    return _re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _non_negative(annotation: type) -> bool:
    if annotation.__name__ in ("NonNegativeFloat", "NonNegativeInt"):
        return True
    # pydantic's confloat(ge=0) / conint(ge=0) carry their bound as `ge`.
    ge, gt = getattr(annotation, "ge", None), getattr(annotation, "gt", None)
    return (ge is not None and ge >= 0) or (gt is not None and gt >= 0)


def _field_kind(owner: str, name: str, annotation: Any):
    """(kind, optional, non_negative, record class) of an annotation."""
    optional = False
    origin = _typing.get_origin(annotation)
    if origin is Union or origin is getattr(_types, "UnionType", None):
        members = _typing.get_args(annotation)
        if len(members) == 2 and type(None) in members:
            optional = True
            annotation = next(member for member in members if member is not type(None))
    if isinstance(annotation, type) and not issubclass(annotation, bool):
        if issubclass(annotation, float):
            return "float", optional, _non_negative(annotation), None
        if issubclass(annotation, int):
            return "int", optional, _non_negative(annotation), None
        if issubclass(annotation, str):
            return "str", optional, False, None
        if issubclass(annotation, Record) and not annotation._rm_is_event:
            return "record", optional, False, annotation
    raise TypeError(
        f"{owner}.{name}: {annotation!r} is not a field type runner_metrics can write "
        "(float, int, str, NonNegativeFloat, NonNegativeInt, a Record subclass, or Optional of one)"
    )


def _make_spec(cls: type) -> object:
    """The fields of `cls` from its annotations and its bases', in line order."""
    hints = _typing.get_type_hints(cls)
    names: list = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):
            if name.startswith("_") or name in names:
                continue
            if _typing.get_origin(hints.get(name)) is _typing.ClassVar:
                continue
            names.append(name)
    is_event = cls._rm_is_event
    event_name = _snake_case(cls.__name__) if is_event else ""
    fields, described = [], []
    for name in names:
        kind, optional, non_negative, record = _field_kind(cls.__name__, name, hints[name])
        if name == "event" and is_event:
            default = event_name
        else:
            default = getattr(cls, name, None if optional else _REQUIRED)
        nested = record._rm_spec if record is not None else None
        fields.append((name, kind, optional, non_negative, nested, record, default))
        described.append((name, kind, optional, non_negative,
                          record._rm_fields if record is not None else None))
    cls._rm_names = tuple(names)
    cls._rm_event_name = event_name
    # What the tests compare with the library's own descriptions.
    cls._rm_fields = tuple(described)
    return _rm.record_spec(cls.__name__, event_name, fields, _REQUIRED)


class Record:
    """A JSON object of typed fields, declared by annotations (the ancestor's pydantic BaseModel).

    >>> class CodeInformation(Record):
    ...     code: int
    >>> CodeInformation(code=137).json()
    '{"code": 137}'
    """

    _rm_names: tuple = ()
    _rm_fields: tuple = ()
    _rm_is_event = False
    _rm_event_name = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._rm_spec = _make_spec(cls)

    # Both in C++: keyword arguments checked and stored, and the line written,
    # without a Python frame. Record(**data) raises ValidationError naming the
    # field; .json() checks every field again (attributes can be reassigned).
    __init__ = _rm.record_init
    json = _rm.record_json

    def dict(self, *, exclude_none: bool = False) -> Dict[str, Any]:
        """The fields as a dict, nested records as dicts (pydantic's ``.dict()``).

        >>> CodeInformation(code=137).dict()
        {'code': 137}
        """
        values = {}
        for name in self._rm_names:
            value = getattr(self, name)
            if isinstance(value, Record):
                value = value.dict(exclude_none=exclude_none)
            elif value is None and exclude_none:
                continue
            values[name] = value
        return values

    def copy(self, *, update: Optional[Dict[str, Any]] = None) -> "Record":
        """A copy with the fields in ``update`` replaced, checked like a new one (pydantic's ``.copy``).

        >>> RunnerInstalled(timestamp=1, flavor="s", duration=2).copy(update={"duration": 3}).json()
        '{"timestamp": 1.0, "event": "runner_installed", "flavor": "s", "duration": 3.0}'
        """
        values = {name: getattr(self, name) for name in self._rm_names}
        values.update(update or {})
        return type(self)(**values)

    def __iter__(self) -> Iterator:
        return ((name, getattr(self, name)) for name in self._rm_names)

    def __eq__(self, other: object) -> bool:
        # As pydantic 1.x: equal when the fields are, whatever the classes.
        if isinstance(other, Record):
            return self.dict() == other.dict()
        return self.dict() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._rm_names)
        return f"{type(self).__name__}({fields})"


Record._rm_spec = _rm.record_spec("Record", "", [], _REQUIRED)


class Event(Record):
    """Base of all metric events; subclass it to define your own.

    ``event`` defaults to the class name in snake case; an explicit value
    overrides it (but may not be another library event's name).

    >>> class RunnerResized(Event):
    ...     flavor: str
    ...     cores: NonNegativeInt
    >>> RunnerResized(timestamp=1, flavor="s", cores=4).json()
    '{"timestamp": 1.0, "event": "runner_resized", "flavor": "s", "cores": 4}'
    """

    _rm_is_event = True
    timestamp: NonNegativeFloat
    event: str


# The library's events, field for field as the C++ library describes them (a
# test holds the two equal). A field the library gains is one line here, in
# line order.


class CodeInformation(Record):
    """How a stopped runner's job ended: an exit code (may be negative) or an HTTP status."""

    code: int


class RunnerInstalled(Event):
    """A runner was installed and registered.

    >>> RunnerInstalled(timestamp=123, flavor="small", duration=456).json()
    '{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}'
    """

    flavor: str
    duration: NonNegativeFloat


class RunnerStart(Event):
    """A runner picked up a job; ``queue_duration`` is left out of the line when None."""

    flavor: str
    workflow: str
    repo: str
    github_event: str
    idle: NonNegativeFloat
    queue_duration: Optional[NonNegativeFloat] = None


class RunnerStop(Event):
    """A runner finished or failed its job; ``job_conclusion`` (GitHub's, e.g. "success") may be None.

    >>> RunnerStop(timestamp=1, flavor="s", workflow="w", repo="o/r", github_event="push",
    ...            status="abnormal", status_info=CodeInformation(code=137), job_duration=61.25).json()
    '{"timestamp": 1.0, "event": "runner_stop", ..., "status": "abnormal", "status_info": {"code": 137}, "job_duration": 61.25}'
    """

    flavor: str
    workflow: str
    repo: str
    github_event: str
    status: str
    status_info: Optional[CodeInformation] = None
    job_duration: NonNegativeFloat
    job_conclusion: Optional[str] = None  # since January 2024


class Reconciliation(Event):
    """One pass of the fleet manager's reconciliation over a flavor; counts are integers >= 0.

    ``active_runners`` (busy after the pass) and ``expected_runners`` (what the pass aimed
    for) may be None, and are then left out of the line.
    """

    flavor: str
    crashed_runners: NonNegativeInt
    idle_runners: NonNegativeInt
    active_runners: Optional[NonNegativeInt] = None  # since October 2024
    expected_runners: Optional[NonNegativeInt] = None  # since October 2024
    duration: NonNegativeFloat


_LIBRARY_EVENTS = (RunnerInstalled, RunnerStart, RunnerStop, Reconciliation)
_rm.set_library_classes({cls._rm_event_name: cls for cls in _LIBRARY_EVENTS},
                        CodeInformation)

MetricsLog = _rm.MetricsLog
MetricsLog.__doc__ = """An append-only metrics log at one path; thread-safe, rotation-safe.

>>> log = MetricsLog("/srv/metrics.log")
>>> log.append(RunnerInstalled(timestamp=123, flavor="small", duration=456))
→ appends {"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}
>>> log.append_all(events)     # validates every event, then writes them in as few write(2) as possible

Each line goes out in one write(2) on an O_APPEND descriptor, so lines from
threads and processes never interleave. After logrotate renames the file the
next line goes to the new one. Raises ValidationError (nothing written) or
IssueMetricEventError naming the path and the OS error.

Lines are built in a buffer of the calling thread that is kept between calls
(warm memory is faster to fill), up to 16 MiB: a thread whose batch needed
more gives the memory back after it.

SIGTERM, SIGINT, SIGHUP and SIGPIPE are held (blocked) around each write(2),
so a signal that kills the process never cuts a line; that costs two system
calls per append. MetricsLog(path, hold_signals=False) leaves them out, for a
program that handles SIGTERM and SIGHUP itself: a signal with a handler never
cuts a write to a regular file (Python's SIGINT handler and its ignored
SIGPIPE are such), only one whose default action kills the process can.
"""

# In C++: reads METRICS_LOG_PATH from this module at each call, and keeps the
# log open while it stays the same.
issue_event = _rm.issue_event


def setup_logrotate() -> None:
    """Writes LOGROTATE_CONFIG for METRICS_LOG_PATH and enables logrotate.timer, as the ancestor did.

    >>> setup_logrotate()
    → /etc/logrotate.d/github-runner-metrics:
      /var/log/github-runner-metrics.log {
          rotate 0
          missingok
          notifempty
          create
      }
      then SYSTEMCTL_PATH enable logrotate.timer, and start it unless it is active.

    Raises LogrotateSetupError naming the failed step and what it printed.
    """
    _rm.setup_logrotate(LOGROTATE_CONFIG, METRICS_LOG_PATH, SYSTEMCTL_PATH)


def parse_event(line: Union[str, bytes]) -> Event:
    """The event on one JSON line, held to the same rules as input to the log.

    >>> parse_event('{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 2}')
    RunnerInstalled(timestamp=1.0, event='runner_installed', flavor='s', duration=2.0)
    >>> parse_event('{"timestamp": 1, "event": "runner_installed", "flavor": "s", "durration": 2}')
    ValidationError: durration: is not a field of runner_installed
    """
    return _rm.parse_event(line)


class OtherLine(NamedTuple):
    """A log line holding a JSON object whose ``event`` is none of the library's types."""

    number: int
    text: str


class InvalidLine(NamedTuple):
    """A log line that is not a valid event, with the field at fault (maybe "") and why."""

    number: int
    text: str
    field: str
    problem: str


def read_events(path: Union[str, "_os.PathLike[str]"]) -> Iterator[Union[Event, OtherLine, InvalidLine]]:
    """Each line of a log ("-": standard input) as an event object, an OtherLine or an InvalidLine.

    >>> list(read_events("metrics.log"))
    [RunnerInstalled(timestamp=123.0, event='runner_installed', flavor='small', duration=456.0),
     OtherLine(number=2, text='{"timestamp": 5, "event": "runner_resized"}'),
     InvalidLine(number=3, text='{"timestamp": -1, ...}', field='timestamp', problem='must be >= 0')]

    Members of a newer writer are ignored, as in every reader of the log. A float written as
    the bare token ``Infinity`` (the ancestor's unknown value) reads as ``float("inf")``;
    no event holding one can be written.
    Raises ReadLogError (an OSError) if the file cannot be read.
    """
    for item in _rm.LogLines(_os.fsdecode(path)):
        if type(item) is tuple:
            yield OtherLine(*item[1:]) if item[0] == "other" else InvalidLine(*item[1:])
        else:
            yield item


def _seconds(value: Any, name: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{name}: a time is UNIX seconds, an ISO 8601 string or a datetime")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, _datetime.datetime):
        if value.tzinfo is None:  # as on the command line: no offset is UTC
            value = value.replace(tzinfo=_datetime.timezone.utc)
        return value.timestamp()
    if isinstance(value, _datetime.date):
        return _seconds(_datetime.datetime(value.year, value.month, value.day), name)
    if isinstance(value, str):
        seconds = _rm.parse_time(value)
        if seconds is None:
            raise ValueError(f"{name}: {value!r} is not UNIX seconds or an ISO 8601 time")
        return seconds
    raise TypeError(f"{name}: a time is UNIX seconds, an ISO 8601 string or a datetime")


def summarize(paths: Union[str, "_os.PathLike[str]", Iterable[Union[str, "_os.PathLike[str]"]]],
              since: Any = None, until: Any = None, by_flavor: bool = False,
              max_label_values: int = 1000) -> Dict[str, Any]:
    """What the logs say about the fleet: the object ``runner-metrics summary --format json`` prints.

    >>> summarize("metrics.log")
    {'lines': {'total': 3, 'valid': 3, 'other': 0, 'invalid': 0},
     'groups': [{'flavor': None, 'counts': {'runner_installed': 1, ...}, ...}]}
    >>> summarize(["old.log", "metrics.log"], since="2026-11-24", until=1795615200, by_flavor=True)

    ``since``/``until`` keep events with since <= timestamp < until: UNIX
    seconds, ISO 8601 text, or a datetime (naive is UTC). ``max_label_values``
    (1 to 1,000,000) caps each breakdown as ``--max-label-values`` does. Raises
    ReadLogError, or ValueError for a cap out of range.
    """
    if isinstance(max_label_values, bool) or not isinstance(max_label_values, int) or not (
            1 <= max_label_values <= 1_000_000):
        raise ValueError(f"max_label_values: must be an integer from 1 to 1000000, "
                         f"not {max_label_values!r}")
    if isinstance(paths, (str, bytes, _os.PathLike)):
        paths = [paths]
    files = [_os.fsdecode(path) for path in paths]
    text = _rm.summarize_json(files, _seconds(since, "since"), _seconds(until, "until"),
                              bool(by_flavor), max_label_values)
    return _json.loads(text)

