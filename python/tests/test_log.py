# SPDX-License-Identifier: Apache-2.0
"""Writing the log: issue_event and MetricsLog, monkeypatched paths, concurrency, setup_logrotate."""

import multiprocessing
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import runner_metrics
from runner_metrics import (IssueMetricEventError, LogrotateSetupError, MetricsLog,
                            Reconciliation, RunnerInstalled, RunnerStop, ValidationError)

INSTALLED = '{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}\n'


def test_the_constants_are_the_ancestors():
    assert runner_metrics.LOG_ROTATE_TIMER_SYSTEMD_SERVICE == "logrotate.timer"
    assert runner_metrics.SYSTEMCTL_PATH == "/usr/bin/systemctl"
    assert runner_metrics.METRICS_LOG_PATH == Path("/var/log/github-runner-metrics.log")
    assert runner_metrics.LOGROTATE_CONFIG == Path("/etc/logrotate.d/github-runner-metrics")
    assert isinstance(runner_metrics.METRICS_LOG_PATH, Path)


def test_issue_event_appends_to_the_monkeypatched_metrics_log_path(log_path):
    runner_metrics.issue_event(RunnerInstalled(timestamp=123, flavor="small", duration=456))
    runner_metrics.issue_event(RunnerInstalled(timestamp=123, flavor="small", duration=456))
    assert log_path.read_text() == INSTALLED * 2
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o644 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_issue_event_reads_metrics_log_path_at_each_call(tmp_path, monkeypatch):
    for name in ("first.log", "second.log", "first.log"):
        monkeypatch.setattr(runner_metrics, "METRICS_LOG_PATH", str(tmp_path / name))
        runner_metrics.issue_event(RunnerInstalled(timestamp=123, flavor="small", duration=456))
    assert (tmp_path / "first.log").read_text() == INSTALLED * 2
    assert (tmp_path / "second.log").read_text() == INSTALLED


def test_a_missing_directory_raises_issue_metric_event_error_naming_the_path(tmp_path, monkeypatch):
    path = tmp_path / "missing" / "metrics.log"
    monkeypatch.setattr(runner_metrics, "METRICS_LOG_PATH", path)
    with pytest.raises(IssueMetricEventError) as error:
        runner_metrics.issue_event(RunnerInstalled(timestamp=1, flavor="s", duration=1))
    assert str(path) in str(error.value) and "No such file or directory" in str(error.value)
    assert not path.parent.exists()


def test_a_directory_as_the_log_raises_issue_metric_event_error(tmp_path):
    with pytest.raises(IssueMetricEventError, match="Is a directory"):
        MetricsLog(tmp_path).append(RunnerInstalled(timestamp=1, flavor="s", duration=1))


def test_append_all_validates_every_event_before_writing_any(tmp_path):
    log = MetricsLog(tmp_path / "m.log")
    good = RunnerInstalled(timestamp=123, flavor="small", duration=456)
    bad = RunnerInstalled(timestamp=1, flavor="s", duration=1)
    bad.duration = -1
    with pytest.raises(ValidationError) as error:
        log.append_all([good, good, bad])
    assert error.value.field == "duration"
    assert not (tmp_path / "m.log").exists()
    log.append_all(iter([good, good]))
    assert (tmp_path / "m.log").read_text() == INSTALLED * 2
    assert log.path == tmp_path / "m.log"


def test_python_code_run_while_a_line_is_built_may_append_again_without_harm(tmp_path):
    # Serializing reads attributes and iterates: a property of a subclass, or
    # the generator given to append_all, runs Python code that may append on
    # the same thread while the outer line or batch is half-built.
    log = MetricsLog(tmp_path / "m.log")
    inner = RunnerInstalled(timestamp=7, flavor="inner", duration=1)

    class Appending(RunnerInstalled):
        @property
        def flavor(self):
            log.append(inner)
            log.append_all([inner])
            return "outer"

    outer = Appending(timestamp=123, flavor="ignored", duration=456)
    log.append(outer)

    def batch():
        yield RunnerInstalled(timestamp=123, flavor="small", duration=456)
        log.append(inner)
        log.append_all(iter([inner, inner]))
        yield RunnerInstalled(timestamp=123, flavor="small", duration=456)

    log.append_all(batch())
    inner_line = '{"timestamp": 7.0, "event": "runner_installed", "flavor": "inner", "duration": 1.0}\n'
    assert (tmp_path / "m.log").read_text() == (
        inner_line * 2
        # A subclass's event name is its class name in snake case, as the ancestor's.
        + INSTALLED.replace('"runner_installed", "flavor": "small"', '"appending", "flavor": "outer"')
        + inner_line * 3 + INSTALLED * 2)


def test_a_record_or_another_object_is_not_an_event(tmp_path):
    log = MetricsLog(tmp_path / "m.log")
    with pytest.raises(TypeError):
        log.append(runner_metrics.CodeInformation(code=1))
    with pytest.raises(TypeError):
        log.append({"timestamp": 1})


def test_after_logrotate_renames_the_log_the_next_event_goes_to_a_new_file(log_path):
    runner_metrics.issue_event(RunnerInstalled(timestamp=123, flavor="small", duration=456))
    log_path.rename(log_path.with_suffix(".1"))
    runner_metrics.issue_event(RunnerInstalled(timestamp=123, flavor="small", duration=456))
    assert log_path.read_text() == INSTALLED
    assert log_path.with_suffix(".1").read_text() == INSTALLED


def _stop(writer, number, flavor):
    return RunnerStop(timestamp=number, flavor=flavor, workflow=f"w{writer}", repo="o/r",
                      github_event="push", status="abnormal", status_info={"code": writer},
                      job_duration=number)


def _check_whole_lines(path, writers, per_writer, flavor):
    lines = path.read_bytes().split(b"\n")
    assert lines.pop() == b""
    assert len(lines) == writers * per_writer
    seen = set()
    for line in lines:
        event = runner_metrics.parse_event(line)  # raises on a torn or glued line
        assert event.flavor == flavor
        seen.add((event.status_info.code, int(event.timestamp)))
    assert seen == {(w, n) for w in range(writers) for n in range(per_writer)}


# Lines of ~5 KiB: longer than a page boundary is likely to split, so a
# writer that used two write(2) calls would show torn lines.
FLAVOR = "x" * 5000


def test_threads_appending_at_once_never_tear_or_lose_a_line(log_path):
    writers, per_writer = 8, 500
    shared = MetricsLog(log_path)

    def write(writer):
        for number in range(per_writer):
            event = _stop(writer, number, FLAVOR)
            if number % 2:
                runner_metrics.issue_event(event)
            else:
                shared.append(event)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _check_whole_lines(log_path, writers, per_writer, FLAVOR)


def _process_writer(path, writer, per_writer):
    runner_metrics.METRICS_LOG_PATH = path
    for number in range(0, per_writer, 2):
        runner_metrics.issue_event(_stop(writer, number, FLAVOR))
    runner_metrics.MetricsLog(path).append_all(
        _stop(writer, number, FLAVOR) for number in range(1, per_writer, 2))


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_processes_appending_at_once_never_tear_or_lose_a_line(log_path, start_method):
    writers, per_writer = 4, 400
    # The parent has the log open before forking: each child must still write whole lines.
    runner_metrics.issue_event(_stop(0, 0, FLAVOR))
    log_path.unlink()
    context = multiprocessing.get_context(start_method)
    processes = [context.Process(target=_process_writer, args=(str(log_path), w, per_writer))
                 for w in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    _check_whole_lines(log_path, writers, per_writer, FLAVOR)


# ---- Signals ------------------------------------------------------------------

# A child that appends ~1 MB events (one write(2) of 245 pages each) until it
# is killed, and says when the first is in.
_BIG_EVENT_WRITER = """
import sys, runner_metrics
from runner_metrics import RunnerStop
log = runner_metrics.MetricsLog(sys.argv[1], hold_signals=sys.argv[2] == "hold")
event = RunnerStop(timestamp=1, flavor="small", workflow="w" * 1000000, repo="o/r",
                   github_event="push", status="normal", job_duration=1)
log.append(event)
print("ready", flush=True)
while True:
    log.append(event)
"""


def _killed_mid_write(tmp_path, hold, round_number):
    """Kills a writer of big events with SIGTERM at a random moment; True when a line was cut."""
    path = tmp_path / f"killed-{hold}-{round_number}.log"
    child = subprocess.Popen([sys.executable, "-c", _BIG_EVENT_WRITER, str(path), hold],
                             stdout=subprocess.PIPE, env=os.environ)
    assert child.stdout.readline() == b"ready\n"
    time.sleep(random.uniform(0, 0.02))
    child.send_signal(signal.SIGTERM)
    assert child.wait(60) == -signal.SIGTERM
    data = path.read_bytes()
    lines = data.split(b"\n")
    whole = all(len(line) > 1000000 and line.endswith(b"1.0}") for line in lines[:-1])
    assert whole, "only the last line can be cut"
    return lines[-1] != b""


def test_a_sigterm_never_cuts_a_line_of_a_log_holding_signals(tmp_path):
    # Python leaves SIGTERM's default action (kill) in place, so only holding
    # it around the write keeps a 1 MB write whole.
    for round_number in range(8):
        assert not _killed_mid_write(tmp_path, "hold", round_number), f"round {round_number}"


def test_without_holding_signals_a_sigterm_can_cut_a_line(tmp_path):
    # The control of the test above: the same kills do cut lines when the
    # signals are not held, so that test would see a cut if holding failed.
    for round_number in range(30):
        if _killed_mid_write(tmp_path, "no", round_number):
            return
    pytest.skip("30 SIGTERMs all landed between writes: this machine never caught one mid-write")


def test_hold_signals_is_a_keyword(tmp_path):
    with pytest.raises(TypeError):
        MetricsLog(tmp_path / "m.log", False)
    for not_a_bool in (None, 0, 2.5, "no"):  # None would quietly stop holding
        with pytest.raises(TypeError):
            MetricsLog(tmp_path / "m.log", hold_signals=not_a_bool)
    log = MetricsLog(tmp_path / "m.log", hold_signals=False)
    log.append(RunnerInstalled(timestamp=123, flavor="small", duration=456))
    assert (tmp_path / "m.log").read_text() == INSTALLED


# ---- setup_logrotate ---------------------------------------------------------

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "{calls}"
case "$1" in
  enable) [ -n "$FAIL_ENABLE" ] && {{ echo "Failed to enable unit: boom" >&2; exit 1; }}; exit 0 ;;
  is-active) exit {active_status} ;;
  start) exit 0 ;;
esac
exit 9
"""


@pytest.fixture
def fake_systemd(tmp_path, monkeypatch):
    def make(active_status):
        script = tmp_path / f"systemctl-{active_status}"
        script.write_text(FAKE_SYSTEMCTL.format(calls=tmp_path / "calls", active_status=active_status))
        script.chmod(0o755)
        monkeypatch.setattr(runner_metrics, "SYSTEMCTL_PATH", str(script))
        monkeypatch.setattr(runner_metrics, "LOGROTATE_CONFIG", tmp_path / "logrotate.d" / "metrics")
        monkeypatch.setattr(runner_metrics, "METRICS_LOG_PATH", tmp_path / "fleet metrics.log")
        (tmp_path / "logrotate.d").mkdir(exist_ok=True)
        return tmp_path / "calls"
    return make


def test_setup_logrotate_writes_the_monkeypatched_config_and_starts_an_inactive_timer(fake_systemd, tmp_path):
    calls = fake_systemd(active_status=3)
    runner_metrics.setup_logrotate()
    assert (tmp_path / "logrotate.d" / "metrics").read_text() == (
        f'"{tmp_path}/fleet metrics.log" {{\n'
        "    rotate 0\n    missingok\n    notifempty\n    create\n}\n")
    assert calls.read_text().splitlines() == [
        "enable logrotate.timer", "is-active --quiet logrotate.timer", "start logrotate.timer"]


def test_setup_logrotate_leaves_an_active_timer_alone(fake_systemd):
    calls = fake_systemd(active_status=0)
    runner_metrics.setup_logrotate()
    assert calls.read_text().splitlines() == ["enable logrotate.timer",
                                              "is-active --quiet logrotate.timer"]


def test_a_failing_systemctl_raises_logrotate_setup_error_with_its_stderr(fake_systemd, monkeypatch):
    fake_systemd(active_status=0)
    monkeypatch.setenv("FAIL_ENABLE", "1")
    with pytest.raises(LogrotateSetupError) as error:
        runner_metrics.setup_logrotate()
    assert "enable logrotate.timer" in str(error.value)
    assert "Failed to enable unit: boom" in str(error.value)


def test_an_unwritable_config_raises_logrotate_setup_error_naming_it(fake_systemd, tmp_path, monkeypatch):
    fake_systemd(active_status=0)
    config = tmp_path / "no such dir" / "metrics"
    monkeypatch.setattr(runner_metrics, "LOGROTATE_CONFIG", config)
    with pytest.raises(LogrotateSetupError, match=str(config.parent)):
        runner_metrics.setup_logrotate()
