#!/usr/bin/env bash
# `runner-metrics summary` against the tools an operator would otherwise reach
# for, on one generated log, in one run:
#   runner-metrics summary --format json   every panel of the dashboard
#   jq                                     job-duration min/avg/max only
#   Python (json module)                   job-duration min/avg/max only
#   wc -l                                  the floor: reading the bytes
#
#   bash bench/summary/run.sh [BUILD_DIR]     (default: build)
#
# Environment: LINES (2000000), WORK (/tmp/runner-metrics-bench, where the log
# is generated once and then reused), RUNS (3). Needs jq, hyperfine, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cli=$build/runner-metrics
lines=${LINES:-2000000}
work=${WORK:-/tmp/runner-metrics-bench}
runs=${RUNS:-3}
log=$work/metrics-$lines.log
python=/usr/bin/python3

for tool in jq hyperfine "$python"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
[ -x "$cli" ] || { echo "build first: $cli is missing" >&2; exit 1; }

mkdir -p "$work"
if [ ! -s "$log" ]; then
  echo "generating $log ($lines lines)"
  "$python" "$here/generate_log.py" "$lines" "$log.tmp"
  mv "$log.tmp" "$log"
fi
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null # in the page cache for every contender alike

jq_filter='[inputs | select(.event == "runner_stop" and .status == "normal") | .job_duration]
           | {min: min, avg: (add / length), max: max}'
summary_cmd="$cli summary --format json $log"
jq_cmd="jq -c -n '$(echo "$jq_filter" | tr -s ' \n' ' ')' $log"
python_cmd="$python $here/job_duration.py $log"
wc_cmd="wc -l $log"

echo "== $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $log: $lines lines, $((bytes / 1000000)) MB"
echo "== the job durations each computes (they must agree):"
printf '  runner-metrics  %s\n' "$($summary_cmd | "$python" -c \
  'import json,sys; j=json.load(sys.stdin)["groups"][0]["durations"]["job"]; print(json.dumps({k: j[k] for k in ("min", "avg", "max")}))')"
printf '  jq              %s\n' "$(eval "$jq_cmd")"
printf '  python          %s\n' "$($python_cmd)"

results=$work/results.json
hyperfine --runs "$runs" --style basic --export-json "$results" \
  -n runner-metrics "$summary_cmd" -n jq "$jq_cmd" -n python "$python_cmd" -n "wc -l" "$wc_cmd"

"$python" - "$results" "$bytes" <<'EOF'
import json
import sys

results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
size = int(sys.argv[2])
ours = results["runner-metrics"]["median"]
print(f"\n{'':16}{'median s':>10}{'MB/s':>9}{'vs runner-metrics':>19}")
for name, r in results.items():
    median = r["median"]
    print(f"{name:16}{median:10.3f}{size / median / 1e6:9.0f}{median / ours:18.1f}x")
EOF
echo
echo "commands:"
printf '  %s\n' "$summary_cmd" "$jq_cmd" "$python_cmd" "$wc_cmd"
