#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a realistic metrics log: the lines a fleet of runners writes over
weeks, as the Python ancestor wrote them (json.dumps, one event per line).

    generate_log.py LINES OUT [--seed N]

Deterministic for a given seed. Jobs go through runner_installed,
runner_start and runner_stop; each flavor reconciles every few minutes.
About 175 bytes a line.
"""

import argparse
import json
import math
import random

FLAVORS = [("small", 5), ("medium", 3), ("large", 2), ("arm64-large", 1), ("gpu-xlarge", 0.3)]
REPOS = [
    "canonical/github-runner-operator",
    "canonical/jenkins-k8s-operator",
    "canonical/mysql-k8s-operator",
    "canonical/postgresql-operator",
    "canonical/charmcraft",
    "canonical/lxd",
    "canonical/microk8s",
    "canonical/snapcraft",
]
WORKFLOWS = ["Tests", "Integration tests", "Lint", "Build and publish", "Nightly", "Release"]
GITHUB_EVENTS = [("pull_request", 6), ("push", 3), ("schedule", 1), ("workflow_dispatch", 0.5)]
STATUSES = [("normal", 90), ("abnormal", 6), ("repo-policy-check-failure", 2), ("timeout", 2)]


def weighted(rng, choices):
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def lognormal(rng, median, sigma):
    return round(math.exp(rng.gauss(math.log(median), sigma)), 3)


def generate(lines, out, seed):
    rng = random.Random(seed)
    now = 1764000000.0
    written = 0
    next_reconcile = {flavor: now for flavor, _ in FLAVORS}
    with open(out, "w", encoding="ascii") as f:
        while written < lines:
            now += rng.expovariate(1 / 0.4)
            flavor = weighted(rng, FLAVORS)
            batch = []
            if now >= next_reconcile[flavor]:
                next_reconcile[flavor] = now + 300
                batch.append({"timestamp": round(now, 6), "event": "reconciliation",
                              "flavor": flavor, "crashed_runners": rng.choice([0] * 20 + [1, 2]),
                              "idle_runners": rng.randint(0, 30),
                              "duration": lognormal(rng, 40, 0.5)})
            repo = rng.choice(REPOS)
            workflow = rng.choice(WORKFLOWS)
            github_event = weighted(rng, GITHUB_EVENTS)
            batch.append({"timestamp": round(now, 6), "event": "runner_installed",
                          "flavor": flavor, "duration": lognormal(rng, 90, 0.4)})
            start = {"timestamp": round(now + 1, 6), "event": "runner_start", "flavor": flavor,
                     "workflow": workflow, "repo": repo, "github_event": github_event,
                     "idle": lognormal(rng, 20, 1.0)}
            if rng.random() < 0.9:
                start["queue_duration"] = lognormal(rng, 15, 1.2)
            batch.append(start)
            status = weighted(rng, STATUSES)
            stop = {"timestamp": round(now + 2, 6), "event": "runner_stop", "flavor": flavor,
                    "workflow": workflow, "repo": repo, "github_event": github_event,
                    "status": status}
            if status != "normal":
                stop["status_info"] = {"code": rng.choice([1, 137, -9, 500])}
            stop["job_duration"] = lognormal(rng, 600, 1.1)
            batch.append(stop)
            for event in batch[: lines - written]:
                f.write(json.dumps(event) + "\n")
            written += len(batch[: lines - written])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    generate(args.lines, args.out, args.seed)


if __name__ == "__main__":
    main()
