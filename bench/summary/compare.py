#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Times `runner-metrics summary` against its peers on one log, alternating
them round after round, and checks that they computed the same answer.

    compare.py --cli CLI --duckdb-module DIR --log LOG [--rounds N] [--json OUT]

Contenders, each a separate process reading the same file (in the page cache):
  runner-metrics  summary --format json: every panel, every line validated
  duckdb          duckdb_summary.cjs (Node + @duckdb/node-api): the panels
                  the summary has in common with SQL (counts, stop statuses,
                  idle_runners_last, five durations' count/min/avg/max/p50/
                  p95/p99)
  jq, python      the job-duration min/avg/max only
  wc -l           the floor: reading the bytes

Round r runs the contenders in order starting at the r-th (a rotation), so no
contender always follows the same one. Every round's answers are checked
against runner-metrics': counts exactly; min and max exactly (every tool reads
the same decimal into the same double); averages within 1e-9 relative (the
order of addition differs); percentiles within 1% of DuckDB's exact
nearest-rank value (the summary's come from a sketch with that guarantee).
Exits 1 if any answer differs or a contender fails. Prints each contender's
median wall time and its ratio to runner-metrics'.
"""

import argparse
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JQ_FILTER = ('[inputs | select(.event == "runner_stop" and .status == "normal") | .job_duration]'
             ' | {min: min, avg: (add / length), max: max}')
DURATIONS = ("installation", "idle", "queue", "job", "reconciliation")


def contenders(args):
    return {
        "runner-metrics": [args.cli, "summary", "--format", "json", args.log],
        "duckdb": ["node", os.path.join(HERE, "duckdb_summary.cjs"), args.duckdb_module, args.log],
        "jq": ["jq", "-c", "-n", JQ_FILTER, args.log],
        "python": ["/usr/bin/python3", os.path.join(HERE, "job_duration.py"), args.log],
        "wc -l": ["wc", "-l", args.log],
    }


def run(argv):
    """Wall seconds, CPU seconds (user + system, every thread) and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The summary exits 2 when some line is invalid; the generated log has none.
    if done.returncode != 0:
        sys.exit(f"{argv[0]} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.decode(), done.stderr.decode()


class Mismatch(Exception):
    pass


def same(what, ours, theirs, rel=0.0):
    if ours is None or theirs is None:
        ok = ours is None and theirs is None
    elif rel == 0.0:
        ok = ours == theirs
    else:
        ok = math.isclose(ours, theirs, rel_tol=rel, abs_tol=0.0)
    if not ok:
        raise Mismatch(f"{what}: runner-metrics {ours!r}, other {theirs!r}"
                       + (f" (tolerance {rel:g} relative)" if rel else ""))


def check(name, output, summary):
    group = summary["groups"][0]
    job = group["durations"]["job"]
    if name == "wc -l":
        same("lines", summary["lines"]["total"], int(output.split()[0]))
    elif name in ("jq", "python"):
        answer = json.loads(output)
        same("job min", job["min"], answer["min"])
        same("job max", job["max"], answer["max"])
        same("job avg", job["avg"], answer["avg"], 1e-9)
    elif name == "duckdb":
        answer = json.loads(output)
        theirs = answer["groups"][0]
        same("lines", summary["lines"]["total"], answer["lines"]["total"])
        for key, value in theirs["counts"].items():
            same(f"counts.{key}", group["counts"][key], value)
        same("runner_stop_status", group["runner_stop_status"], theirs["runner_stop_status"])
        same("idle_runners_last", group["idle_runners_last"], theirs["idle_runners_last"])
        for duration in DURATIONS:
            mine, other = group["durations"][duration], theirs["durations"][duration]
            same(f"{duration}.count", mine["count"], other["count"])
            same(f"{duration}.min", mine["min"], other["min"])
            same(f"{duration}.max", mine["max"], other["max"])
            same(f"{duration}.avg", mine["avg"], other["avg"], 1e-9)
            for q in ("p50", "p95", "p99"):
                same(f"{duration}.{q}", mine[q], other[q], 0.01)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--duckdb-module", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="write every round's times here")
    args = parser.parse_args()

    commands = contenders(args)
    names = list(commands)
    size = os.path.getsize(args.log)
    walls = {name: [] for name in names}
    cpus = {name: [] for name in names}
    duckdb_query = []
    for round_index in range(args.rounds):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        outputs = {}
        for name in order:
            wall, cpu, out, err = run(commands[name])
            walls[name].append(wall)
            cpus[name].append(cpu)
            outputs[name] = out
            if name == "duckdb" and (match := re.search(r"query ([0-9.]+) ms", err)):
                duckdb_query.append(float(match.group(1)) / 1000)
        summary = json.loads(outputs["runner-metrics"])
        for name in names[1:]:
            try:
                check(name, outputs[name], summary)
            except Mismatch as mismatch:
                sys.exit(f"round {round_index + 1}: {name} computed another answer: {mismatch}")
        print(f"round {round_index + 1}/{args.rounds}: "
              + ", ".join(f"{n} {walls[n][-1]:.3f} s" for n in names), flush=True)
    print("every round: every contender's answer agrees with runner-metrics' "
          "(counts and min/max exact, avg 1e-9, percentiles 1%)")

    median = {name: statistics.median(walls[name]) for name in names}
    cpu = {name: statistics.median(cpus[name]) for name in names}
    ours = median["runner-metrics"]
    print(f"\n{'':16}{'median s':>10}{'CPU s':>8}{'MB/s':>8}{'vs runner-metrics':>19}")
    for name in names:
        print(f"{name:16}{median[name]:10.3f}{cpu[name]:8.3f}"
              f"{size / median[name] / 1e6:8.0f}{median[name] / ours:18.2f}x")
    duck = median["duckdb"] / ours
    floor = ours / median["wc -l"]
    # CPU seconds move less than wall time when neighbours load the machine.
    print(f"\nratio duckdb/runner-metrics = {duck:.2f} (target >= 4)"
          + ("" if duck >= 4 else " MISSED")
          + f"; CPU time {cpu['duckdb'] / cpu['runner-metrics']:.2f}")
    if duckdb_query:
        query = statistics.median(duckdb_query)
        print(f"ratio duckdb query alone (no Node start, no engine load) {query:.3f} s"
              f"/runner-metrics = {query / ours:.2f}")
    print(f"ratio runner-metrics/wc -l = {floor:.2f} (target <= 4)"
          + ("" if floor <= 4 else " MISSED")
          + f"; CPU time {cpu['runner-metrics'] / max(cpu['wc -l'], 1e-9):.2f}")
    print(f"ratio jq/runner-metrics = {median['jq'] / ours:.2f}, "
          f"python/runner-metrics = {median['python'] / ours:.2f} (job durations only)")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"log": args.log, "bytes": size, "rounds": args.rounds, "wall": walls,
                       "cpu": cpus, "duckdb_query": duckdb_query}, out, indent=1)


if __name__ == "__main__":
    main()
