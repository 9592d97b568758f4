#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One entry point for a fresh Debian 12 machine (as root, or with sudo):
#   bash scripts/dev.sh demo   install what is missing, build the command, issue example events,
#                              print the log and its summary
#   bash scripts/dev.sh test   install what is missing, build, run every test (the normal build in a
#                              fresh clone under a private folder whose path has a space, and in
#                              place too when there are uncommitted changes; packages; ASan/UBSan),
#                              then fuzz each libFuzzer target for $FUZZ_SECONDS (default 60)
#   bash scripts/dev.sh build  install what is missing and build
set -euo pipefail
cd "$(dirname "$0")/.."

# Each package and why: see "Dependencies" in README.md.
PACKAGES=(
  g++ cmake ninja-build pkgconf
  libfmt-dev libcli11-dev libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  logrotate util-linux python3 python3-pydantic hyperfine git
  clang libclang-rt-14-dev clang-format
  dpkg-dev file lintian man-db
  chromium python3-pil time
  libmicrohttpd-dev libyaml-cpp-dev libcrypt-dev prometheus python3-yaml
  openssl apache2-utils curl
  pybind11-dev python3-dev python3-pytest
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# build DIR [cmake args...]
build() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  ninja -C "$dir"
}

TOTAL_PASSED=0
TOTAL_FAILED=0

# run_tests DIR: every CTest test of a build; tallies what passed for the last line.
run_tests() {
  local dir=$1 log
  log=$(mktemp)
  local status=0
  ctest --test-dir "$dir" --output-on-failure --timeout 900 -j "$(nproc)" | tee "$log" || status=$?
  local total failed
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -n 1)
  rm -f "$log"
  TOTAL_PASSED=$((TOTAL_PASSED + ${total:-0} - ${failed:-0}))
  TOTAL_FAILED=$((TOTAL_FAILED + ${failed:-0}))
  return "$status"
}

# build_demo ON|OFF: only the command, in a folder of its own, in under a
# minute on two cores. Five events need no optimizer and no debug information.
# Most of a cold build is the same headers (CLI11 above all) compiled again for
# each file: unity batches of six files (ON) compile them a few times instead,
# for less than half the CPU time, in batches small enough that both cores stay
# busy. No install rules: they configure what only packaging needs.
build_demo() {
  cmake -S . -B build-demo -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O0 -DNDEBUG" "-DCMAKE_UNITY_BUILD=$1" \
    -DCMAKE_UNITY_BUILD_BATCH_SIZE=6 -DRUNNER_METRICS_BUILD_TESTS=OFF \
    -DRUNNER_METRICS_BUILD_BENCH=OFF -DRUNNER_METRICS_INSTALL=OFF >/dev/null &&
    ninja -C build-demo runner-metrics
}

demo() {
  local log=demo/metrics.log
  mkdir -p demo
  rm -f "$log"
  local cli=build-demo/runner-metrics
  "$cli" issue runner-installed --log "$log" --flavor small --duration 42.5
  "$cli" issue runner-start --log "$log" --flavor small --workflow Tests \
    --repo canonical/github-runner-operator --github-event pull_request --idle 12.5 --queue-duration 3
  "$cli" issue runner-stop --log "$log" --flavor small --workflow Tests \
    --repo canonical/github-runner-operator --github-event pull_request --status abnormal \
    --status-code 137 --job-duration 61.25
  printf '%s\n' \
    '{"timestamp": 1700000002, "event": "reconciliation", "flavor": "small", "crashed_runners": 1, "idle_runners": 5, "duration": 4.2}' \
    '{"timestamp": 1700000003, "event": "runner_installed", "flavor": "large", "duration": 90}' |
    "$cli" issue --stdin --log "$log"
  echo "== $log"
  cat "$log"
  echo "== runner-metrics summary $log"
  "$cli" summary "$log"
}

# The normal suite again, in a fresh clone of the committed tree under a folder
# only its owner may enter, with a space in its path: no test may depend on
# where the checkout lives (uid 65534 cannot reach it; nothing lies beside it).
test_elsewhere() {
  local private status=0
  private=$(mktemp -d /tmp/runner-metrics-elsewhere.XXXXXX)
  chmod 0700 "$private"
  local clone="$private/a folder/runner-metrics"
  # The contract beside this checkout, if any, for the vectors' comparison.
  local contract
  contract="$(cd .. && pwd)/shared"
  git clone -q "$PWD" "$clone"
  pushd "$clone" >/dev/null
  { build build -DRUNNER_METRICS_BUILD_BENCH=OFF -DRUNNER_METRICS_PYTHON=ON \
      "-DRUNNER_METRICS_CONTRACT_DIR=$contract" && run_tests build; } || status=$?
  popd >/dev/null
  rm -rf "$private"
  return "$status"
}

install_packages
case "${1:-}" in
  demo)
    # Batches mix files, so two of them with the same file-local name no
    # longer compile together; the file-by-file build below cannot meet that.
    build_demo ON || {
      echo "dev.sh: the unity build failed (file-local names clash in a batch?);" \
        "building file by file" >&2
      build_demo OFF
    }
    demo
    ;;
  test)
    # The normal suite runs in a fresh clone (test_elsewhere), which holds
    # only what is committed; uncommitted changes are tested here first.
    if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
      build build -DRUNNER_METRICS_PYTHON=ON
      run_tests build
    fi
    test_elsewhere
    # The README's first command, as a newcomer runs it, with no fallback: a
    # clash of file-local names in a unity batch fails here, not in the demo.
    build_demo ON
    demo >/dev/null
    bash tests/packaging/packaging_test.sh build-pkg
    build build-asan -DRUNNER_METRICS_SANITIZE=ON -DRUNNER_METRICS_BUILD_BENCH=OFF
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan
    bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
    echo "tests: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
    ;;
  build)
    build build
    ;;
  *)
    echo "usage: bash scripts/dev.sh demo|test|build" >&2
    exit 2
    ;;
esac
