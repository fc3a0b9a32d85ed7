# cmake --install: the header, libneedm.a, a CMake package (find_package(needm)
# gives needm::needm and needm_TOOLCHAIN_DIR) and the toolchain files with their
# wrappers (<prefix>/share/needm/toolchains/).
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

install(TARGETS needm EXPORT needmTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/needm/rt.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/needm)
install(EXPORT needmTargets NAMESPACE needm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/needm)
set(NEEDM_TOOLCHAIN_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/needm/toolchains)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/needmConfig.cmake.in
  ${PROJECT_BINARY_DIR}/needmConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/needm
  PATH_VARS NEEDM_TOOLCHAIN_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/needmConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/needmConfig.cmake ${PROJECT_BINARY_DIR}/needmConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/needm)
# The toolchain files and their wrappers, side by side as in the source tree
# (the files find their wrappers through CMAKE_CURRENT_LIST_DIR).
install(FILES ${PROJECT_SOURCE_DIR}/toolchains/i686-linux-gnu.cmake ${PROJECT_SOURCE_DIR}/toolchains/i686-w64-mingw32.cmake
  DESTINATION ${NEEDM_TOOLCHAIN_INSTALL_DIR})
install(PROGRAMS ${PROJECT_SOURCE_DIR}/toolchains/wine-i386.sh ${PROJECT_SOURCE_DIR}/toolchains/run-native-i386.sh
  DESTINATION ${NEEDM_TOOLCHAIN_INSTALL_DIR})
