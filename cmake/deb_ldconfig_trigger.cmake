# SPDX-License-Identifier: Apache-2.0
# CPack post-build script: the shared library package gets libc's ldconfig
# trigger (Debian policy 8.1.1) instead of the postinst and postrm that CPack
# writes to call ldconfig itself, which lintian rejects (lacks-ldconfig-trigger,
# maintscript-calls-ldconfig). Runs on every .deb CPack made; rebuilds those
# that hold a shared library (trigger added) or got such scripts (a -dev
# package with the .so link: scripts removed).
foreach(deb IN LISTS CPACK_PACKAGE_FILES)
  execute_process(COMMAND dpkg-deb -c "${deb}" OUTPUT_VARIABLE contents COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND dpkg-deb -I "${deb}" OUTPUT_VARIABLE control COMMAND_ERROR_IS_FATAL ANY)
  # A regular file lib*.so.N: the package holds a shared library.
  string(REGEX MATCH "\n-[^\n]*/lib[^/\n]*\\.so\\.[0-9][^/\n]*\n" library "\n${contents}")
  if(NOT library AND NOT control MATCHES "postinst|postrm")
    continue()
  endif()
  set(tree "${deb}.tree")
  file(REMOVE_RECURSE "${tree}")
  execute_process(COMMAND dpkg-deb -R "${deb}" "${tree}" COMMAND_ERROR_IS_FATAL ANY)
  foreach(script postinst postrm)
    if(EXISTS "${tree}/DEBIAN/${script}")
      file(READ "${tree}/DEBIAN/${script}" text)
      string(REGEX REPLACE "#![^\n]*|set -e|if \\[ \"\\$1\" = \"[a-z]+\" \\]; then|ldconfig|fi|[ \t\n]"
             "" rest "${text}")
      if(rest STREQUAL "")  # CPack's own: only calls ldconfig. Others stay.
        file(REMOVE "${tree}/DEBIAN/${script}")
      endif()
    endif()
  endforeach()
  if(library)
    file(WRITE "${tree}/DEBIAN/triggers" "activate-noawait ldconfig\n")
    file(CHMOD "${tree}/DEBIAN/triggers" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
  execute_process(COMMAND dpkg-deb --root-owner-group -Zxz -b "${tree}" "${deb}"
                  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  file(REMOVE_RECURSE "${tree}")
endforeach()
