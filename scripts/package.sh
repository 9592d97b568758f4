#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian packages of runner-metrics, the way Debian builds packages:
# installed under /usr (libraries in /usr/lib/<multiarch>), compiled with
# dpkg-buildflags' hardening flags, packaged by CPack with dpkg-shlibdeps
# working out the dependencies.
#
#   bash scripts/package.sh [BUILD_DIR]   default build-pkg; prints the paths of the .debs,
#                                         which land in BUILD_DIR/packages/
#
# Needs cmake, ninja-build, g++, dpkg-dev (dpkg-buildflags, dpkg-shlibdeps), python3,
# python3-dev and pybind11-dev (for python3-runner-metrics) and the library's -dev
# packages. tests/packaging/packaging_test.sh installs and checks them.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
export DEB_LDFLAGS_MAINT_APPEND=-Wl,--as-needed
# The packages are stripped and no -dbgsym package is made: skip the debug
# info, which is most of the compile time.
export DEB_CXXFLAGS_MAINT_STRIP=-g
cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
         -DRUNNER_METRICS_BUILD_TESTS=OFF -DRUNNER_METRICS_BUILD_BENCH=OFF -DRUNNER_METRICS_PYTHON=ON \
         -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
         -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" &&
       ninja -C "$dir" &&
       rm -rf "$dir/packages" &&
       (cd "$dir" && cpack -G DEB); } >"$log" 2>&1; then
  cat "$log" >&2
  echo "package: the build or cpack failed" >&2
  exit 1
fi
# dpkg-shlibdeps' warnings (a useless dependency, a missing symbol) are problems too.
if grep -i 'dpkg-shlibdeps: warning' "$log" >&2; then
  echo "package: dpkg-shlibdeps warned" >&2
  exit 1
fi
ls "$PWD/$dir"/packages/*.deb
