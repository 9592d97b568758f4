#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""runner_metrics.issue_event(RunnerStop(...)) against the pydantic 1.x ancestor, in one process.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/issue_event_bench.py [ROUNDS] [EVENTS]

Two measures, each timed for both modules in alternating rounds (so a load
change on the machine hits both alike), EVENTS events a round:

  issue   build a RunnerStop (with status_info) and append it to a log, as a
          fleet manager does per event: the ancestor opens, writes and closes
          the file (its issue_event); runner_metrics keeps the log open
  json    build the event and serialize it, nothing written

and, in the same rounds, the issue measure through MetricsLog(path,
hold_signals=False), the price of the two rt_sigprocmask(2) calls that keep a
kill from cutting a line.

Prints the median microseconds per event of each and the ratio, after checking
that both wrote byte-identical logs, and the floor: os.write(2) of a ready
line to an O_APPEND descriptor (what the kernel alone costs here).
"""

import os
import pathlib
import statistics
import sys
import tempfile
import time

import pydantic

import runner_metrics

# The pydantic 1.x re-creation of the ancestor that the Python tests compare against.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python" / "tests"))
import ancestor  # noqa: E402

ANCESTOR_LOG = ""


def ancestor_issue_event(event: ancestor.Event) -> None:
    with open(ANCESTOR_LOG, mode="a", encoding="utf-8") as log:
        log.write(event.json(exclude_none=True) + "\n")


# ---- The rounds ----------------------------------------------------------------

def ancestor_issue(count: int, start: float) -> None:
    for i in range(count):
        ancestor_issue_event(ancestor.RunnerStop(
            timestamp=start + i, flavor="small", workflow="Tests", repo="canonical/runner",
            github_event="push", status="abnormal", status_info=ancestor.CodeInformation(code=137),
            job_duration=61.25 + i))


def ours_issue(count: int, start: float) -> None:
    RunnerStop, CodeInformation = runner_metrics.RunnerStop, runner_metrics.CodeInformation
    issue_event = runner_metrics.issue_event
    for i in range(count):
        issue_event(RunnerStop(
            timestamp=start + i, flavor="small", workflow="Tests", repo="canonical/runner",
            github_event="push", status="abnormal", status_info=CodeInformation(code=137),
            job_duration=61.25 + i))


def ours_unheld(count: int, start: float) -> None:
    RunnerStop, CodeInformation = runner_metrics.RunnerStop, runner_metrics.CodeInformation
    append = UNHELD_LOG.append
    for i in range(count):
        append(RunnerStop(
            timestamp=start + i, flavor="small", workflow="Tests", repo="canonical/runner",
            github_event="push", status="abnormal", status_info=CodeInformation(code=137),
            job_duration=61.25 + i))


def ancestor_json(count: int, start: float) -> None:
    for i in range(count):
        ancestor.RunnerStop(
            timestamp=start + i, flavor="small", workflow="Tests", repo="canonical/runner",
            github_event="push", status="abnormal", status_info=ancestor.CodeInformation(code=137),
            job_duration=61.25 + i).json(exclude_none=True)


def ours_json(count: int, start: float) -> None:
    RunnerStop, CodeInformation = runner_metrics.RunnerStop, runner_metrics.CodeInformation
    for i in range(count):
        RunnerStop(
            timestamp=start + i, flavor="small", workflow="Tests", repo="canonical/runner",
            github_event="push", status="abnormal", status_info=CodeInformation(code=137),
            job_duration=61.25 + i).json()


FLOOR_LOG = ""
UNHELD_LOG = None


def floor_write(count: int, start: float) -> None:
    line = (RUNNER_STOP_LINE + "\n").encode()
    descriptor = os.open(FLOOR_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for _ in range(count):
            os.write(descriptor, line)
    finally:
        os.close(descriptor)


RUNNER_STOP_LINE = ('{"timestamp": 1700000000.125, "event": "runner_stop", "flavor": "small", '
                    '"workflow": "Tests", "repo": "canonical/runner", "github_event": "push", '
                    '"status": "abnormal", "status_info": {"code": 137}, "job_duration": 61.25}')


def per_event_us(function, count: int, start: float) -> float:
    begin = time.perf_counter()
    function(count, start)
    return (time.perf_counter() - begin) / count * 1e6


def main(argv: list) -> int:
    global ANCESTOR_LOG, FLOOR_LOG, UNHELD_LOG
    rounds = int(argv[1]) if len(argv) > 1 else 7
    count = int(argv[2]) if len(argv) > 2 else 5000
    with tempfile.TemporaryDirectory() as directory:
        ANCESTOR_LOG = os.path.join(directory, "ancestor.log")
        FLOOR_LOG = os.path.join(directory, "floor.log")
        runner_metrics.METRICS_LOG_PATH = os.path.join(directory, "ours.log")
        UNHELD_LOG = runner_metrics.MetricsLog(os.path.join(directory, "unheld.log"),
                                               hold_signals=False)
        times = {name: [] for name in ("ancestor issue", "ours issue", "ancestor json", "ours json",
                                       "write(2) floor", "ours unheld")}
        start = 1700000000.125
        for round_number in range(rounds):
            pairs = [("ancestor issue", ancestor_issue), ("ours issue", ours_issue),
                     ("ancestor json", ancestor_json), ("ours json", ours_json)]
            if round_number % 2:  # alternate which goes first
                pairs = [pairs[1], pairs[0], pairs[3], pairs[2]]
            pairs.append(("ours unheld", ours_unheld))
            pairs.append(("write(2) floor", floor_write))
            for name, function in pairs:
                times[name].append(per_event_us(function, count, start + round_number * count))
        with open(ANCESTOR_LOG, "rb") as ancestor, open(runner_metrics.METRICS_LOG_PATH, "rb") as ours:
            if ancestor.read() != ours.read():
                print("the two logs differ", file=sys.stderr)
                return 1
    print(f"pydantic {pydantic.VERSION}, Python {sys.version.split()[0]}, "
          f"{rounds} alternating rounds of {count} events")
    for measure in ("issue", "json"):
        ancestor = statistics.median(times[f"ancestor {measure}"])
        ours = statistics.median(times[f"ours {measure}"])
        print(f"{measure:6} ancestor {ancestor:8.2f} us/event   runner_metrics {ours:6.2f} us/event"
              f"   {ancestor / ours:5.1f}x faster")
    unheld = statistics.median(times["ours unheld"])
    print(f"issue without holding signals: MetricsLog(hold_signals=False).append {unheld:.2f} us/event,"
          f" {statistics.median(times['ancestor issue']) / unheld:.1f}x faster than the ancestor's issue")
    print(f"floor  os.write of the ready line: {statistics.median(times['write(2) floor']):.2f} us/event")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
