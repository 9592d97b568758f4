#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Times issuing one event from the command line, side by side in one
# hyperfine run: the runner-metrics CLI, the Python ancestor
# (ancestor_issue_event.py, pydantic 1.x), and a C++ hello-world (the floor
# for starting a process). Checks first that the CLI and the ancestor write
# byte-identical lines. Builds nothing.
#
#   bench/cli_bench.sh [BUILD_DIR]     (default: build-bench, relative to the repo root)
#
# Exits non-zero if a program fails or the lines differ; a missed target is
# only reported (MISSED). Temporary logs go to a fresh directory under
# $BENCH_DIR (default /tmp); the hyperfine JSON is kept in BUILD_DIR/bench/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${1:-build-bench}
[[ $build = /* ]] || build=$root/$build

cli=$build/runner-metrics
hello=$build/bench/hello_world
python=/usr/bin/python3
ancestor=$here/ancestor_issue_event.py
runs=${RUNS:-300}

for program in "$cli" "$hello" "$python"; do
  [[ -x $program ]] || { echo "cli_bench: $program is missing; build with:" \
    "cmake --build $build --target runner-metrics hello_world" >&2; exit 1; }
done
command -v hyperfine >/dev/null || { echo "cli_bench: hyperfine is not installed" >&2; exit 1; }

tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/cli_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. The same event must give the same bytes. The timed values first, then
#    a few that exercise float and string formatting.
check() {  # TIMESTAMP FLAVOR DURATION
  rm -f "$tmp/check_cli.log" "$tmp/check_py.log"
  "$cli" issue runner-installed --log "$tmp/check_cli.log" --timestamp "$1" --flavor "$2" \
    --duration "$3"
  "$python" "$ancestor" "$tmp/check_py.log" "$1" "$2" "$3"
  if ! cmp -s "$tmp/check_cli.log" "$tmp/check_py.log"; then
    echo "cli_bench: lines differ for timestamp=$1 flavor=$2 duration=$3" >&2
    echo "  runner-metrics: $(cat "$tmp/check_cli.log")" >&2
    echo "  python:         $(cat "$tmp/check_py.log")" >&2
    exit 1
  fi
  echo "identical: $(cat "$tmp/check_cli.log")"
}
check 123 small 4.5
check 1700000000.25 large 1234.5
check 0 'x"y\z/é😀' 1e-05
check 1e16 tiny 0.0001

# 2. Time the three side by side. -N: no shell in between, so each run is
#    exactly one process start.
a="$cli issue runner-installed --log $tmp/a.log --timestamp 123 --flavor small --duration 4.5"
b="$python $ancestor $tmp/b.log 123 small 4.5"
c="$hello"
json=$build/bench/cli_bench.json
echo
echo "commands:"
echo "  runner_metrics:  $a"
echo "  python_pydantic: $b"
echo "  hello_world:     $c"
echo "  hyperfine -N --warmup 20 --runs $runs --export-json $json -n runner_metrics A -n python_pydantic B -n hello_world C"
echo
hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" \
  -n runner_metrics "$a" -n python_pydantic "$b" -n hello_world "$c"

# 3. Ratios of the medians (results are in command order): on a shared
# machine a few runs stall for tens of milliseconds, which moves the means.
echo
"$python" - "$json" <<'PY'
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
cli, py, hello = (r["median"] for r in results)
for r, name in zip(results, ("runner_metrics", "python_pydantic", "hello_world")):
    print(f"{name:16} mean {r['mean'] * 1e3:8.3f} ms  median {r['median'] * 1e3:8.3f} ms"
          f"  stddev {r['stddev'] * 1e3:.3f} ms")
py_ratio = py / cli
cli_ratio = cli / hello
print(f"python_pydantic / runner_metrics = {py_ratio:.1f}x (target >= 25x)"
      + ("" if py_ratio >= 25 else " MISSED"))
print(f"runner_metrics / hello_world = {cli_ratio:.1f}x (target <= 2x)"
      + ("" if cli_ratio <= 2 else " MISSED"))
PY
