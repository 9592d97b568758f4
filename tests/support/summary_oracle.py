#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""format.md §7's summary of metrics logs, computed the slow and obvious way:
Python's json module, every value kept, exact nearest-rank percentiles.
An independent check of `runner-metrics summary --format json`.

    summary_oracle.py [--since T] [--until T] [--by-flavor] [--max-label-values N] FILE...

T is UNIX seconds. Prints the summary object as JSON. Breakdowns are counted
whole and cut to the N values that sort first only at the end.
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
                    ("job_duration", "float", False), ("job_conclusion", "str", True)],
    "reconciliation": [("flavor", "str", False), ("crashed_runners", "count", False),
                       ("idle_runners", "count", False), ("active_runners", "count", True),
                       ("expected_runners", "count", True), ("duration", "float", False)],
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
    unknown = sum(1 for value in values if value == math.inf)
    values = [value for value in values if value != math.inf]  # unknown values: in no statistic
    if not values:
        return {"count": 0, "unknown": unknown, "min": None, "max": None, "avg": None,
                "p50": None, "p95": None, "p99": None}
    ordered = sorted(values)
    n = len(ordered)

    def nearest_rank(q):
        return ordered[max(1, -(-q * n // 100)) - 1]

    return {"count": n, "unknown": unknown, "min": ordered[0], "max": ordered[-1], "avg": math.fsum(ordered) / n,
            "p50": nearest_rank(50), "p95": nearest_rank(95), "p99": nearest_rank(99)}


BREAKDOWNS = ["runner_stop_status", "runner_stop_conclusion", "runner_stop_codes",
              "github_events", "repos"]
GAUGES = {"idle_runners_last": "idle_runners", "active_runners_last": "active_runners",
          "expected_runners_last": "expected_runners"}


def new_group(flavor):
    return {"flavor": flavor,
            "counts": dict.fromkeys(["runner_installed", "runner_start", "runner_stop",
                                     "reconciliation", "crashed_runners"], 0),
            "breakdowns": {name: {} for name in BREAKDOWNS},
            "latest": {name: {} for name in GAUGES},
            "reconciliations": {},
            "values": {k: [] for k in ["installation", "idle", "queue", "job", "reconciliation"]}}


def count(table, key):
    table[key] = table.get(key, 0) + 1


def capped(counts, cap):
    """The `cap` keys that sort first keep their counts; the rest, a key that
    is itself "other" and one longer than 256 bytes are summed under "other",
    written last."""
    other = 0
    kept = []
    for key in sorted(counts):
        name = key[0] if isinstance(key, tuple) else key
        if name == "other" or len(name.encode()) > 256 or len(kept) >= cap:
            other += counts[key]
        else:
            kept.append(key)
    return kept, other


def flat_breakdown(counts, cap):
    kept, other = capped(counts, cap)
    out = {key: counts[key] for key in kept}
    if other:
        out["other"] = other
    return out


def code_breakdown(counts, cap):
    kept, other = capped(counts, cap)
    out = {}
    for status, code in kept:
        out.setdefault(status, {})[str(code)] = counts[(status, code)]
    if other:
        out["other"] = {"other": other}
    return out


def interval(reconciliations):
    spans = [(max(times) - min(times)) / (len(times) - 1)
             for times in reconciliations.values() if len(times) >= 2]
    return math.fsum(spans) / len(spans) if spans else None


def summarize(paths, since, until, by_flavor, max_label_values=1000):
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
            breakdowns = group["breakdowns"]
            if event["event"] == "runner_installed":
                values["installation"].append(event["duration"])
            elif event["event"] == "runner_start":
                values["idle"].append(event["idle"])
                if "queue_duration" in event:
                    values["queue"].append(event["queue_duration"])
                count(breakdowns["github_events"], event["github_event"])
                count(breakdowns["repos"], event["repo"])
            elif event["event"] == "runner_stop":
                count(breakdowns["runner_stop_status"], event["status"])
                if "job_conclusion" in event:
                    count(breakdowns["runner_stop_conclusion"], event["job_conclusion"])
                if "status_info" in event:
                    count(breakdowns["runner_stop_codes"],
                          (event["status"], event["status_info"]["code"]))
                if event["status"] == "normal":
                    values["job"].append(event["job_duration"])
            else:
                group["counts"]["crashed_runners"] += event["crashed_runners"]
                values["reconciliation"].append(event["duration"])
                group["reconciliations"].setdefault(flavor, []).append(ts)
                for name, field in GAUGES.items():
                    if field not in event:
                        continue
                    latest = group["latest"][name].get(flavor)
                    if latest is None or ts >= latest[0]:  # a later line wins a tie
                        group["latest"][name][flavor] = (ts, event[field])
    out = []
    for key in sorted(groups, key=lambda k: "" if k is None else k):
        group = groups[key]
        result = {"flavor": group["flavor"], "counts": group["counts"]}
        for name in BREAKDOWNS:
            make = code_breakdown if name == "runner_stop_codes" else flat_breakdown
            result[name] = make(group["breakdowns"][name], max_label_values)
        for name in GAUGES:
            latest = group["latest"][name]
            result[name] = sum(value for _, value in latest.values()) if latest else None
        result["reconciliation_interval"] = interval(group["reconciliations"])
        result["queue_under_60s"] = sum(1 for v in group["values"]["queue"] if v < 60)
        result["durations"] = {name: stats(v) for name, v in group["values"].items()}
        out.append(result)
    return {"lines": lines, "groups": out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", type=float)
    parser.add_argument("--until", type=float)
    parser.add_argument("--by-flavor", action="store_true")
    parser.add_argument("--max-label-values", type=int, default=1000)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    json.dump(summarize(args.files, args.since, args.until, args.by_flavor,
                        args.max_label_values), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
