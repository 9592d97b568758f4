# SPDX-License-Identifier: Apache-2.0
"""The exceptions of runner_metrics (the compiled part raises them too)."""


class ValidationError(ValueError):
    """An event breaks the rules of docs/format.md; nothing was written.

    >>> RunnerInstalled(timestamp=1, flavor="small", duration=-0.5)
    ValidationError: duration: must be >= 0
    >>> error.field, error.problem
    ('duration', 'must be >= 0')

    ``field`` names the field at fault ("status_info.code" inside a record),
    or is empty when a parsed line is not a JSON object at all.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem

    def __reduce__(self):
        return (type(self), (self.field, self.problem))


class IssueMetricEventError(Exception):
    """The metrics log could not be written; the message names the path and the OS error.

    >>> MetricsLog("/no/such/dir/metrics.log").append(event)
    IssueMetricEventError: /no/such/dir/metrics.log: No such file or directory
    """


class LogrotateSetupError(Exception):
    """logrotate could not be set up; the message names the failed step and its stderr."""


class ReadLogError(OSError):
    """A log could not be read; the message names the path and the OS error."""
