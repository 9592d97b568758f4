#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a metrics log of random events to stdout, in the library's exact
line format (json.dumps with its default separators), for the `serve`
benchmarks.

    python3 bench/serve/generate_log.py --lines 1000000 --flavors 16 > metrics.log

A quarter of the lines of each type; flavors chosen uniformly; durations
spread over every bucket of format.md §8's histograms.
"""
import argparse
import json
import random
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--flavors", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    flavors = [f"flavor-{i:04}" for i in range(args.flavors)]
    statuses = ["normal", "normal", "normal", "abnormal", "repo-policy-check-failure"]
    out = []
    t = 1_764_000_000.0
    for i in range(args.lines):
        t += rng.random()
        flavor = rng.choice(flavors)
        kind = i % 4
        if kind == 0:
            event = {"timestamp": t, "event": "runner_installed", "flavor": flavor,
                     "duration": rng.uniform(1, 900)}
        elif kind == 1:
            event = {"timestamp": t, "event": "runner_start", "flavor": flavor,
                     "workflow": "Tests", "repo": "canonical/github-runner-operator",
                     "github_event": "pull_request", "idle": rng.uniform(0, 900),
                     "queue_duration": rng.uniform(0, 20000)}
        elif kind == 2:
            status = rng.choice(statuses)
            event = {"timestamp": t, "event": "runner_stop", "flavor": flavor,
                     "workflow": "Tests", "repo": "canonical/github-runner-operator",
                     "github_event": "pull_request", "status": status}
            if status != "normal":
                event["status_info"] = {"code": 137}
            event["job_duration"] = rng.uniform(1, 500000)
        else:
            event = {"timestamp": t, "event": "reconciliation", "flavor": flavor,
                     "crashed_runners": rng.randrange(3), "idle_runners": rng.randrange(20),
                     "duration": rng.uniform(1, 1000)}
        out.append(json.dumps(event))
        if len(out) == 10_000:
            sys.stdout.write("\n".join(out) + "\n")
            out.clear()
    if out:
        sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
