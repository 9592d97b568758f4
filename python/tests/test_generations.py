# SPDX-License-Identifier: Apache-2.0
"""The compatibility corpus (tests/data/generations/) through read_events and summarize.

Lines as each generation of the ancestor wrote them, and look-alikes; expected.json says what
each line is, as tests/generations_test.cpp checks for the C++ readers.
"""

import json
import math

import pytest

import runner_metrics
from conftest import SOURCE_DIR

CORPUS = SOURCE_DIR / "tests" / "data" / "generations"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
FLOAT_FIELDS = ("duration", "idle", "queue_duration", "job_duration")


def unknown_values(event):
    return sum(1 for name in FLOAT_FIELDS if getattr(event, name, None) == math.inf)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_events_says_of_each_line_what_expected_json_says(name):
    verdicts = EXPECTED[name]
    lines = list(runner_metrics.read_events(CORPUS / name))
    assert len(lines) == len(verdicts)
    texts = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    for number, (line, verdict, text) in enumerate(zip(lines, verdicts, texts), start=1):
        where = f"{name}:{number}: {text}"
        if verdict in ("event", "unknown"):
            assert isinstance(line, runner_metrics.Event), (where, line)
            assert unknown_values(line) == (1 if verdict == "unknown" else 0), where
            if verdict == "event" and name != "look-alikes.log":
                assert line.json() == text, where  # the ancestor's line, written again
        elif verdict == "other":
            assert line == runner_metrics.OtherLine(number, text), where
        else:
            assert isinstance(line, runner_metrics.InvalidLine), (where, line)
            assert (line.number, line.field) == (number, verdict[len("invalid "):]), (where, line)
            assert line.problem, where


def test_the_later_fields_read_into_their_attributes():
    stops = [line for line in runner_metrics.read_events(CORPUS / "2024-job-conclusion.log")
             if isinstance(line, runner_metrics.RunnerStop)]
    assert [stop.job_conclusion for stop in stops] == ["success", "failure", "cancelled", None]
    passes = [line for line in runner_metrics.read_events(CORPUS / "2024-runner-counts.log")
              if isinstance(line, runner_metrics.Reconciliation)]
    assert [(p.active_runners, p.expected_runners) for p in passes] == [
        (5, 8), (0, 2), (1, None), (None, 4)]
    statuses = [line.status for line in runner_metrics.read_events(CORPUS / "2026-statuses.log")
                if isinstance(line, runner_metrics.RunnerStop)]
    assert statuses.count("external-contributor-check-failure") == 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_summarize_counts_the_lines_of_each_file_as_expected(name):
    verdicts = EXPECTED[name]
    lines = runner_metrics.summarize(CORPUS / name)["lines"]
    assert lines == {
        "total": len(verdicts),
        "valid": sum(v in ("event", "unknown") for v in verdicts),
        "other": verdicts.count("other"),
        "invalid": sum(v.startswith("invalid") for v in verdicts),
    }
