# SPDX-License-Identifier: Apache-2.0
"""Reading logs from Python: read_events, parse_event and summarize (against the CLI's summary)."""

import datetime
import json
import math
import pathlib
import random
import subprocess

import pytest

import runner_metrics
from runner_metrics import (InvalidLine, OtherLine, Reconciliation, RunnerInstalled, RunnerStart,
                            RunnerStop, ReadLogError)


def write_fleet_log(path, events=3000, seed=7):
    """A log of every event type over three flavors, with other and invalid lines mixed in."""
    rng = random.Random(seed)
    log = runner_metrics.MetricsLog(path)
    timestamp = 1795600000.0
    for number in range(events):
        timestamp += rng.uniform(0, 30)
        flavor = rng.choice(["small", "large", "arm"])
        kind = number % 4
        if kind == 0:
            event = RunnerInstalled(timestamp=timestamp, flavor=flavor, duration=rng.uniform(20, 300))
        elif kind == 1:
            event = RunnerStart(timestamp=timestamp, flavor=flavor, workflow="Tests", repo="o/r",
                                github_event=rng.choice(["push", "pull_request"]),
                                idle=rng.expovariate(0.05),
                                queue_duration=rng.expovariate(0.03) if rng.random() < 0.8 else None)
        elif kind == 2:
            status = rng.choice(["normal", "normal", "abnormal", "repo-policy-check-failure"])
            event = RunnerStop(timestamp=timestamp, flavor=flavor, workflow="Tests", repo="o/r",
                               github_event="push", status=status,
                               status_info={"code": 137} if status != "normal" else None,
                               job_duration=rng.expovariate(0.001))
        else:
            event = Reconciliation(timestamp=timestamp, flavor=flavor,
                                   crashed_runners=rng.randint(0, 2), idle_runners=rng.randint(0, 9),
                                   duration=rng.uniform(10, 100))
        log.append(event)
    with open(path, "a", encoding="utf-8") as file:
        file.write('{"timestamp": 5, "event": "runner_resized", "cores": 4}\n')
        file.write('{"timestamp": -1, "event": "runner_installed", "flavor": "s", "duration": 1}\n')
        file.write("not json\n")
    return timestamp


def test_read_events_yields_events_other_and_invalid_lines_in_order(tmp_path):
    path = tmp_path / "m.log"
    path.write_text(
        '{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}\n'
        '{"timestamp": 5, "event": "runner_resized", "cores": 4}\n'
        '{"timestamp": -1, "event": "runner_installed", "flavor": "s", "duration": 1}\n'
        '{"timestamp": 1, "event": "runner_stop", "flavor": "s", "workflow": "w", "repo": "r", '
        '"github_event": "e", "status": "abnormal", "status_info": {"code": -9}, "job_duration": 2, '
        '"job_conclusion": "failure", "runner_labels": ["x64", {"a": null}]}\n'
        "\xff\xfe garbage\n")
    lines = list(runner_metrics.read_events(path))
    assert lines[0] == RunnerInstalled(timestamp=123, flavor="small", duration=456)
    assert type(lines[0]) is RunnerInstalled
    assert lines[1] == OtherLine(2, '{"timestamp": 5, "event": "runner_resized", "cores": 4}')
    assert lines[2] == InvalidLine(
        3, '{"timestamp": -1, "event": "runner_installed", "flavor": "s", "duration": 1}',
        "timestamp", "must be >= 0")
    assert type(lines[3]) is RunnerStop and lines[3].status_info.code == -9  # newer members ignored
    assert lines[3].json() == runner_metrics.RunnerStop(
        timestamp=1, flavor="s", workflow="w", repo="r", github_event="e", status="abnormal",
        status_info={"code": -9}, job_duration=2, job_conclusion="failure").json()
    assert isinstance(lines[4], InvalidLine) and lines[4].number == 5
    assert len(lines) == 5


def test_read_events_round_trips_what_was_written(tmp_path):
    write_fleet_log(tmp_path / "m.log", events=400)
    lines = (tmp_path / "m.log").read_text().splitlines()
    read = list(runner_metrics.read_events(str(tmp_path / "m.log")))
    assert len(read) == len(lines)
    for text, item in zip(lines[:400], read[:400]):
        assert item.json() == text


def test_a_missing_log_raises_read_log_error_naming_the_path(tmp_path):
    with pytest.raises(ReadLogError, match="nope.log"):
        list(runner_metrics.read_events(tmp_path / "nope.log"))
    with pytest.raises(OSError):
        runner_metrics.summarize(tmp_path / "nope.log")


def test_parse_event_holds_input_to_the_writers_rules():
    assert runner_metrics.parse_event(
        b'{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 2}'
    ) == RunnerInstalled(timestamp=1, flavor="s", duration=2)
    for line, field in [
        ('{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 1, "x": 2}', "x"),
        ('{"timestamp": 1, "event": "runner_installed", "flavor": "a", "flavor": "b", "duration": 1}',
         "flavor"),
        ('{"timestamp": 1, "event": "runner_resized", "flavor": "s", "duration": 1}', "event"),
    ]:
        with pytest.raises(runner_metrics.ValidationError) as error:
            runner_metrics.parse_event(line)
        assert error.value.field == field


def run_cli_summary(cli, path, *options):
    result = subprocess.run([cli, "summary", "--format", "json", *options, str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode in (0, 2), result.stderr  # 2: the log has invalid lines
    return json.loads(result.stdout)


def test_summarize_equals_the_cli_summary_on_the_same_log(tmp_path, cli):
    path = tmp_path / "fleet.log"
    last = write_fleet_log(path)
    summary = runner_metrics.summarize(path)
    assert summary == run_cli_summary(cli, path)
    assert summary["lines"] == {"total": 3003, "valid": 3000, "other": 1, "invalid": 2}
    middle = 1795600000 + (last - 1795600000) / 2
    assert runner_metrics.summarize([path], since=1795600000, until=middle, by_flavor=True) == (
        run_cli_summary(cli, path, "--since", "1795600000", "--until", repr(middle), "--by", "flavor"))
    iso = datetime.datetime.fromtimestamp(middle, datetime.timezone.utc).replace(microsecond=0)
    assert runner_metrics.summarize(str(path), since=iso.isoformat()) == runner_metrics.summarize(
        path, since=iso.replace(tzinfo=None)) == run_cli_summary(
            cli, path, "--since", iso.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_summarize_has_every_member_of_every_generation_and_caps_as_the_cli(cli):
    corpus = sorted((pathlib.Path(__file__).parents[2] / "tests" / "data" / "generations").glob("*.log"))
    summary = runner_metrics.summarize(corpus)
    result = subprocess.run([cli, "summary", "--format", "json", *map(str, corpus)],
                            capture_output=True, text=True, check=False)
    assert summary == json.loads(result.stdout)
    group = summary["groups"][0]
    assert list(group)[:7] == ["flavor", "counts", "runner_stop_status", "runner_stop_conclusion",
                               "runner_stop_codes", "github_events", "repos"]
    assert group["active_runners_last"] is not None and group["expected_runners_last"] is not None
    assert group["durations"]["installation"]["unknown"] > 0
    capped = runner_metrics.summarize(corpus, max_label_values=1)
    result = subprocess.run([cli, "summary", "--format", "json", "--max-label-values", "1",
                             *map(str, corpus)], capture_output=True, text=True, check=False)
    assert capped == json.loads(result.stdout)
    assert len(capped["groups"][0]["repos"]) == 2 and "other" in capped["groups"][0]["repos"]
    for bad in (0, 1_000_001, True, 2.0):
        with pytest.raises(ValueError, match="max_label_values"):
            runner_metrics.summarize(corpus, max_label_values=bad)


def test_summarize_reads_several_files_as_one_log(tmp_path, cli):
    write_fleet_log(tmp_path / "a.log", events=500, seed=1)
    write_fleet_log(tmp_path / "b.log", events=500, seed=2)
    result = subprocess.run([cli, "summary", "--format", "json", str(tmp_path / "a.log"),
                             str(tmp_path / "b.log")], capture_output=True, text=True, check=False)
    assert runner_metrics.summarize([tmp_path / "a.log", tmp_path / "b.log"]) == json.loads(result.stdout)


def test_summarize_refuses_a_time_it_cannot_read(tmp_path):
    (tmp_path / "m.log").write_text("")
    with pytest.raises(ValueError, match="since"):
        runner_metrics.summarize(tmp_path / "m.log", since="yesterday")
    with pytest.raises(TypeError, match="until"):
        runner_metrics.summarize(tmp_path / "m.log", until=True)


def test_read_events_takes_infinity_as_an_unknown_value_and_refuses_its_look_alikes(tmp_path):
    path = tmp_path / "m.log"
    path.write_text(
        '{"timestamp": 1740000000.125, "event": "runner_installed", "flavor": "s", "duration": Infinity}\n'
        '{"timestamp": 1, "event": "runner_start", "flavor": "s", "workflow": "Infinity", "repo": "r", '
        '"github_event": "e", "idle": 2, "queue_duration": Infinity}\n'
        '{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": -Infinity}\n'
        '{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": NaN}\n'
        '{"timestamp": Infinity, "event": "runner_installed", "flavor": "s", "duration": 1}\n'
        '{"timestamp": 1, "event": "reconciliation", "flavor": "s", "crashed_runners": 0, '
        '"idle_runners": Infinity, "duration": 1}\n'
        '{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": 1, "x": Infinity}\n'
        '{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": Infinityx}\n')
    lines = list(runner_metrics.read_events(path))
    assert type(lines[0]) is RunnerInstalled and lines[0].duration == math.inf
    assert lines[0].timestamp == 1740000000.125 and lines[0].flavor == "s"
    assert type(lines[1]) is RunnerStart and lines[1].queue_duration == math.inf
    assert lines[1].workflow == "Infinity" and lines[1].idle == 2.0
    assert [(line.number, line.field) for line in lines[2:]] == [
        (3, "duration"), (4, "duration"), (5, "timestamp"), (6, "idle_runners"), (7, "x"),
        (8, "duration")]
    assert all(type(line) is InvalidLine and line.problem for line in lines[2:])
    # What was read with an unknown value cannot be written back.
    with pytest.raises(runner_metrics.ValidationError) as error:
        lines[0].json()
    assert str(error.value) == "duration: must be a finite number"
    with pytest.raises(runner_metrics.ValidationError) as error:
        runner_metrics.parse_event(path.read_text().splitlines()[0])
    assert error.value.field == "duration"


def test_summarize_counts_an_event_of_unknown_value_but_keeps_it_out_of_the_statistics(tmp_path):
    path = tmp_path / "m.log"
    path.write_text(
        '{"timestamp": 1, "event": "runner_installed", "flavor": "s", "duration": Infinity}\n'
        '{"timestamp": 2, "event": "runner_installed", "flavor": "s", "duration": 30.5}\n')
    summary = runner_metrics.summarize(path)
    assert summary["lines"] == {"total": 2, "valid": 2, "other": 0, "invalid": 0}
    group = summary["groups"][0]
    assert group["counts"]["runner_installed"] == 2
    installation = group["durations"]["installation"]
    assert installation["count"] == 1
    assert installation["min"] == installation["max"] == installation["avg"] == 30.5
