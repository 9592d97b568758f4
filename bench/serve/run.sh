#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks of `runner-metrics serve` (see bench/serve/README.md):
#   ingest  lines per second ingested from a followed log while /metrics is scraped every 10 ms
#           (16 flavors, and 1,000 flavors: the label cap);
#   scrape  scrape latency with about 1,000 series (16 flavors), and at the label cap
#           (1,000 flavors, about 67,000 series);
#   mtail   time to ingest the log appended to a followed file, serve against mtail with an
#           equivalent program, alternating over ROUNDS rounds, the counts checked equal.
#
#   bash bench/serve/run.sh [BUILD_DIR] [LINES] [STEP...]
#     BUILD_DIR  default build; LINES  default $LINES or 2,000,000; STEP  default: ingest scrape mtail
#   ROUNDS=5   rounds of the mtail comparison
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
lines=${2:-${LINES:-2000000}}
shift $(($# > 2 ? 2 : $#))
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(ingest scrape mtail)
rounds=${ROUNDS:-5}
cli=$build/runner-metrics
[ -x "$cli" ] || { echo "no $cli: build first (cmake -S . -B $build -G Ninja && ninja -C $build)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $("$cli" --version)"
for step in "${steps[@]}"; do
  case $step in
    ingest)
      python3 bench/serve/generate_log.py --lines "$lines" --flavors 16 > "$work/ingest.log"
      python3 bench/serve/measure.py ingest "$cli" "$work/ingest.log"
      python3 bench/serve/generate_log.py --lines "$lines" --flavors 1000 > "$work/1000-flavors.log"
      python3 bench/serve/measure.py ingest "$cli" "$work/1000-flavors.log"
      ;;
    scrape)
      python3 bench/serve/generate_log.py --lines 100000 --flavors 16 > "$work/16-flavors.log"
      python3 bench/serve/measure.py scrape "$cli" "$work/16-flavors.log" 500
      [ -s "$work/1000-flavors.log" ] ||
        python3 bench/serve/generate_log.py --lines "$lines" --flavors 1000 > "$work/1000-flavors.log"
      python3 bench/serve/measure.py scrape "$cli" "$work/1000-flavors.log" 50
      ;;
    mtail)
      command -v mtail >/dev/null || { echo "mtail is not installed (apt-get install mtail)" >&2; exit 2; }
      echo "== $(mtail --version | head -n 1 | cut -d' ' -f1-3); $lines lines, 16 flavors; $rounds rounds"
      [ -s "$work/ingest.log" ] ||
        python3 bench/serve/generate_log.py --lines "$lines" --flavors 16 > "$work/ingest.log"
      python3 bench/serve/measure.py mtail "$cli" "$work/ingest.log" "$rounds" bench/serve/mtail
      ;;
    *) echo "unknown step: $step (ingest, scrape, mtail)" >&2; exit 2 ;;
  esac
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
