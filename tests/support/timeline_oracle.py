#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The report's timeline of metrics logs, computed the slow and obvious way:
every value kept per bucket, exact nearest-rank percentiles (the lines of
summary_oracle.py's reading, so the two oracles agree on what a line is).
An independent check of what the report's charts draw.

    timeline_oracle.py --interval SECONDS --day SECONDS [--since T] [--until T] [--by-flavor] FILE...

For each group (one, or one per flavor), per bucket (timestamp // interval)
each duration's count, min, max and p50 / p95 / p99; and per day
(timestamp // day) the jobs started (runner_start events). Prints JSON.
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summary_oracle import classify, lines_of, stats  # noqa: E402

CHART_END = 253402300800.0  # 10000-01-01: events from then on are in no bucket


def durations_of(event):
    """(duration name, seconds) the summary (and the report) measure in an event."""
    name = event["event"]
    if name == "runner_installed":
        yield "installation", event["duration"]
    elif name == "runner_start":
        yield "idle", event["idle"]
        if "queue_duration" in event:
            yield "queue", event["queue_duration"]
    elif name == "runner_stop":
        if event["status"] == "normal":
            yield "job", event["job_duration"]
    else:
        yield "reconciliation", event["duration"]


def timeline(paths, interval, day, since, until, by_flavor):
    groups = {}
    for path in paths:
        for raw in lines_of(path):
            kind, event = classify(raw)
            if kind != "event":
                continue
            ts = event["timestamp"]
            if (since is not None and ts < since) or (until is not None and ts >= until):
                continue
            if ts >= CHART_END:
                continue
            key = event["flavor"] if by_flavor else None
            group = groups.setdefault(key, {"buckets": {}, "days": {}})
            second = math.floor(ts)
            bucket = group["buckets"].setdefault(second // interval, {})
            for name, seconds in durations_of(event):
                bucket.setdefault(name, []).append(seconds)
            if event["event"] == "runner_start":
                days = group["days"]
                days[second // day] = days.get(second // day, 0) + 1
    out = []
    for key in sorted(groups, key=lambda k: "" if k is None else k):
        group = groups[key]
        out.append({
            "flavor": key,
            "buckets": {str(b): {name: stats(values) for name, values in kinds.items()}
                        for b, kinds in sorted(group["buckets"].items())},
            "days": {str(d): n for d, n in sorted(group["days"].items())},
        })
    return {"groups": out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=int, required=True)
    parser.add_argument("--day", type=int, required=True)
    parser.add_argument("--since", type=float)
    parser.add_argument("--until", type=float)
    parser.add_argument("--by-flavor", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    json.dump(timeline(args.files, args.interval, args.day, args.since, args.until,
                       args.by_flavor), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
