#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/*/seed-*).

    python3 fuzz/make_seed_corpus.py [VECTORS]

VECTORS defaults to tests/data/vectors.jsonl. The output
is committed; run this again when the vectors change. It replaces every
seed-* file it wrote before and leaves other corpus files alone.

stdin_batch: one file per vector, holding the input line exactly as the
vector spells it (the "in" object's JSON text, or "in_text"), one per "out"
line, and a few multi-line batches. event_validator: a few fixed
pseudo-random byte strings (the target reads any bytes as an event).
log_line: each vector's input and output line, and lines of other writers.
"""

import json
import pathlib
import random
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
DEFAULT_VECTORS = FUZZ.parent / "tests" / "data" / "vectors.jsonl"
# scripts/fuzz.sh runs with -max_len=1024: small inputs run several times
# faster and reach the same coverage. A longer seed would be cut short.
MAX_SEED_BYTES = 1024


def raw_member_text(line: str, key: str) -> str:
    """The JSON text of a top-level member's value, byte for byte as written."""
    decoder = json.JSONDecoder()
    index = line.index("{") + 1
    while True:
        while line[index] in " \t,":
            index += 1
        name, index = decoder.raw_decode(line, index)
        while line[index] in " \t:":
            index += 1
        start = index
        _, index = decoder.raw_decode(line, index)
        if name == key:
            return line[start:index]


def stdin_batch_seeds(vectors: pathlib.Path) -> dict[str, bytes]:
    seeds: dict[str, bytes] = {}
    inputs: list[str] = []
    accepted: list[str] = []
    outputs: list[str] = []
    for number, line in enumerate(vectors.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        vector = json.loads(line)
        text = vector["in_text"] if "in_text" in vector else raw_member_text(line, "in")
        seeds[f"seed-vector-{number:02d}"] = text.encode("utf-8")
        inputs.append(text)
        if "out" in vector:
            outputs.append(vector["out"])
            if "type" not in vector:  # issue --stdin takes only the types' own names
                accepted.append(text)
    for number, out in enumerate(outputs, 1):
        seeds[f"seed-out-{number:02d}"] = out.encode("utf-8")

    batches = {
        "accepted": batched([t + "\n" for t in accepted]),
        "written": batched(outputs),
        # Bad lines among good ones: every kind of vector.
        "mixed": batched([t + "\n" for t in inputs]),
    }
    for kind, texts in batches.items():
        for number, text in enumerate(texts, 1):
            seeds[f"seed-batch-{kind}-{number:02d}"] = text.encode("utf-8")
    # CRLF endings, blank and whitespace-only lines, no final newline.
    crlf = ["", accepted[0], " \t", accepted[1], "", accepted[2]]
    seeds["seed-batch-crlf-blank"] = "\r\n".join(crlf).encode("utf-8")
    return seeds


def log_line_seeds(vectors: pathlib.Path) -> dict[str, bytes]:
    """Each vector's input and output line, and lines a log holds besides."""
    seeds = {name.replace("seed-", "seed-line-", 1): data
             for name, data in stdin_batch_seeds(vectors).items()
             if name.startswith(("seed-vector-", "seed-out-"))}
    installed = '{"timestamp": 1.5, "event": "runner_installed", "flavor": "s", "duration": 2.0'
    others = {
        "newer-writer": installed + ', "region": ["eu", {"gpu": false, "n": 1e400}]}',
        "unknown-not-json": installed + ', "region": [tru]}',
        "other-event": '{"event": "heartbeat", "host": "runner-1", "n": -0.5e-3}',
        "event-last": '{"flavor": "s", "duration": 2, "timestamp": 1, "event": "runner_installed"}',
        "nested": installed + ', "x": ' + "[" * 40 + "]" * 40 + "}",
        "surrogate-name": installed + ', "\\udc00": "\\ud800"}',
        "crlf": installed + "}\r",
    }
    for name, text in others.items():
        seeds[f"seed-line-{name}"] = text.encode("utf-8")
    return seeds


def batched(lines: list[str]) -> list[str]:
    """The lines, in order, grouped into batches of at most MAX_SEED_BYTES."""
    batches = [""]
    for line in lines:
        if batches[-1] and len(batches[-1]) + len(line) > MAX_SEED_BYTES:
            batches.append("")
        batches[-1] += line
    return batches


def event_validator_seeds() -> dict[str, bytes]:
    generator = random.Random(20240601)
    seeds = {}
    for number, size in enumerate([16, 32, 64, 96, 128, 192, 256, 512], 1):
        seeds[f"seed-random-{number:02d}"] = generator.randbytes(size)
    return seeds


def write(directory: pathlib.Path, seeds: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("seed-*"):
        old.unlink()
    for name, data in sorted(seeds.items()):
        (directory / name).write_bytes(data)
    print(f"{directory.relative_to(FUZZ.parent)}: {len(seeds)} seeds")


def main() -> None:
    vectors = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_VECTORS
    write(FUZZ / "corpus" / "stdin_batch", stdin_batch_seeds(vectors))
    write(FUZZ / "corpus" / "event_validator", event_validator_seeds())
    write(FUZZ / "corpus" / "log_line", log_line_seeds(vectors))


if __name__ == "__main__":
    main()
