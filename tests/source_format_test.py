#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every C++ source of the project is as clang-format (.clang-format) writes it.

Usage: source_format_test.py SOURCE_DIR

The style is only kept if something checks it: each file that drifted is
named here; `clang-format -i FILE` mends it.

Exit status 0: passed; 1: failed (each file on stderr); 77: skipped
(clang-format is not installed), with the reason.
"""

import os
import subprocess
import sys

CLANG_FORMAT = "/usr/bin/clang-format"
FOLDERS = ["include", "src", "tests", "fuzz", "bench", "examples", "python/src"]
SKIP = 77


def sources(root):
    for folder in FOLDERS:
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for name in sorted(files):
                if name.endswith((".cpp", ".hpp")):
                    yield os.path.join(directory, name)


def main():
    root = sys.argv[1]
    if not os.access(CLANG_FORMAT, os.X_OK):
        print(f"skipped: {CLANG_FORMAT} is not installed (Debian package clang-format)")
        return SKIP
    files = sorted(sources(root))
    if not files:
        print(f"no C++ sources under {root}", file=sys.stderr)
        return 1
    # One run for all: clang-format names each file in its complaints.
    run = subprocess.run([CLANG_FORMAT, "--dry-run", "-Werror", *files],
                         capture_output=True, text=True, cwd=root)
    drifted = sorted({line.split(":", 1)[0] for line in run.stderr.splitlines()
                      if "-Wclang-format-violations" in line})
    for path in drifted:
        print(f"{os.path.relpath(path, root)}: not clang-formatted", file=sys.stderr)
    if run.returncode != 0 and not drifted:
        print(f"clang-format failed: {run.stderr.strip()}", file=sys.stderr)
        return 1
    print(f"{len(files) - len(drifted)} of {len(files)} sources clang-formatted")
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
