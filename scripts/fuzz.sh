#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) and runs
# each for a bounded time on a copy of its seed corpus:
#
#   bash scripts/fuzz.sh [SECONDS]     SECONDS per target, default 60
#
# Exits non-zero if any target crashes, leaks, trips a sanitizer or breaks an
# invariant; the input that did it is kept under $FUZZ_BUILD_DIR/artifacts/.
# Nothing is written to fuzz/corpus: the runs add their finds to a temporary
# copy. Inputs under fuzz/regressions/NAME/ are run as part of the corpus.
# Needs clang, libclang-rt-dev (libFuzzer), cmake, ninja, libfmt-dev and
# libsimdjson-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/fuzz.sh [SECONDS]  (whole seconds per target, default 60)" >&2
  exit 2
fi
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

build_log=$(mktemp)
if ! { CC=clang CXX=clang++ cmake -S fuzz -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       ninja -C "$build_dir"; } >"$build_log" 2>&1; then
  cat "$build_log" >&2
  echo "fuzz: the build failed" >&2
  rm -f "$build_log"
  exit 1
fi
rm -f "$build_log"

# Any sanitizer report ends the run; libFuzzer then saves the input.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=report_objects=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build_dir/artifacts"
status=0

for corpus in fuzz/corpus/*/; do
  name=$(basename "$corpus")
  fuzzer="$build_dir/${name}_fuzzer"
  if [ ! -x "$fuzzer" ]; then
    echo "fuzz $name: no fuzzer $fuzzer for corpus $corpus" >&2
    status=1
    continue
  fi
  mkdir -p "$work/$name/corpus" "$artifacts/$name"
  cp -R "$corpus." "$work/$name/corpus/"
  if [ -d "fuzz/regressions/$name" ]; then cp -R "fuzz/regressions/$name/." "$work/$name/corpus/"; fi
  # Inputs up to 1 KiB: a batch of several lines, an event with long
  # strings. Longer ones cost several times the executions for no coverage.
  options=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
           -detect_leaks=1 -max_len=1024 -artifact_prefix="$artifacts/$name/")
  case $name in
    stdin_batch | log_line) options+=(-dict=fuzz/event_line.dict) ;;
  esac
  log="$work/$name/fuzz.log"

  rc=0
  "$fuzzer" "${options[@]}" "$work/$name/corpus" >"$log" 2>&1 || rc=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  # A clean run exits 0, prints its final stats and no report of any kind.
  if [ "$rc" -ne 0 ] || [ -z "$executions" ] ||
     grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: |fuzz invariant violated|deadly signal' "$log"; then
    echo "fuzz $name: FAILED (exit $rc); last lines of its log:" >&2
    tail -n 60 "$log" >&2
    echo "fuzz $name: the failing input is under $artifacts/$name/" >&2
    status=1
  else
    echo "fuzz $name: $executions executions in $seconds s, no crash"
  fi
done

exit "$status"
