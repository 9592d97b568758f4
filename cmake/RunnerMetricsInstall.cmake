# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts on a machine (issue 7), included at the end of
# the root CMakeLists.txt:
#
#   bin/runner-metrics
#   lib/<arch>/librunner_metrics.so.1 (.so, .a)          the library, shared and static
#   include/runner_metrics/*.hpp                          public headers (standard library only)
#   lib/<arch>/cmake/RunnerMetrics/                       find_package(RunnerMetrics 1.0)
#   lib/<arch>/pkgconfig/runner-metrics.pc                pkg-config runner-metrics
#   share/man/man1/runner-metrics.1.gz                    generated from --help at build time
#   share/bash-completion/completions/runner-metrics      generated from --help at build time
#   share/doc/<package>/                                  copyright, changelog, examples
#   lib/python3/dist-packages/runner_metrics/             the Python module (-DRUNNER_METRICS_PYTHON=ON,
#                                                         python/CMakeLists.txt)
#   lib/systemd/system/*.service                          from contrib/systemd/, when there are any
#
# Every install() rule names its component, which is the Debian package it
# goes to (cmake/RunnerMetricsPackaging.cmake): runtime (runner-metrics),
# library (librunner-metrics1), development (librunner-metrics-dev) or
# python (python3-runner-metrics). A rule
# added elsewhere without COMPONENT lands in "runtime" if it comes after this
# file, and in no package if it comes before.

option(RUNNER_METRICS_INSTALL
       "Install rules, the shared library, the man page and the bash completion"
       ${PROJECT_IS_TOP_LEVEL})
if(NOT RUNNER_METRICS_INSTALL)
  return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(RM_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})
set(RM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/RunnerMetrics)
set(RM_INSTALL_DOCDIR ${CMAKE_INSTALL_DATAROOTDIR}/doc)

# ---- The library, shared and static, from one set of objects ---------------

# `runner_metrics` (root CMakeLists.txt) stays the static library everything
# in the tree links; its objects are compiled once, position-independent, and
# linked again as the shared library.
set_target_properties(runner_metrics PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  EXPORT_NAME runner_metrics_static)
target_compile_features(runner_metrics PUBLIC cxx_std_20)

add_library(runner_metrics_shared SHARED $<TARGET_OBJECTS:runner_metrics>)
add_library(RunnerMetrics::runner_metrics ALIAS runner_metrics_shared)
set_target_properties(runner_metrics_shared PROPERTIES
  OUTPUT_NAME runner_metrics
  EXPORT_NAME runner_metrics
  LINKER_LANGUAGE CXX
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(runner_metrics_shared PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(runner_metrics_shared PUBLIC cxx_std_20)
set(RM_LIBRARY_DEPENDENCIES fmt::fmt simdjson::simdjson Threads::Threads)
target_link_libraries(runner_metrics_shared PRIVATE fmt::fmt simdjson::simdjson
                      PUBLIC Threads::Threads)
# A dependency added to runner_metrics must be added here too, and to
# RunnerMetricsConfig.cmake.in, runner-metrics.pc.in and the -dev package's
# Depends (RunnerMetricsPackaging.cmake).
get_target_property(rm_links runner_metrics LINK_LIBRARIES)
foreach(link IN LISTS rm_links)
  if(NOT link IN_LIST RM_LIBRARY_DEPENDENCIES)
    message(WARNING "runner_metrics links ${link}, which the shared library, the CMake "
                    "package and the pkg-config file do not know (cmake/RunnerMetricsInstall.cmake)")
  endif()
endforeach()
# The ABI is the runner_metrics namespace; what the library uses from fmt,
# simdjson and the standard library stays inside it.
target_link_options(runner_metrics_shared PRIVATE
  LINKER:--version-script=${RM_CMAKE_DIR}/runner_metrics.map)
set_property(TARGET runner_metrics_shared APPEND PROPERTY
  LINK_DEPENDS ${RM_CMAKE_DIR}/runner_metrics.map)
if(NOT RUNNER_METRICS_SANITIZE)
  target_link_options(runner_metrics_shared PRIVATE LINKER:--no-undefined)
endif()

# ---- Man page, bash completion, Debian changelog ----------------------------

set(RM_MAN ${CMAKE_CURRENT_BINARY_DIR}/runner-metrics.1)
set(RM_COMPLETION ${CMAKE_CURRENT_BINARY_DIR}/runner-metrics.bash)
set(RM_CHANGELOG ${PROJECT_SOURCE_DIR}/packaging/debian/changelog)
# A sanitizer build runs the instrumented binary here; its exit status is
# what counts, not leaks in a --help run.
set(RM_RUN_CLI ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
    ${Python3_EXECUTABLE} ${RM_CMAKE_DIR}/cli_docs.py)
add_custom_command(
  OUTPUT ${RM_MAN} ${RM_MAN}.gz
  COMMAND ${RM_RUN_CLI} man --cli $<TARGET_FILE:runner-metrics>
          --template ${PROJECT_SOURCE_DIR}/man/runner-metrics.1.in
          --changelog ${RM_CHANGELOG} --output ${RM_MAN}
  COMMAND sh -c "gzip -9n < \"$1\" > \"$1.gz\"" sh ${RM_MAN}
  DEPENDS runner-metrics ${RM_CMAKE_DIR}/cli_docs.py
          ${PROJECT_SOURCE_DIR}/man/runner-metrics.1.in ${RM_CHANGELOG}
  COMMENT "Generating runner-metrics.1 from --help"
  VERBATIM)
add_custom_command(
  OUTPUT ${RM_COMPLETION}
  COMMAND ${RM_RUN_CLI} bash --cli $<TARGET_FILE:runner-metrics>
          --template ${PROJECT_SOURCE_DIR}/completions/runner-metrics.bash.in
          --output ${RM_COMPLETION}
  DEPENDS runner-metrics ${RM_CMAKE_DIR}/cli_docs.py
          ${PROJECT_SOURCE_DIR}/completions/runner-metrics.bash.in
  COMMENT "Generating the bash completion from --help"
  VERBATIM)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
  COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" sh ${RM_CHANGELOG}
          ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
  DEPENDS ${RM_CHANGELOG}
  VERBATIM)
add_custom_target(runner_metrics_docs ALL
  DEPENDS ${RM_MAN}.gz ${RM_COMPLETION} ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz)

# ---- Install rules ----------------------------------------------------------

install(TARGETS runner-metrics
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# serve's HTTP module, private to the command (found relative to it).
install(TARGETS runner-metrics-http
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/runner-metrics COMPONENT runtime)
install(FILES ${RM_MAN}.gz
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${RM_COMPLETION} RENAME runner-metrics
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/logrotate/github-runner-metrics
  DESTINATION ${RM_INSTALL_DOCDIR}/runner-metrics/examples/logrotate COMPONENT runtime)
# A unit (the `serve` command's) dropped into contrib/systemd/ is installed
# where systemd looks for packaged units. Re-run cmake after adding one.
file(GLOB RM_SYSTEMD_UNITS CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/contrib/systemd/*.service
  ${PROJECT_SOURCE_DIR}/contrib/systemd/*.socket
  ${PROJECT_SOURCE_DIR}/contrib/systemd/*.timer)
if(RM_SYSTEMD_UNITS)
  install(FILES ${RM_SYSTEMD_UNITS} DESTINATION lib/systemd/system COMPONENT runtime)
endif()

install(TARGETS runner_metrics_shared EXPORT RunnerMetricsTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT library NAMELINK_COMPONENT development)
install(TARGETS runner_metrics EXPORT RunnerMetricsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
# install --strip (and cpack) strips executables and shared libraries only;
# the static library loses its debug sections the way dh_strip does it.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    execute_process(COMMAND [[${CMAKE_STRIP}]] --strip-debug --remove-section=.comment
      --remove-section=.note --enable-deterministic-archives
      \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:runner_metrics>\"
      COMMAND_ERROR_IS_FATAL ANY)
  endif()
" COMPONENT development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/runner_metrics
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT RunnerMetricsTargets NAMESPACE RunnerMetrics::
  DESTINATION ${RM_INSTALL_CMAKEDIR} COMPONENT development)
configure_package_config_file(${RM_CMAKE_DIR}/RunnerMetricsConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/RunnerMetricsConfig.cmake
  INSTALL_DESTINATION ${RM_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/RunnerMetricsConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/RunnerMetricsConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/RunnerMetricsConfigVersion.cmake
  DESTINATION ${RM_INSTALL_CMAKEDIR} COMPONENT development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/consumer
  DESTINATION ${RM_INSTALL_DOCDIR}/librunner-metrics-dev/examples COMPONENT development)

# runner-metrics.pc is written at install time, so that it names the prefix
# actually installed to (`cmake --install --prefix`, or cpack's /usr).
install(CODE "
  set(PROJECT_DESCRIPTION [[${PROJECT_DESCRIPTION}]])
  set(PROJECT_VERSION [[${PROJECT_VERSION}]])
  set(RM_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  foreach(dir_value LIBDIR=${CMAKE_INSTALL_LIBDIR} INCLUDEDIR=${CMAKE_INSTALL_INCLUDEDIR})
    string(REGEX REPLACE \"=.*\" \"\" dir \"\${dir_value}\")
    string(REGEX REPLACE \"^[^=]*=\" \"\" value \"\${dir_value}\")
    if(NOT IS_ABSOLUTE \"\${value}\")
      set(value \"\\\${prefix}/\${value}\")
    endif()
    set(RM_PC_\${dir} \"\${value}\")
  endforeach()
  configure_file([[${RM_CMAKE_DIR}/runner-metrics.pc.in]]
                 [[${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/runner-metrics.pc]] @ONLY)
  file(INSTALL [[${CMAKE_CURRENT_BINARY_DIR}/pkgconfig/runner-metrics.pc]]
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig\")
" COMPONENT development)

# Each package's /usr/share/doc/<package>: copyright and changelog (Debian
# policy 12.5, 12.7).
set(RM_DOC_PACKAGES runtime:runner-metrics library:librunner-metrics1
                    development:librunner-metrics-dev)
if(RUNNER_METRICS_PYTHON)
  list(APPEND RM_DOC_PACKAGES python:python3-runner-metrics)
endif()
foreach(component_package IN LISTS RM_DOC_PACKAGES)
  string(REPLACE ":" ";" component_package ${component_package})
  list(GET component_package 0 component)
  list(GET component_package 1 package)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
                ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
    DESTINATION ${RM_INSTALL_DOCDIR}/${package} COMPONENT ${component})
endforeach()

set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME runtime)

# ---- Tests: the generated files against --help ------------------------------

if(RUNNER_METRICS_BUILD_TESTS)
  foreach(check man_page completion logrotate_example version)
    add_test(NAME packaging.${check}
      COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/packaging/check_docs.py ${check}
              --cli $<TARGET_FILE:runner-metrics> --man ${RM_MAN}
              --completion ${RM_COMPLETION} --source-dir ${PROJECT_SOURCE_DIR}
              --version ${PROJECT_VERSION})
  endforeach()
endif()

include(${RM_CMAKE_DIR}/RunnerMetricsPackaging.cmake)
