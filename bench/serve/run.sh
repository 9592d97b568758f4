#!/usr/bin/env bash
# Benchmarks of `runner-metrics serve` (see bench/serve/README.md):
#   1. lines per second ingested from a followed log while /metrics is scraped every 10 ms
#      (16 flavors, and 1,000 flavors: the label cap);
#   2. scrape latency with about 1,000 series (16 flavors), and at the label cap
#      (1,000 flavors, about 67,000 series).
#
#   bash bench/serve/run.sh [BUILD_DIR]     default BUILD_DIR: build
#   LINES=4000000 bash bench/serve/run.sh   more lines for the ingest run (default 2,000,000)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cli=$build/runner-metrics
lines=${LINES:-2000000}
[ -x "$cli" ] || { echo "no $cli: build first (cmake -S . -B $build -G Ninja && ninja -C $build)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $("$cli" --version)"
python3 bench/serve/generate_log.py --lines "$lines" --flavors 16 > "$work/ingest.log"
python3 bench/serve/measure.py ingest "$cli" "$work/ingest.log"

python3 bench/serve/generate_log.py --lines 100000 --flavors 16 > "$work/16-flavors.log"
python3 bench/serve/measure.py scrape "$cli" "$work/16-flavors.log" 500

python3 bench/serve/generate_log.py --lines "$lines" --flavors 1000 > "$work/1000-flavors.log"
python3 bench/serve/measure.py ingest "$cli" "$work/1000-flavors.log"
python3 bench/serve/measure.py scrape "$cli" "$work/1000-flavors.log" 50
