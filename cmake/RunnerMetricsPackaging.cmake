# SPDX-License-Identifier: Apache-2.0
# The Debian packages, built by CPack from the install rules of
# cmake/RunnerMetricsInstall.cmake, one package per install component:
#
#   runner-metrics         the command, its man page, bash completion, examples
#   librunner-metrics1     the shared library (SONAME librunner_metrics.so.1)
#   librunner-metrics-dev  headers, the .so link, the static library, the CMake
#                          package and the pkg-config file
#   python3-runner-metrics the Python module runner_metrics (-DRUNNER_METRICS_PYTHON=ON)
#
# scripts/package.sh builds them the way Debian builds packages (prefix /usr,
# dpkg-buildflags); tests/packaging/packaging_test.sh installs and checks them.

set(RUNNER_METRICS_MAINTAINER
    "runner-metrics maintainers <maintainers@users.noreply.r-seed-6266719b.example>"
    CACHE STRING "Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME runner-metrics)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${RUNNER_METRICS_MAINTAINER})
# Each package's description below is its synopsis line, then paragraphs
# (CPack indents them and turns empty lines into " ."). CPack
# puts CPACK_PACKAGE_DESCRIPTION_SUMMARY in front of it unless the summary is
# CPack's own default, so it is set to that default.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL runtime library development)
if(RUNNER_METRICS_PYTHON)
  list(APPEND CPACK_COMPONENTS_ALL python)
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_POST_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/deb_ldconfig_trigger.cmake)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME runner-metrics)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS logrotate)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"metric events for self-hosted GitHub Actions runner fleets
runner-metrics records the life of self-hosted GitHub Actions runners
(installed, started a job, stopped, each reconciliation pass) as one JSON
object per line in a metrics log that Promtail or Grafana Alloy ship to
Loki. Every line is byte-identical to what the Python metrics module
wrote, so existing dashboards keep working. It also validates and
summarizes logs and sets up logrotate for them.")

set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME librunner-metrics${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIBRARY_DESCRIPTION
"C++ library for runner-metrics events (shared library)
The runner_metrics library issues, validates and reads the metric events
of self-hosted GitHub Actions runners, writing each as one line that is
byte-identical to what the Python metrics module wrote, safely from many
threads and processes and across logrotate's renames.

This package contains the shared library.")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME librunner-metrics-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "librunner-metrics${PROJECT_VERSION_MAJOR} (= ${PROJECT_VERSION}), libfmt-dev, libsimdjson-dev")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION
"C++ library for runner-metrics events (development files)
The runner_metrics library issues, validates and reads the metric events
of self-hosted GitHub Actions runners, writing each as one line that is
byte-identical to what the Python metrics module wrote.

This package contains the C++20 headers, the static library, the CMake
package (find_package(RunnerMetrics)) and the pkg-config file
(runner-metrics).")

# The module is built for one python3 (its file name says which), and links
# the library statically: it needs python3 of that version, not librunner-metrics1.
set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-runner-metrics)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS ${RUNNER_METRICS_PYTHON_DEPENDS})
# Byte-compiled at install and cleaned at removal, as dh_python3 does it.
set(CPACK_DEBIAN_PYTHON_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/python/debian/postinst ${PROJECT_SOURCE_DIR}/python/debian/prerm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PYTHON_DESCRIPTION
"Python module for runner-metrics events
The runner_metrics module is a drop-in for the Python metrics module of
self-hosted GitHub Actions runner fleets: the same event classes,
issue_event() and setup_logrotate(), with the runner_metrics C++ library
underneath. Every line is byte-identical to what the metrics module
wrote, validated before it is written, and appended whole from any
number of threads and processes. It also reads logs: events as objects
and the summary as a dict.")

include(CPack)
