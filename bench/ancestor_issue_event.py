#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""How the Python ancestor issued one metric event, for timing against the CLI.

The ancestor's `metrics` module as python/tests/ancestor.py re-creates it
(pydantic 1.x models whose `event` defaults to the class name in snake case,
serialized with `.json()` and appended to the log as one line), started as a
fresh process per event as a fleet manager's hook would be.

    /usr/bin/python3 bench/ancestor_issue_event.py LOG TIMESTAMP FLAVOR DURATION

cli_bench.sh checks that the line written here is byte-identical to what
`runner-metrics issue runner-installed` writes for the same values.
"""

import pathlib
import sys

# The pydantic 1.x re-creation of the ancestor that the Python tests compare against.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python" / "tests"))
import ancestor  # noqa: E402


def main(argv: list) -> int:
    if len(argv) != 5:
        print(f"usage: {argv[0]} LOG TIMESTAMP FLAVOR DURATION", file=sys.stderr)
        return 2
    ancestor.METRICS_LOG_PATH = pathlib.Path(argv[1])
    ancestor.issue_event(
        ancestor.RunnerInstalled(timestamp=float(argv[2]), flavor=argv[3], duration=float(argv[4]))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
