#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""format.md §7's summary of metrics logs, computed the slow and obvious way:
Python's json module, every value kept, exact nearest-rank percentiles.
An independent check of `runner-metrics summary --format json`.

    summary_oracle.py [--since T] [--until T] [--by-flavor] FILE...

T is UNIX seconds. Prints the summary object as JSON.
"""

import argparse
import json
import math
import sys

TYPES = {
    # name: [(field, kind, optional)]
    "runner_installed": [("flavor", "str", False), ("duration", "float", False)],
    "runner_start": [("flavor", "str", False), ("workflow", "str", False),
                     ("repo", "str", False), ("github_event", "str", False),
                     ("idle", "float", False), ("queue_duration", "float", True)],
    "runner_stop": [("flavor", "str", False), ("workflow", "str", False),
                    ("repo", "str", False), ("github_event", "str", False),
                    ("status", "str", False), ("status_info", "code", True),
                    ("job_duration", "float", False)],
    "reconciliation": [("flavor", "str", False), ("crashed_runners", "count", False),
                       ("idle_runners", "count", False), ("duration", "float", False)],
}
INT64 = (-(2 ** 63), 2 ** 63 - 1)


class Invalid(Exception):
    pass


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise Invalid("duplicate " + key)
        seen[key] = value
    return seen


# format.md §7: the bare token Infinity is a float field's unknown value, and
# invalid anywhere else; -Infinity and NaN are invalid everywhere.
UNKNOWN = object()


def reject_constant(name):
    if name == "Infinity":
        return UNKNOWN
    raise Invalid(name)


def holds_unknown(value):
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(holds_unknown(member) for member in value.values())
    if isinstance(value, list):
        return any(holds_unknown(element) for element in value)
    return False


def check_float(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid("not a number")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise Invalid("not a finite number >= 0")
    return value


def check_int(value, minimum):
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("not an integer")
    if not INT64[0] <= value <= INT64[1] or value < minimum:
        raise Invalid("out of range")
    return value


def check_str(value):
    if not isinstance(value, str):
        raise Invalid("not a string")
    value.encode("utf-8")  # a lone surrogate raises
    return value


def classify(raw):
    """('event', dict) | ('other', None) | ('invalid', None)"""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        obj = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates,
                         parse_constant=reject_constant)
        if not isinstance(obj, dict):
            raise Invalid("not an object")
        if "timestamp" in obj:
            obj["timestamp"] = check_float(obj["timestamp"])
        if "event" not in obj:
            raise Invalid("no event")
        name = check_str(obj["event"])
        if name not in TYPES:
            if holds_unknown(obj):
                raise Invalid("Infinity in another writer's event")
            return "other", None
        float_fields = {field for field, kind, _ in TYPES[name] if kind == "float"}
        if any(holds_unknown(value) for key, value in obj.items() if key not in float_fields):
            raise Invalid("Infinity where no float field is")
        if "timestamp" not in obj:
            raise Invalid("no timestamp")
        event = {"timestamp": obj["timestamp"], "event": name}
        for field, kind, optional in TYPES[name]:
            value = obj.get(field)
            if value is None:
                if field in obj and not optional:
                    raise Invalid(field + " is null")
                if not optional:
                    raise Invalid(field + " missing")
                continue
            if kind == "str":
                event[field] = check_str(value)
            elif kind == "float":
                event[field] = math.inf if value is UNKNOWN else check_float(value)
            elif kind == "count":
                event[field] = check_int(value, 0)
            else:
                if not isinstance(value, dict) or "code" not in value:
                    raise Invalid("status_info")
                event[field] = {"code": check_int(value["code"], INT64[0])}
        return "event", event
    except (Invalid, ValueError, OverflowError, UnicodeError, RecursionError):
        return "invalid", None


def lines_of(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def stats(values):
    values = [value for value in values if value != math.inf]  # unknown values: in no statistic
    if not values:
        return {"count": 0, "min": None, "max": None, "avg": None,
                "p50": None, "p95": None, "p99": None}
    ordered = sorted(values)
    n = len(ordered)

    def nearest_rank(q):
        return ordered[max(1, -(-q * n // 100)) - 1]

    return {"count": n, "min": ordered[0], "max": ordered[-1], "avg": math.fsum(ordered) / n,
            "p50": nearest_rank(50), "p95": nearest_rank(95), "p99": nearest_rank(99)}


def new_group(flavor):
    return {"flavor": flavor,
            "counts": dict.fromkeys(["runner_installed", "runner_start", "runner_stop",
                                     "reconciliation", "crashed_runners"], 0),
            "statuses": {}, "latest": {},
            "values": {k: [] for k in ["installation", "idle", "queue", "job", "reconciliation"]}}


def summarize(paths, since, until, by_flavor):
    lines = {"total": 0, "valid": 0, "other": 0, "invalid": 0}
    groups = {}
    if not by_flavor:
        groups[None] = new_group(None)
    for path in paths:
        for raw in lines_of(path):
            lines["total"] += 1
            kind, event = classify(raw)
            lines["valid" if kind == "event" else kind] += 1
            if kind != "event":
                continue
            ts = event["timestamp"]
            if (since is not None and ts < since) or (until is not None and ts >= until):
                continue
            flavor = event["flavor"]
            key = flavor if by_flavor else None
            group = groups.setdefault(key, new_group(key))
            group["counts"][event["event"]] += 1
            values = group["values"]
            if event["event"] == "runner_installed":
                values["installation"].append(event["duration"])
            elif event["event"] == "runner_start":
                values["idle"].append(event["idle"])
                if "queue_duration" in event:
                    values["queue"].append(event["queue_duration"])
            elif event["event"] == "runner_stop":
                group["statuses"][event["status"]] = group["statuses"].get(event["status"], 0) + 1
                if event["status"] == "normal":
                    values["job"].append(event["job_duration"])
            else:
                group["counts"]["crashed_runners"] += event["crashed_runners"]
                values["reconciliation"].append(event["duration"])
                latest = group["latest"].get(flavor)
                if latest is None or ts >= latest[0]:  # a later line wins a tie
                    group["latest"][flavor] = (ts, event["idle_runners"])
    out = []
    for key in sorted(groups, key=lambda k: "" if k is None else k):
        group = groups[key]
        out.append({
            "flavor": group["flavor"],
            "counts": group["counts"],
            "runner_stop_status": dict(sorted(group["statuses"].items())),
            "idle_runners_last": (sum(idle for _, idle in group["latest"].values())
                                  if group["latest"] else None),
            "durations": {name: stats(v) for name, v in group["values"].items()},
        })
    return {"lines": lines, "groups": out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", type=float)
    parser.add_argument("--until", type=float)
    parser.add_argument("--by-flavor", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    json.dump(summarize(args.files, args.since, args.until, args.by_flavor), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
