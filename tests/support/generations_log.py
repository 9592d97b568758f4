#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A large metrics log mixing every generation of the ancestor's writer, for
the tests that hold `summary` and `serve` against an independent computation:

- 2023 (seed era): the four events, queue_duration and status_info present or not;
- 2024: runner_stop.job_conclusion, present or not;
- late 2024: reconciliation.active_runners and expected_runners, both, one or neither;
- 2025 on: the bare token Infinity in runner_installed.duration (format.md §7);
- 2026: the status external-contributor-check-failure;

with, throughout, events of other writers and invalid lines, reconciliations
that tie on their timestamp, and flavors, events and repositories drawn from
pools (or, with --distinct-repos, a new repository for every job).

    generations_log.py LINES SEED OUT [--repos N] [--distinct-repos]
"""

import argparse
import json
import random

ERAS = [  # (first timestamp, generation)
    (1688169600.0, 2023),  # 2023-07-01
    (1704067200.0, 2024),  # 2024-01-01
    (1727740800.0, 2024.75),  # 2024-10-01
    (1735689600.0, 2025),  # 2025-01-01
    (1767225600.0, 2026),  # 2026-01-01
]
END = 1780272000.0  # 2026-06-01
FLAVORS = ["small", "small", "small", "medium", "large", "arm64", "\u00e9t\u00e9", "x-" * 40]
EVENTS = ["push", "pull_request", "pull_request_target", "schedule", "workflow_dispatch"]
CONCLUSIONS = ["success", "success", "failure", "cancelled", "skipped", "timed_out"]


def dumps(obj):
    return json.dumps(obj)  # ", " and ": " as the ancestor wrote them


class Log:
    def __init__(self, seed, repos, distinct_repos):
        self.rng = random.Random(seed)
        self.repos = [f"owner-{i % 37}/repo-{i}" for i in range(repos)]
        self.distinct = distinct_repos
        self.jobs = 0

    def generation(self, ts):
        gen = ERAS[0][1]
        for start, era in ERAS:
            if ts >= start:
                gen = era
        return gen

    def duration(self):
        r = self.rng
        kind = r.randrange(6)
        if kind == 0:
            return 0.0
        if kind == 1:
            return float(r.randrange(5000))
        if kind == 2:
            return r.uniform(0, 0.01)
        if kind == 3:
            return r.lognormvariate(6.4, 1.5)
        return r.uniform(1, 300)

    def repo(self):
        self.jobs += 1
        if self.distinct:
            return f"attacker/repo-{self.jobs:07d}"
        return self.rng.choice(self.repos)

    def status(self, gen):
        statuses = ["normal"] * 6 + ["abnormal", "timeout", "repo-policy-check-failure"]
        if gen >= 2026:
            statuses.append("external-contributor-check-failure")
        return self.rng.choice(statuses)

    def lines(self, ts):
        r = self.rng
        gen = self.generation(ts)
        flavor = r.choice(FLAVORS)
        kind = r.randrange(100)
        if kind < 20:
            if gen >= 2025 and r.randrange(8) == 0:
                return [dumps({"timestamp": ts, "event": "runner_installed", "flavor": flavor,
                               "duration": 0.5}).replace("0.5}", "Infinity}")]
            return [dumps({"timestamp": ts, "event": "runner_installed", "flavor": flavor,
                           "duration": self.duration()})]
        if kind < 45:
            event = {"timestamp": ts, "event": "runner_start", "flavor": flavor,
                     "workflow": "Tests", "repo": self.repo(), "github_event": r.choice(EVENTS),
                     "idle": self.duration()}
            if r.randrange(4):
                event["queue_duration"] = self.duration()
            return [dumps(event)]
        if kind < 70:
            status = self.status(gen)
            event = {"timestamp": ts, "event": "runner_stop", "flavor": flavor,
                     "workflow": "Tests", "repo": self.repo(), "github_event": r.choice(EVENTS),
                     "status": status}
            if status != "normal" and r.randrange(4):
                event["status_info"] = {"code": r.choice([137, 1, -9, 403, 500, 2 ** 40])}
            event["job_duration"] = self.duration()
            if gen >= 2024 and r.randrange(5):
                event["job_conclusion"] = r.choice(CONCLUSIONS)
            return [dumps(event)]
        if kind < 85:
            out = []
            for _ in range(1 + r.randrange(3)):  # passes at the same instant: the last counts
                event = {"timestamp": ts, "event": "reconciliation", "flavor": flavor,
                         "crashed_runners": r.randrange(3), "idle_runners": r.randrange(40)}
                if gen >= 2024.75:
                    if r.randrange(4):
                        event["active_runners"] = r.randrange(60)
                    if r.randrange(4):
                        event["expected_runners"] = r.randrange(80)
                event["duration"] = self.duration()
                out.append(dumps(event))
            return out
        if kind < 90:
            return [dumps({"timestamp": ts, "event": "runner_resized", "flavor": flavor,
                           "cores": 4})]
        return [r.choice([
            '{"timestamp": %r, "event": "runner_installed", "flavor": "small", '
            '"duration": -Infinity}' % ts,
            '{"timestamp": %r, "event": "runner_installed", "flavor": "small", '
            '"duration": NaN}' % ts,
            '{"timestamp": %r, "event": "reconciliation", "flavor": "small", '
            '"crashed_runners": 0, "idle_runners": Infinity, "duration": 1.0}' % ts,
            '{"timestamp": %r, "event": "reconciliation", "flavor": "small", '
            '"crashed_runners": 0, "idle_runners": 1, "active_runners": -1, '
            '"duration": 1.0}' % ts,
            '{"timestamp": %r, "event": "runner_stop", "flavor": "s", "workflow": "w", '
            '"repo": "r", "github_event": "push", "status": "normal", "job_duration": 1.0, '
            '"job_conclusion": 5}' % ts,
            '{"timestamp": %r, "event": "runner_installed", "flavor": "small", '
            '"duration": "1.5"}' % ts,
            '{"timestamp": %r, "event": "runner_start", "flavor": "small"' % ts,
            "",
            "not json",
        ])]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lines", type=int)
    parser.add_argument("seed", type=int)
    parser.add_argument("out")
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--distinct-repos", action="store_true")
    args = parser.parse_args()
    log = Log(args.seed, args.repos, args.distinct_repos)
    written = 0
    ts = ERAS[0][0]
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        while written < args.lines:
            lines = log.lines(ts)[: args.lines - written]
            for line in lines:
                out.write(line + "\n")
            written += len(lines)
            if log.rng.randrange(3):  # else the next event ties with this one
                ts = round(ERAS[0][0] + (END - ERAS[0][0]) * written / args.lines, 3)


if __name__ == "__main__":
    main()
