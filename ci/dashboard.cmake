# One step of a cell's CDash submission, run by scripts/run-matrix.sh --dashboard:
#
#   ctest -V -S ci/dashboard.cmake,<step> -DNEEDM_CELL=<cell> -DNEEDM_SOURCE=<dir>
#         -DNEEDM_BINARY=<dir> -DNEEDM_SUBMIT_URL=<url> -DNEEDM_STATUS=<file> [...]
#
# <step> is configure, build or test. configure starts a new Experimental
# dashboard in the cell's build tree (a new Testing/<tag>); build and test add to
# it (ctest_start APPEND). Each step runs the same command as without
# --dashboard (the cell's configure, build and test presets), records CTest's
# XML part of it and submits that part at once, so the dashboard shows a cell
# whose build failed too. The build name is the cell's name; the site is
# NEEDM_CDASH_SITE or this host's name.
#
# Variables (-D):
#   NEEDM_CELL, NEEDM_SOURCE, NEEDM_BINARY   the cell (preset), its source and build tree
#   NEEDM_SUBMIT_URL     where to submit (any http or https URL); empty: record, do not submit
#   NEEDM_STATUS         a file this step writes: "rc=<exit code of the step's command>" and
#                        "submit=<0 when submitted, else CTest's code>"
#   NEEDM_JOBS           parallel build and test jobs
#   NEEDM_JUNIT          (test) the JUnit file to write
#   NEEDM_REPEAT         (test) ctest --repeat until-fail:<n>
#   NEEDM_INCLUDE, NEEDM_EXCLUDE, NEEDM_INCLUDE_LABEL, NEEDM_EXCLUDE_LABEL
#                        (test) the test preset's filter (scripts/lib/cells.py testfilter),
#                        NEEDM_INCLUDE also carries run-matrix's --tests
# Environment: NEEDM_CDASH_TOKEN, when set, is sent as "Authorization: Bearer <token>"
# (CDash projects that only accept authenticated submissions); NEEDM_CDASH_RETRIES
# (default 1): how often a failed submission is tried again, 3 s apart.
cmake_minimum_required(VERSION 3.25)

set(step "${CTEST_SCRIPT_ARG}")
if(NOT step MATCHES "^(configure|build|test)$")
  message(FATAL_ERROR "dashboard.cmake: run as ctest -S ci/dashboard.cmake,<configure|build|test> (got '${step}')")
endif()
foreach(v NEEDM_CELL NEEDM_SOURCE NEEDM_BINARY NEEDM_STATUS)
  if(NOT ${v})
    message(FATAL_ERROR "dashboard.cmake: -D${v}=... is required (scripts/run-matrix.sh --dashboard sets it)")
  endif()
endforeach()
if(NOT NEEDM_JOBS)
  set(NEEDM_JOBS 2)
endif()

set(CTEST_SOURCE_DIRECTORY "${NEEDM_SOURCE}")
set(CTEST_BINARY_DIRECTORY "${NEEDM_BINARY}")
set(CTEST_BUILD_NAME "${NEEDM_CELL}")
if(NOT "$ENV{NEEDM_CDASH_SITE}" STREQUAL "")
  set(CTEST_SITE "$ENV{NEEDM_CDASH_SITE}")
else()
  cmake_host_system_information(RESULT CTEST_SITE QUERY HOSTNAME)
endif()
set(CTEST_SUBMIT_URL "${NEEDM_SUBMIT_URL}")
set(CTEST_OUTPUT_ON_FAILURE ON)          # as the test presets' "outputOnFailure"
set(CTEST_SUBMIT_INACTIVITY_TIMEOUT 60)  # a server that stops answering does not stall the run

# The project's CDash settings (project name, default URL); a project run with
# --source that has none gets needm's. The URL given here wins.
if(EXISTS "${NEEDM_SOURCE}/CTestConfig.cmake")
  include("${NEEDM_SOURCE}/CTestConfig.cmake")
else()
  include("${CMAKE_CURRENT_LIST_DIR}/../CTestConfig.cmake")
endif()

# The preset commands run from the source tree (presets are found there).
set(in_source "\"${CMAKE_COMMAND}\" -E chdir \"${NEEDM_SOURCE}\"")

if(step STREQUAL "configure")
  ctest_start(Experimental)
  set(CTEST_CONFIGURE_COMMAND "${in_source} \"${CMAKE_COMMAND}\" --preset ${NEEDM_CELL}")
  ctest_configure(RETURN_VALUE rc)
  set(part Configure)
elseif(step STREQUAL "build")
  ctest_start(APPEND)
  set(CTEST_BUILD_COMMAND "${in_source} \"${CMAKE_COMMAND}\" --build --preset ${NEEDM_CELL} -j ${NEEDM_JOBS}")
  ctest_build(RETURN_VALUE rc)
  set(part Build)
else()
  ctest_start(APPEND)
  set(args PARALLEL_LEVEL ${NEEDM_JOBS})
  foreach(f INCLUDE EXCLUDE INCLUDE_LABEL EXCLUDE_LABEL)
    if(NOT "${NEEDM_${f}}" STREQUAL "")
      list(APPEND args ${f} "${NEEDM_${f}}")
    endif()
  endforeach()
  if(NEEDM_JUNIT)
    list(APPEND args OUTPUT_JUNIT "${NEEDM_JUNIT}")
  endif()
  if(NEEDM_REPEAT)
    list(APPEND args REPEAT UNTIL_FAIL:${NEEDM_REPEAT})
  endif()
  ctest_test(${args} RETURN_VALUE rc)
  set(part Test Done)
endif()

set(submit "not requested")
if(NOT "${NEEDM_SUBMIT_URL}" STREQUAL "")
  set(headers "")
  if(NOT "$ENV{NEEDM_CDASH_TOKEN}" STREQUAL "")
    set(headers HTTPHEADER "Authorization: Bearer $ENV{NEEDM_CDASH_TOKEN}")
  endif()
  set(retries 1)
  if(NOT "$ENV{NEEDM_CDASH_RETRIES}" STREQUAL "")
    set(retries "$ENV{NEEDM_CDASH_RETRIES}")
  endif()
  ctest_submit(PARTS ${part} SUBMIT_URL "${NEEDM_SUBMIT_URL}" ${headers} RETRY_COUNT ${retries} RETRY_DELAY 3
               RETURN_VALUE submit)
endif()
file(WRITE "${NEEDM_STATUS}" "rc=${rc}\nsubmit=${submit}\n")
message("dashboard: ${NEEDM_CELL} ${step}: exit ${rc}; submission of ${part}: ${submit}")
