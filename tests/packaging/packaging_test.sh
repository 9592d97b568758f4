#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs runner-metrics the ways users get it, and checks each (issue 7):
#
#   1. `cmake --install` into a staging prefix: every file is in one of the
#      .debs; public headers stand alone on the standard library; the example
#      consumer (examples/consumer) is built with find_package (shared, then
#      static) and with pkg-config, run, and issues its event through the
#      staged library.
#   2. The .debs (scripts/package.sh) installed with apt-get: --version, man -w,
#      the bash completion, the installed example built against /usr both ways
#      and run; then purged, leaving none of their files behind. Needs root or
#      sudo; skipped, saying so, without.
#   3. lintian on the .debs: no errors (every tag is printed).
#
# The Python module (python3-runner-metrics) is imported and issues an event
# from the staging prefix and from /usr, with Debian's python3.
#
#   bash tests/packaging/packaging_test.sh [BUILD_DIR]   default build-pkg
#
# scripts/dev.sh test runs it. Exits 1 on the first failure; whatever it
# installed is purged on every exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build-pkg}
packages=(runner-metrics librunner-metrics1 librunner-metrics-dev python3-runner-metrics)
python_dir=lib/python3/dist-packages/runner_metrics

work=$(mktemp -d)
installed=no
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
cleanup() {
  local status=$?
  if [ "$installed" = yes ]; then
    echo "== packaging: purging ${packages[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${packages[@]}" >/dev/null 2>&1 ||
      echo "packaging: could not purge ${packages[*]}" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== packaging: $*"; }

# An installed command serves: it finds its HTTP module, binds a free port and
# says so; and it starts without loading libmicrohttpd or GnuTLS, which only serve needs.
check_serve() {
  local command=$1 log=$work/serve-$RANDOM.log out=$work/serve-$RANDOM.err pid
  : >"$log"
  "$command" serve --log "$log" --listen 127.0.0.1:0 2>"$out" &
  pid=$!
  for _ in $(seq 100); do
    grep -q 'serving http://127.0.0.1:' "$out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -q 'serving http://127.0.0.1:' "$out" || fail "$command serve did not start: $(cat "$out")"
  if ldd "$command" | grep -E 'microhttpd|gnutls|yaml-cpp|libssl|libcrypto'; then
    fail "$command links libmicrohttpd, GnuTLS or yaml-cpp itself; only its serve module should"
  fi
}
fail() {
  echo "packaging: FAIL: $*" >&2
  exit 1
}
# run_consumer BINARY [env...]: the example appends its event and checks the line.
run_consumer() {
  local binary=$1 log
  shift
  log=$work/consumer-$RANDOM.log
  env "$@" "$binary" "$log" >"$work/consumer.out" 2>&1 ||
    fail "$binary: $(cat "$work/consumer.out")"
}
# library_of BINARY [env...]: the librunner_metrics.so.1 it loads, or "static".
# check_python PYTHONPATH: Debian's python3 imports runner_metrics from there
# (or from /usr when empty) and issues an event whose line is the ancestor's.
check_python() {
  local path=$1 log=$work/python-$RANDOM.log expected
  expected='{"timestamp": 123.0, "event": "runner_installed", "flavor": "small", "duration": 456.0}'
  env ${path:+PYTHONPATH="$path"} /usr/bin/python3 -B -c '
import sys, runner_metrics
want = sys.argv[2] + "/runner_metrics/__init__.py"
assert runner_metrics.__file__ == want, (runner_metrics.__file__, want)
runner_metrics.METRICS_LOG_PATH = sys.argv[1]
runner_metrics.issue_event(runner_metrics.RunnerInstalled(timestamp=123, flavor="small", duration=456))
' "$log" "${path:-/usr/lib/python3/dist-packages}" >"$work/python.out" 2>&1 ||
    fail "python3 -c 'import runner_metrics': $(cat "$work/python.out")"
  [ "$(cat "$log")" = "$expected" ] || fail "runner_metrics wrote '$(cat "$log")', not '$expected'"
}
library_of() {
  local binary=$1
  shift
  env "$@" ldd "$binary" | awk '/librunner_metrics/ { print $3; found = 1 } END { if (!found) print "static" }'
}

step "building the .debs (scripts/package.sh $dir)"
mapfile -t debs < <(bash scripts/package.sh "$dir")
[ "${#debs[@]}" -eq 4 ] || fail "scripts/package.sh made ${#debs[@]} packages, not 4: ${debs[*]}"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$dir/CMakeCache.txt")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for deb in "${debs[@]}"; do
  deb_version=$(dpkg-deb -f "$deb" Version)
  [ "$deb_version" = "$version" ] || fail "$deb is version $deb_version, not $version"
done

# ---- 1. Staging prefix ---------------------------------------------------------
stage=$work/stage
step "cmake --install $dir --prefix <staging>"
cmake --install "$dir" --prefix "$stage" >/dev/null
libdir=$stage/lib/$multiarch

# Every installed file is in a package (a rule without a COMPONENT is in none).
sed "s|^$stage/||" "$dir/install_manifest.txt" | sort >"$work/installed"
for deb in "${debs[@]}"; do dpkg-deb --fsys-tarfile "$deb" | tar -t; done |
  grep -v '/$' | sed 's|^\./usr/||' | sort >"$work/packaged"
missing=$(comm -23 "$work/installed" "$work/packaged")
[ -z "$missing" ] || fail "installed but in no package (give the install() a COMPONENT):
$missing"

for expected in bin/runner-metrics "lib/$multiarch/librunner_metrics.so.1" \
  "lib/$multiarch/librunner_metrics.so" "lib/$multiarch/librunner_metrics.a" \
  include/runner_metrics/events.hpp "lib/$multiarch/cmake/RunnerMetrics/RunnerMetricsConfig.cmake" \
  "lib/$multiarch/cmake/RunnerMetrics/RunnerMetricsConfigVersion.cmake" \
  "lib/$multiarch/pkgconfig/runner-metrics.pc" share/man/man1/runner-metrics.1.gz \
  share/bash-completion/completions/runner-metrics \
  "lib/$multiarch/runner-metrics/runner-metrics-http.so" \
  share/doc/runner-metrics/examples/logrotate/github-runner-metrics \
  "$python_dir/__init__.py" "$python_dir/__init__.pyi" "$python_dir/py.typed" \
  share/doc/python3-runner-metrics/copyright; do
  [ -e "$stage/$expected" ] || fail "cmake --install did not install $expected"
done
[ "$("$stage/bin/runner-metrics" --version)" = "runner-metrics $version" ] ||
  fail "the installed runner-metrics --version is not 'runner-metrics $version'"
check_serve "$stage/bin/runner-metrics"
python_module=$(find "$stage/$python_dir" -name '_runner_metrics.cpython-*.so')
[ -n "$python_module" ] || fail "cmake --install did not install the compiled _runner_metrics module"
if readelf -d "$libdir/librunner_metrics.so.1" "$stage/bin/runner-metrics" "$python_module" |
  grep -E 'RPATH|RUNPATH'; then
  fail "an installed binary keeps a build RPATH"
fi
readelf -d "$libdir/librunner_metrics.so.1" | grep -q 'SONAME.*\[librunner_metrics\.so\.1\]' ||
  fail "librunner_metrics.so.1 has no SONAME librunner_metrics.so.1"

step "python3: import runner_metrics from the staging prefix"
check_python "$stage/lib/python3/dist-packages"

step "public headers: standard library only, each compiles on its own"
# detail/ holds the template machinery of the others: held to the same rules.
find "$stage/include/runner_metrics" -name '*.hpp' | while read -r header; do
  { grep -E '^\s*#\s*include' "$header" || true; } | while read -r line; do
    name=$(sed -E 's/^\s*#\s*include\s*[<"]([^>"]+)[>"].*/\1/' <<<"$line")
    if [[ $name == runner_metrics/* ]]; then
      [ -f "$stage/include/$name" ] || fail "$(basename "$header") includes $name, which is not installed"
    elif [[ $name == */* || $name == *.* ]]; then
      fail "$(basename "$header") includes <$name>: public headers include only the standard library"
    fi
  done
done
find "$stage/include/runner_metrics" -name '*.hpp' -printf '%P\n' |
  xargs -P "$(nproc)" -I{} sh -c \
    'printf "#include <runner_metrics/%s>\n" "$1" | g++ -std=c++20 -fsyntax-only -I"$2/include" -x c++ - ||
       { echo "packaging: runner_metrics/$1 does not compile on its own" >&2; exit 255; }' \
    sh {} "$stage" ||
  fail "a public header does not compile on its own"

step "example consumer: find_package(RunnerMetrics) from the staging prefix, shared"
cmake -S examples/consumer -B "$work/find-shared" -G Ninja -DCMAKE_PREFIX_PATH="$stage" >/dev/null
cmake --build "$work/find-shared" >/dev/null
run_consumer "$work/find-shared/consumer"
[ "$(library_of "$work/find-shared/consumer")" = "$libdir/librunner_metrics.so.1" ] ||
  fail "the find_package consumer does not load the staged librunner_metrics.so.1"

step "example consumer: find_package, RunnerMetrics::runner_metrics_static"
cmake -S examples/consumer -B "$work/find-static" -G Ninja -DCMAKE_PREFIX_PATH="$stage" \
  -DRUNNER_METRICS_STATIC=ON >/dev/null
cmake --build "$work/find-static" >/dev/null
run_consumer "$work/find-static/consumer"
[ "$(library_of "$work/find-static/consumer")" = static ] ||
  fail "the static consumer loads a shared librunner_metrics"

step "find_package version rules: 1.0 found, 2.0 refused"
mkdir -p "$work/version"
cat >"$work/version/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(VersionCheck LANGUAGES CXX)  # CXX: the search covers lib/<multiarch>
find_package(RunnerMetrics ${WANT} QUIET)
message(STATUS "RunnerMetrics_FOUND=${RunnerMetrics_FOUND} RunnerMetrics_VERSION=${RunnerMetrics_VERSION}")
EOF
for want in 1.0 2.0; do
  cmake -S "$work/version" -B "$work/version/build-$want" -DWANT="$want" -DCMAKE_PREFIX_PATH="$stage" |
    grep 'RunnerMetrics_FOUND' >"$work/version/$want"
done
grep -q "FOUND=1 RunnerMetrics_VERSION=$version" "$work/version/1.0" ||
  fail "find_package(RunnerMetrics 1.0): $(cat "$work/version/1.0")"
grep -q "FOUND=0" "$work/version/2.0" || fail "find_package(RunnerMetrics 2.0) accepted $version"

step "example consumer: pkg-config runner-metrics from the staging prefix"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion runner-metrics)" = "$version" ] || fail "pkg-config --modversion"
[ "$(pkg-config --variable=prefix runner-metrics)" = "$stage" ] ||
  fail "runner-metrics.pc names prefix $(pkg-config --variable=prefix runner-metrics), not $stage"
pkg-config --static --libs runner-metrics | grep -q -- '-lfmt.*-lsimdjson\|-lsimdjson.*-lfmt' ||
  fail "pkg-config --static --libs does not bring fmt and simdjson: $(pkg-config --static --libs runner-metrics)"
# shellcheck disable=SC2046
g++ -std=c++20 examples/consumer/main.cpp $(pkg-config --cflags --libs runner-metrics) \
  -o "$work/pkg-config-consumer"
run_consumer "$work/pkg-config-consumer" LD_LIBRARY_PATH="$libdir"
[ "$(library_of "$work/pkg-config-consumer" LD_LIBRARY_PATH="$libdir")" = "$libdir/librunner_metrics.so.1" ] ||
  fail "the pkg-config consumer does not load the staged librunner_metrics.so.1"
unset PKG_CONFIG_PATH

# ---- 2. The .debs, installed ----------------------------------------------------
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  step "SKIPPED installing the .debs: needs root or passwordless sudo"
else
  for package in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      fail "$package is already installed on this machine; remove it (apt-get purge $package) and re-run"
    fi
  done
  step "apt-get install ${debs[*]##*/}"
  installed=yes
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${debs[@]}" >"$work/apt.log" 2>&1 || fail "apt-get install: $(cat "$work/apt.log")"

  [ "$(command -v runner-metrics)" = /usr/bin/runner-metrics ] ||
    fail "runner-metrics on PATH is $(command -v runner-metrics), not /usr/bin/runner-metrics"
  [ "$(runner-metrics --version)" = "runner-metrics $version" ] ||
    fail "runner-metrics --version prints '$(runner-metrics --version)'"
  [ "$(man -w runner-metrics)" = /usr/share/man/man1/runner-metrics.1.gz ] ||
    fail "man -w runner-metrics: '$(man -w runner-metrics 2>&1)' (a dpkg path-exclude on /usr/share/man?)"
  [ "$(bash --norc -c 'source /usr/share/bash-completion/completions/runner-metrics && complete -p runner-metrics')" = \
    "complete -F _runner_metrics runner-metrics" ] || fail "the installed bash completion does not register"
  ldconfig -p | grep -Eq "librunner_metrics\.so\.1 .*=> (/usr)?/lib/$multiarch/librunner_metrics\.so\.1" ||
    fail "ldconfig does not know librunner_metrics.so.1 (the ldconfig trigger did not run?)"
  runner-metrics issue runner-installed --log "$work/installed.log" --flavor small --duration 1 ||
    fail "the installed runner-metrics could not issue an event"
  runner-metrics validate "$work/installed.log" >/dev/null || fail "the installed runner-metrics validate"
  check_serve /usr/bin/runner-metrics
  step "python3: import runner_metrics from /usr"
  check_python ""
  # As root, importing without -B would write __pycache__; postinst compiled it already.
  /usr/bin/python3 -c 'import runner_metrics' || fail "python3 -c 'import runner_metrics'"

  example=/usr/share/doc/librunner-metrics-dev/examples/consumer
  step "installed example consumer: find_package from /usr"
  cmake -S "$example" -B "$work/installed-find" -G Ninja >/dev/null
  cmake --build "$work/installed-find" >/dev/null
  run_consumer "$work/installed-find/consumer"
  [ "$(library_of "$work/installed-find/consumer")" = "/lib/$multiarch/librunner_metrics.so.1" ] ||
    [ "$(library_of "$work/installed-find/consumer")" = "/usr/lib/$multiarch/librunner_metrics.so.1" ] ||
    fail "the installed consumer loads $(library_of "$work/installed-find/consumer")"
  step "installed example consumer: pkg-config from /usr"
  # shellcheck disable=SC2046
  g++ -std=c++20 "$example/main.cpp" $(pkg-config --cflags --libs runner-metrics) \
    -o "$work/installed-pkg-config"
  run_consumer "$work/installed-pkg-config"

  step "apt-get purge ${packages[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${packages[@]}" >"$work/apt.log" 2>&1 ||
    fail "apt-get purge: $(cat "$work/apt.log")"
  installed=no
  for package in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q installed; then
      fail "$package is still known to dpkg after purge"
    fi
  done
  left=$(sed 's|^|/usr/|' "$work/packaged" |
    while read -r path; do if [ -e "$path" ] || [ -L "$path" ]; then echo "$path"; fi; done)
  [ -z "$left" ] || fail "left behind after purge: $left"
  for path in /usr/include/runner_metrics "/usr/lib/$multiarch/cmake/RunnerMetrics" \
    /usr/share/doc/runner-metrics /usr/share/doc/librunner-metrics1 /usr/share/doc/librunner-metrics-dev \
    /usr/share/doc/python3-runner-metrics "/usr/$python_dir"; do
    [ ! -e "$path" ] || fail "left behind after purge: $path"
  done
  if ldconfig -p | grep -q librunner_metrics; then
    fail "ldconfig still lists librunner_metrics after purge"
  fi
fi

# ---- 3. lintian -----------------------------------------------------------------
step "lintian ${debs[*]##*/}"
status=0
lintian --fail-on error --pedantic "${debs[@]}" >"$work/lintian.log" 2>&1 || status=$?
grep -v 'running with root privileges' "$work/lintian.log" || echo "(no tags)"
if [ "$status" -ne 0 ] || grep -q '^E: ' "$work/lintian.log"; then
  fail "lintian exited $status or reported errors (above)"
fi

step "ok"
