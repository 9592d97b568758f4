# SPDX-License-Identifier: Apache-2.0
"""Every line is the ancestor's: 12,000 random events through runner_metrics and pydantic 1.x.

For each event both modules build it from the same keywords. Where the
ancestor accepted it and docs/format.md accepts it, `.json()` and the log
line must be byte-identical; where the ancestor accepted a value that no
consumer can use (inf, a negative or fractional or boolean count, an integer
outside 64 bits, ...), runner_metrics must raise ValidationError naming the
field; where the ancestor refused, so must runner_metrics.
"""

import math
import random
import struct

import pydantic
import pytest

import ancestor
import runner_metrics

EVENTS = 12_000
SEED = 20261205

FLOAT_FIELDS = {"timestamp", "duration", "idle", "queue_duration", "job_duration"}
COUNT_FIELDS = {"crashed_runners", "idle_runners", "active_runners", "expected_runners"}
LIBRARY_NAMES = {"runner_installed", "runner_start", "runner_stop", "reconciliation"}

FLOAT_EDGES = [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1e-300, 1e-05, 0.0001, 1.5e-07,
               0.1, 0.30000000000000004, 1.0, 123.0, 1e15, 9999999999999998.0, 1e16, 1e+22,
               1.7976931348623157e308, 1700000000.123456, 0, 1, 123, 2**53 + 1, 2**63, 10**30]
REFUSED_FLOATS = [math.inf, -math.inf, math.nan, -1e-300, -1.0, -5e-324, -1]
COUNT_EDGES = [0, 1, 7, 2**31, 2**63 - 1]
REFUSED_COUNTS = [-1, -(2**63), 2**63, 10**20, 2.5, 3.0, True, False]

TEXT_POOLS = [
    [chr(c) for c in range(0x20, 0x7F)],                       # printable ASCII
    [chr(c) for c in range(0x00, 0x20)] + ["\x7f"],             # control characters, DEL
    ['"', "\\", "/", "\n", "\r", "\t", "\b", "\f", "\u2028", "\u2029", "{", "}"],
    [chr(c) for c in range(0x80, 0x800)],                      # two-byte UTF-8
    [chr(c) for c in range(0x800, 0xD800)] + [chr(c) for c in range(0xE000, 0x10000)],
    [chr(c) for c in range(0x10000, 0x110000, 97)] + ["\U0001F600", "\U0010FFFF"],  # astral
]


def random_text(rng):
    length = rng.choice([0, 1, 2, 5, 12, 40])
    return "".join(rng.choice(rng.choice(TEXT_POOLS)) for _ in range(length))


def random_float(rng):
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(FLOAT_EDGES)
    if roll < 0.4:
        return rng.choice(REFUSED_FLOATS)
    if roll < 0.7:  # any finite double >= 0, from its bits
        while True:
            value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(63)))[0]
            if math.isfinite(value):
                return value
    if roll < 0.85:
        return round(rng.uniform(0, 10**rng.randint(0, 12)), rng.randint(0, 9))
    return rng.randint(0, 2**64)


def random_count(rng):
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(REFUSED_COUNTS)
    if roll < 0.4:
        return rng.choice(COUNT_EDGES)
    return rng.randint(0, 2**rng.randint(1, 62))


def random_code(rng):
    roll = rng.random()
    if roll < 0.1:
        return rng.choice([1.5, 2.0, True, 2**63, -(2**63) - 1])
    return rng.choice([0, 1, -9, 137, 403, 503, -(2**63), 2**63 - 1, rng.randint(-10**6, 10**6)])


def random_keywords(rng):
    kind = rng.choice(["RunnerInstalled", "RunnerStart", "RunnerStop", "Reconciliation"])
    data = {"timestamp": random_float(rng)}
    if rng.random() < 0.1:
        data["event"] = rng.choice(["custom_name", "runner_installed_v2", random_text(rng) or "x"])
    data["flavor"] = random_text(rng)
    if kind == "RunnerInstalled":
        data["duration"] = random_float(rng)
    elif kind == "RunnerStart":
        for name in ("workflow", "repo", "github_event"):
            data[name] = random_text(rng)
        data["idle"] = random_float(rng)
        if rng.random() < 0.6:
            data["queue_duration"] = random_float(rng) if rng.random() < 0.9 else None
    elif kind == "RunnerStop":
        for name in ("workflow", "repo", "github_event", "status"):
            data[name] = random_text(rng)
        if rng.random() < 0.6:
            data["status_info"] = {"code": random_code(rng)} if rng.random() < 0.9 else None
        data["job_duration"] = random_float(rng)
        if rng.random() < 0.5:  # the successor's field
            data["job_conclusion"] = random_text(rng) if rng.random() < 0.9 else None
    else:
        data["crashed_runners"] = random_count(rng)
        data["idle_runners"] = random_count(rng)
        for name in ("active_runners", "expected_runners"):  # the successor's fields
            if rng.random() < 0.5:
                data[name] = random_count(rng) if rng.random() < 0.9 else None
        data["duration"] = random_float(rng)
    return kind, data


def refused_field(data):
    """The first field docs/format.md refuses, or None: status_info.code first (build()
    makes the CodeInformation before the event), then the rest in line order."""
    status_info = data.get("status_info")
    if status_info is not None:
        code = status_info["code"]
        if type(code) is not int or not -(2**63) <= code < 2**63:
            return "status_info.code"
    for name, value in data.items():
        if name in FLOAT_FIELDS and value is not None:
            if isinstance(value, int) and abs(value) > 2**1000:
                return name
            if not math.isfinite(value) or value < 0:
                return name
        if name in COUNT_FIELDS and value is not None:
            if type(value) is not int or not 0 <= value < 2**63:
                return name
        if name == "event" and value in LIBRARY_NAMES:
            return name
    return None


def build(module, kind, data):
    keywords = dict(data)
    if kind == "RunnerStop" and isinstance(keywords.get("status_info"), dict):
        keywords["status_info"] = module.CodeInformation(**keywords["status_info"])
    return getattr(module, kind)(**keywords)


def test_twelve_thousand_random_events_match_the_ancestor_byte_for_byte_or_are_refused(tmp_path, monkeypatch):
    rng = random.Random(SEED)
    ours_log = runner_metrics.MetricsLog(tmp_path / "ours.log")
    monkeypatch.setattr(ancestor, "METRICS_LOG_PATH", tmp_path / "ancestor.log")
    tally = {"identical": 0, "refused by both": 0, "refused here only": 0}
    for _ in range(EVENTS):
        kind, data = random_keywords(rng)
        try:
            theirs = build(ancestor, kind, data)
            their_line = theirs.json(exclude_none=True)
        except (pydantic.ValidationError, OverflowError):
            theirs = None
        expected_refusal = refused_field(data)
        if theirs is None or expected_refusal is not None:
            with pytest.raises(runner_metrics.ValidationError) as refused:
                build(runner_metrics, kind, data)
            if expected_refusal == "status_info.code":  # CodeInformation(code=...) built first
                assert refused.value.field == "code", (kind, data)
            elif expected_refusal is not None:
                assert refused.value.field == expected_refusal, (kind, data)
            tally["refused by both" if theirs is None else "refused here only"] += 1
            continue
        ours = build(runner_metrics, kind, data)
        assert ours.json() == their_line, (kind, data)
        ours_log.append(ours)
        ancestor.issue_event(theirs)
        tally["identical"] += 1
    assert (tmp_path / "ours.log").read_bytes() == (tmp_path / "ancestor.log").read_bytes()
    # The generator reaches every case, not just the easy one.
    assert tally["identical"] > EVENTS // 3
    assert tally["refused by both"] > 100
    assert tally["refused here only"] > 100


def test_ints_for_float_fields_are_written_as_floats_as_the_ancestor_did():
    for value in (0, 1, 123, 2**53 + 1, 2**63, 10**30):
        ours = runner_metrics.RunnerInstalled(timestamp=value, flavor="s", duration=value)
        theirs = ancestor.RunnerInstalled(timestamp=value, flavor="s", duration=value)
        assert ours.json() == theirs.json(exclude_none=True)
        assert type(ours.timestamp) is float and ours.timestamp == float(value)


def test_negative_zero_is_written_as_the_ancestor_wrote_it():
    ours = runner_metrics.RunnerInstalled(timestamp=-0.0, flavor="s", duration=-0.0)
    assert ours.json() == ancestor.RunnerInstalled(timestamp=-0.0, flavor="s", duration=-0.0).json(
        exclude_none=True)
    assert ours.json() == '{"timestamp": -0.0, "event": "runner_installed", "flavor": "s", "duration": -0.0}'


def test_inf_which_the_ancestor_wrote_as_Infinity_is_refused_naming_the_field():
    assert "Infinity" in ancestor.RunnerInstalled(timestamp=1, flavor="s", duration=math.inf).json()
    with pytest.raises(runner_metrics.ValidationError) as error:
        runner_metrics.RunnerInstalled(timestamp=1, flavor="s", duration=math.inf)
    assert error.value.field == "duration"
    assert str(error.value) == "duration: must be a finite number"


def test_a_lone_surrogate_which_the_ancestor_wrote_escaped_is_refused():
    assert ancestor.RunnerInstalled(timestamp=1, flavor="\ud800", duration=1).json() == (
        '{"timestamp": 1.0, "event": "runner_installed", "flavor": "\\ud800", "duration": 1.0}')
    with pytest.raises(runner_metrics.ValidationError) as error:
        runner_metrics.RunnerInstalled(timestamp=1, flavor="\ud800", duration=1)
    assert error.value.field == "flavor"
