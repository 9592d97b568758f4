#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `runner-metrics summary` against what an operator would otherwise reach for,
# on one generated log, in one run (compare.py alternates them over rounds and
# checks they computed the same answer):
#   runner-metrics summary --format json   every panel of the dashboard
#   DuckDB (Node + @duckdb/node-api)        the same panels in SQL (read_json with a schema)
#   jq                                      job-duration min/avg/max only
#   Python (json module)                    job-duration min/avg/max only
#   wc -l                                   the floor: reading the bytes
#
#   bash bench/summary/run.sh [BUILD_DIR] [LINES]     (defaults: build, 2000000)
#
# Environment: LINES (when not given as an argument), ROUNDS (5), WORK
# (/tmp/runner-metrics-bench: the log is generated there once, then reused),
# DUCKDB_NODE_API_VERSION (the pinned version below). Needs jq, python3, node
# (18 or later) and npm. DuckDB is installed with npm, once, into
# ${XDG_CACHE_HOME:-~/.cache}/runner-metrics-bench/, outside the repository;
# nothing here runs in CI.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cli=$build/runner-metrics
lines=${2:-${LINES:-2000000}}
work=${WORK:-/tmp/runner-metrics-bench}
rounds=${ROUNDS:-5}
log=$work/metrics-$lines.log
python=/usr/bin/python3
# One pinned version, so that every run times the same engine; the cache
# folder is named after it.
duckdb_version=${DUCKDB_NODE_API_VERSION:-1.5.6-r.1}
duckdb_dir=${XDG_CACHE_HOME:-$HOME/.cache}/runner-metrics-bench/duckdb-node-api-$duckdb_version

if [ -n "${CI:-}" ]; then
  echo "bench/summary/run.sh: a benchmark, not run in CI (it installs DuckDB from npm)" >&2
  exit 1
fi
for tool in jq node npm wc "$python"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
[ -x "$cli" ] || { echo "build first: $cli is missing" >&2; exit 1; }

if [ ! -f "$duckdb_dir/node_modules/@duckdb/node-api/package.json" ]; then
  echo "installing @duckdb/node-api@$duckdb_version into $duckdb_dir"
  mkdir -p "$duckdb_dir"
  (cd "$duckdb_dir" && npm install --no-audit --no-fund --loglevel=error \
    "@duckdb/node-api@$duckdb_version" >/dev/null)
fi

mkdir -p "$work"
if [ ! -s "$log" ]; then
  echo "generating $log ($lines lines)"
  "$python" "$here/generate_log.py" "$lines" "$log.tmp"
  mv "$log.tmp" "$log"
fi
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null # in the page cache for every contender alike

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores,$(lscpu | sed -n 's/^Model name: *\(.*\)/ \1/p');" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $("$cli" --version); DuckDB $duckdb_version (npm @duckdb/node-api), node $(node --version)," \
  "$(jq --version), Python $("$python" -c 'import sys; print(sys.version.split()[0])')"
echo "== $log: $lines lines, $((bytes / 1000000)) MB; $rounds rounds"
"$python" "$here/compare.py" --cli "$cli" --duckdb-module "$duckdb_dir" --log "$log" \
  --rounds "$rounds" --json "$work/results-$lines.json"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "commands (DUCKDB_SUMMARY_VERBOSE=1 prints DuckDB's SQL):"
printf '  %s\n' "$cli summary --format json $log" \
  "node $here/duckdb_summary.cjs $duckdb_dir $log" \
  "jq -c -n '$("$python" -c "import sys; sys.path.insert(0, '$here'); import compare; print(compare.JQ_FILTER)")' $log" \
  "$python $here/job_duration.py $log" "wc -l $log"
