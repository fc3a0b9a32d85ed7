# CDash settings of needm, read by include(CTest) at configure time (into the
# build tree's DartConfiguration.tcl, for `ctest -D Experimental`) and by
# ci/dashboard.cmake (scripts/run-matrix.sh --dashboard <url>).
#
# The submit URL, first found wins:
#   CTEST_SUBMIT_URL      a CMake variable: -DCTEST_SUBMIT_URL=... (configure or ctest -S)
#   NEEDM_CDASH_URL       an environment variable (CI sets it from a repository variable)
#   the public CDash instance below
# Any http(s) URL works: CTest sends each part (Configure.xml, Build.xml,
# Test.xml, ...) as an HTTP PUT to <url>&FileName=<part>&build=<build name>&...
set(CTEST_PROJECT_NAME "needm")
set(CTEST_NIGHTLY_START_TIME "01:00:00 UTC")
if(NOT CTEST_SUBMIT_URL)
  if(NOT "$ENV{NEEDM_CDASH_URL}" STREQUAL "")
    set(CTEST_SUBMIT_URL "$ENV{NEEDM_CDASH_URL}")
  else()
    set(CTEST_SUBMIT_URL "https://my.cdash.org/submit.php?project=${CTEST_PROJECT_NAME}")
  endif()
endif()
set(CTEST_DROP_SITE_CDASH TRUE)
# `ctest -D Experimental` by hand in build/<cell> names the build after the cell
# too (include(CTest) would otherwise call it "<system>-<compiler>").
if(NOT BUILDNAME AND NEEDM_CELL)
  set(BUILDNAME "${NEEDM_CELL}")
endif()
