# Install layout and Debian package (CPack DEB) for tapemeasure.
#
# Included from the top-level CMakeLists.txt:
#     include(contrib/packaging/packaging.cmake)
# It may sit anywhere after project(): the install() and CPack parts run deferred, at the
# end of the top-level directory, when the `tapemeasure` target exists. (It can also be
# injected without editing anything: -DCMAKE_PROJECT_INCLUDE=<this file>.)
#
# Layout (with -DCMAKE_INSTALL_PREFIX=/usr, as for the .deb):
#   /usr/bin/tapemeasure
#   /etc/tapemeasure/rules/*.yml                       default rule pack (conffiles)
#   /usr/share/tapemeasure/packs/*.yml                 other packs (--rules names them)
#   /etc/default/tapemeasure                           settings for the unit (conffile)
#   /usr/share/tapemeasure/web/                        the UI (web/ minus node_modules, plus
#                                                      the one Phaser file the page loads)
#   /usr/share/tapemeasure/dashboards/                 Grafana dashboard, Prometheus rules
#   /usr/lib/systemd/system/tapemeasure.service
#   /usr/share/doc/tapemeasure/                        README, ecosystem guide, rule pack
#                                                      guide, examples/ (rsyslog, syslog-ng)
# /etc paths come from GNUInstallDirs (CMAKE_INSTALL_FULL_SYSCONFDIR is /etc for the /usr
# prefix), the same place the daemon looks for its default rules. Stage an install with
# DESTDIR, not --prefix: `DESTDIR=/tmp/root cmake --install build-pkg`.
#
# Package:
#   cmake -S . -B build-pkg -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
#         -DBUILD_TESTING=OFF -DTAPEMEASURE_BENCHMARKS=OFF
#   cmake --build build-pkg --target tapemeasure && (cd build-pkg && cpack -G DEB)
include_guard(GLOBAL)
include(GNUInstallDirs)

set(TAPEMEASURE_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit is installed (relative to the prefix, or absolute)")
option(TAPEMEASURE_DEB_SHLIBDEPS "Compute the .deb's Depends with dpkg-shlibdeps when it is installed" ON)
set(TAPEMEASURE_PHASER_FILE "node_modules/phaser/dist/phaser.esm.min.js" CACHE STRING
    "The Phaser file web/app/render/scene.js imports, relative to web/")

macro(_tapemeasure_packaging)
  set(_tm_src "${CMAKE_SOURCE_DIR}")
  set(_tm_data "${CMAKE_INSTALL_DATADIR}/tapemeasure")
  set(_tm_etc "${CMAKE_INSTALL_FULL_SYSCONFDIR}")

  # --- the binary ---------------------------------------------------------------------
  # (src/CMakeLists.txt may install it too; installing the same file twice is harmless.)
  install(TARGETS tapemeasure RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

  # --- rules: /etc/tapemeasure/rules ------------------------------------------------------
  file(GLOB _tm_rule_files CONFIGURE_DEPENDS "${_tm_src}/rules/*.yml" "${_tm_src}/rules/*.yaml")
  install(FILES ${_tm_rule_files} DESTINATION "${_tm_etc}/tapemeasure/rules")
  # Packs for other logs (rules/packs/): not loaded unless named with --rules, so they live
  # beside the docs rather than in the directory the daemon loads whole.
  file(GLOB _tm_pack_files CONFIGURE_DEPENDS "${_tm_src}/rules/packs/*.yml" "${_tm_src}/rules/packs/*.yaml")
  install(FILES ${_tm_pack_files} DESTINATION "${_tm_data}/packs")

  # --- web assets: web/ minus node_modules and npm metadata, plus the Phaser module ------
  install(DIRECTORY "${_tm_src}/web/" DESTINATION "${_tm_data}/web"
          PATTERN "node_modules" EXCLUDE
          PATTERN ".*" EXCLUDE
          PATTERN "package.json" EXCLUDE
          PATTERN "package-lock.json" EXCLUDE
          PATTERN "README.md" EXCLUDE)
  set(_tm_phaser "${_tm_src}/web/${TAPEMEASURE_PHASER_FILE}")
  if(NOT EXISTS "${_tm_phaser}")
    message(WARNING "tapemeasure: ${_tm_phaser} is missing, so `cmake --install` and cpack "
                    "will fail. Run contrib/setup.sh (npm ci in web/) first.")
  endif()
  get_filename_component(_tm_phaser_dir "${TAPEMEASURE_PHASER_FILE}" DIRECTORY)
  install(FILES "${_tm_phaser}" DESTINATION "${_tm_data}/web/${_tm_phaser_dir}")
  # Phaser is MIT-licensed: ship its licence next to it.
  if(EXISTS "${_tm_src}/web/node_modules/phaser/LICENSE.md")
    install(FILES "${_tm_src}/web/node_modules/phaser/LICENSE.md"
            DESTINATION "${_tm_data}/web/node_modules/phaser")
  endif()
  # uPlot draws the measurement charts: its ES module and stylesheet, with its (MIT) licence.
  foreach(_tm_uplot_file dist/uPlot.esm.js dist/uPlot.min.css LICENSE)
    if(EXISTS "${_tm_src}/web/node_modules/uplot/${_tm_uplot_file}")
      get_filename_component(_tm_uplot_dir "node_modules/uplot/${_tm_uplot_file}" DIRECTORY)
      install(FILES "${_tm_src}/web/node_modules/uplot/${_tm_uplot_file}" DESTINATION "${_tm_data}/web/${_tm_uplot_dir}")
    else()
      message(WARNING "tapemeasure: web/node_modules/uplot/${_tm_uplot_file} is missing; run contrib/setup.sh first.")
    endif()
  endforeach()

  # --- dashboards: Grafana JSON, Prometheus rules and scrape example --------------------
  install(DIRECTORY "${_tm_src}/dashboards/" DESTINATION "${_tm_data}/dashboards"
          PATTERN "tests" EXCLUDE)

  # --- systemd unit and its settings file ---------------------------------------------
  # The unit names /usr/bin/tapemeasure, /etc/tapemeasure and /usr/share/tapemeasure;
  # rewrite them for other prefixes.
  file(READ "${_tm_src}/contrib/systemd/tapemeasure.service" _tm_unit)
  string(REPLACE "/usr/bin/tapemeasure" "${CMAKE_INSTALL_FULL_BINDIR}/tapemeasure" _tm_unit "${_tm_unit}")
  string(REPLACE "/etc/tapemeasure" "${_tm_etc}/tapemeasure" _tm_unit "${_tm_unit}")
  string(REPLACE "/etc/default/tapemeasure" "${_tm_etc}/default/tapemeasure" _tm_unit "${_tm_unit}")
  string(REPLACE "/usr/share/tapemeasure" "${CMAKE_INSTALL_FULL_DATADIR}/tapemeasure" _tm_unit "${_tm_unit}")
  string(REPLACE "/usr/share/doc/tapemeasure" "${CMAKE_INSTALL_FULL_DOCDIR}" _tm_unit "${_tm_unit}")
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/tapemeasure.service" "${_tm_unit}")
  install(FILES "${CMAKE_BINARY_DIR}/packaging/tapemeasure.service"
          DESTINATION "${TAPEMEASURE_SYSTEMD_UNIT_DIR}")
  install(FILES "${_tm_src}/contrib/systemd/tapemeasure.default"
          DESTINATION "${_tm_etc}/default" RENAME tapemeasure)

  # --- documentation and feeding examples ---------------------------------------------
  install(FILES "${_tm_src}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
  install(FILES "${_tm_src}/rules/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}" RENAME rules.md)
  foreach(_tm_doc ecosystem views boxes follow)
    if(EXISTS "${_tm_src}/docs/${_tm_doc}.md")
      install(FILES "${_tm_src}/docs/${_tm_doc}.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
    endif()
  endforeach()
  install(FILES "${_tm_src}/contrib/rsyslog/tapemeasure.conf" "${_tm_src}/contrib/rsyslog/tapemeasure-box.conf"
                "${_tm_src}/contrib/rsyslog/tapemeasure-remote.conf"
          DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples/rsyslog")
  # The box's rsyslog feeds the daemon through it (tapemeasure-box.conf names this path).
  install(PROGRAMS "${_tm_src}/contrib/rsyslog/tapemeasure-forward" DESTINATION "lib/tapemeasure")
  install(FILES "${_tm_src}/contrib/syslog-ng/tapemeasure.conf"
          DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples/syslog-ng")

  # --- CPack: Debian package ----------------------------------------------------------
  set(CPACK_PACKAGE_NAME "tapemeasure")
  set(CPACK_PACKAGE_VENDOR "tapemeasure")
  set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
  set(CPACK_PACKAGE_CONTACT "tapemeasure maintainers <tapemeasure@localhost>")
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tape measure for live log traffic: rules to events, metrics and a live UI")
  set(CPACK_PACKAGE_DESCRIPTION "tapemeasure reads log lines from UNIX sockets (rsyslog, syslog-ng,
postfix, journald via replay), turns them into events and Prometheus metrics
with RE2 rules kept in editable YAML files (reloaded on save), and streams the
events to a browser UI. Ships a Postfix rule pack, Prometheus recording rules,
a Grafana dashboard and a hardened systemd unit.")
  set(CPACK_GENERATOR "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(CPACK_STRIP_FILES ON)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION "net")
  set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "rsyslog | system-log-daemon")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, prometheus-alertmanager")
  # Runtime dependencies: computed from the binary by dpkg-shlibdeps (dpkg-dev) when it
  # is there; otherwise the Debian 12 library packages the binary links.
  find_program(TAPEMEASURE_DPKG_SHLIBDEPS dpkg-shlibdeps)
  if(TAPEMEASURE_DEB_SHLIBDEPS AND TAPEMEASURE_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  else()
    set(CPACK_DEBIAN_PACKAGE_DEPENDS
        "libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), libre2-9 (>= 20220601), libyaml-cpp0.7 (>= 0.7.0), libprometheus-cpp-core1.0 (>= 1.0.1)")
  endif()

  # conffiles: dpkg keeps local edits of the rules and the settings file on upgrade.
  set(_tm_conffiles "")
  foreach(_f IN LISTS _tm_rule_files)
    get_filename_component(_n "${_f}" NAME)
    string(APPEND _tm_conffiles "${_tm_etc}/tapemeasure/rules/${_n}\n")
  endforeach()
  string(APPEND _tm_conffiles "${_tm_etc}/default/tapemeasure\n")
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/conffiles" "${_tm_conffiles}")
  # Maintainer scripts: tell systemd about the unit; stop the service on removal. The
  # service is not enabled on install: `systemctl enable --now tapemeasure`.
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/postinst" [=[#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
exit 0
]=])
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/prerm" [=[#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop tapemeasure.service >/dev/null 2>&1 || true
fi
exit 0
]=])
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/postrm" [=[#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
exit 0
]=])
  file(CHMOD "${CMAKE_BINARY_DIR}/packaging/postinst" "${CMAKE_BINARY_DIR}/packaging/prerm"
       "${CMAKE_BINARY_DIR}/packaging/postrm"
       PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
      "${CMAKE_BINARY_DIR}/packaging/conffiles;${CMAKE_BINARY_DIR}/packaging/postinst;${CMAKE_BINARY_DIR}/packaging/prerm;${CMAKE_BINARY_DIR}/packaging/postrm")
  set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
  include(CPack)
endmacro()

cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _tapemeasure_packaging)
