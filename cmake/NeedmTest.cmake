# Test registration for every cell.
#
# needm_add_test(<name> SOURCES <files...> [LIBS <libs...>] [TIMEOUT <s>]
#                [LABELS <labels...>] [ENV <k=v...>] [NO_DEFECTS] [NO_RUNTIME_MAIN])
#
# Builds <name> from SOURCES with the doctest main of tests/support, links the
# runtime, and registers it with CTest (needm_register_test below). With
# NEEDM_DEFECT_VARIANTS=ON it also builds <name>.defect-<d> against each
# applicable defect variant of the runtime, registered with the labels
# "defect;defect:<d>" (excluded from the normal run; scripts/defects.sh runs them).
#
# needm_register_test(<name> TARGET <executable target> | COMMAND <command...>
#                     [ARGS <args...>] [TIMEOUT <s>] [LABELS <labels...>])
#
# Registers an executable with the cell's conventions: it runs through the
# toolchain's emulator (CMAKE_CROSSCOMPILING_EMULATOR: qemu-i386, the native
# runner or Wine), exit code 77 is a skip (the program prints why), it has a
# timeout (NEEDM_TEST_TIMEOUT by default; CTest then kills the whole process
# tree), Wine programs share the build tree's prefix and wineserver (fixture
# "wine"), and it gets the environment that lets a failing program print an
# exact reproduction command:
#   NEEDM_CELL           the cell (preset) name
#   NEEDM_TEST_NAME      the CTest name
#   NEEDM_RUNNER_CMD     the emulator command line, as a user would type it
#   NEEDM_EXPECT_RUNNER  where the cell's programs must observe they run: qemu, native or wine
#   NEEDM_BUILD_DIR      the build tree
#   NEEDM_TEST_TIMEOUT   seconds before CTest kills the test (a watchdog can fire first)
#   NEEDM_TEST_EXE       the program, for the reproduction command
include_guard(GLOBAL)

set(NEEDM_TEST_TIMEOUT 300 CACHE STRING "seconds before CTest kills a test (and its process tree)")

# The runner of this cell's programs, kept in the cache for tools that run them
# outside CTest (bench/run-bench.sh).
set(NEEDM_RUNNER_LIST "${CMAKE_CROSSCOMPILING_EMULATOR}" CACHE INTERNAL "the cell's emulator command (list)")

# The command that runs a program of this cell, as a user would type it.
if(CMAKE_CROSSCOMPILING_EMULATOR)
  list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " NEEDM_RUNNER_CMD)
else()
  set(NEEDM_RUNNER_CMD "")
endif()

if(WIN32 AND CMAKE_CROSSCOMPILING_EMULATOR)
  # One Wine prefix per build tree (MINGW_I686_WINEPREFIX, <build>/wineprefix),
  # made once by a setup fixture before tests run in parallel (parallel first use
  # of a prefix races in Wine), with a wineserver kept alive for the run so each
  # program starts in ~0.05 s; the cleanup fixture stops it (and any program of
  # the prefix), also after failed or timed-out tests. scripts/run-matrix.sh stops
  # it too when ctest itself is interrupted.
  list(GET CMAKE_CROSSCOMPILING_EMULATOR 0 _needm_wine_wrapper)
  if(NOT MINGW_I686_WINEPREFIX)
    set(MINGW_I686_WINEPREFIX "${CMAKE_BINARY_DIR}/wineprefix")
  endif()
  add_test(NAME wine.prefix.setup COMMAND ${_needm_wine_wrapper} --prefix "${MINGW_I686_WINEPREFIX}" --init)
  add_test(NAME wine.prefix.shutdown COMMAND ${_needm_wine_wrapper} --prefix "${MINGW_I686_WINEPREFIX}" --shutdown)
  set_tests_properties(wine.prefix.setup PROPERTIES FIXTURES_SETUP wine TIMEOUT 120 LABELS fixture)
  set_tests_properties(wine.prefix.shutdown PROPERTIES FIXTURES_CLEANUP wine TIMEOUT 60 LABELS fixture)
  set(NEEDM_TEST_FIXTURES wine)
else()
  set(NEEDM_TEST_FIXTURES "")
endif()

# Defect variants of the runtime, built once: every defect and control, or the
# ones named in NEEDM_DEFECT_LIST.
set(NEEDM_DEFECT_LIST "" CACHE STRING "with NEEDM_DEFECT_VARIANTS: build only these defects/controls (;-list, empty = all)")
if(NEEDM_DEFECT_VARIANTS)
  set(_needm_wanted ${NEEDM_DEFECT_LIST})
  if(NOT _needm_wanted)
    set(_needm_wanted ${NEEDM_DEFECTS_ALL} ${NEEDM_CONTROLS_ALL})
  endif()
  foreach(d IN LISTS _needm_wanted)
    needm_defect_applies(${d} ok)
    if(ok)
      needm_add_runtime(needm_defect_${d} DEFECT ${d})
      list(APPEND NEEDM_DEFECTS_BUILT ${d})
    endif()
  endforeach()
endif()

function(needm_register_test name)
  cmake_parse_arguments(A "" "TARGET;TIMEOUT" "LABELS;ARGS;COMMAND" ${ARGN})
  if(NOT A_TARGET AND NOT A_COMMAND)
    message(FATAL_ERROR "needm_register_test(${name}): TARGET <executable> or COMMAND <command...> is required")
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT ${NEEDM_TEST_TIMEOUT})
  endif()
  if(A_TARGET)
    # An executable target: CTest runs it through the cell's emulator.
    add_test(NAME ${name} COMMAND ${A_TARGET} ${A_ARGS})
    set(exe "$<TARGET_FILE:${A_TARGET}>")
  else()
    # A host command (a script that runs a cell's program itself).
    add_test(NAME ${name} COMMAND ${A_COMMAND} ${A_ARGS})
    list(GET A_COMMAND 0 exe)
  endif()
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${A_TIMEOUT}
    SKIP_RETURN_CODE 77
    LABELS "${A_LABELS}"
    ENVIRONMENT "NEEDM_CELL=${NEEDM_CELL};NEEDM_TEST_NAME=${name};NEEDM_RUNNER_CMD=${NEEDM_RUNNER_CMD};NEEDM_EXPECT_RUNNER=${NEEDM_EXPECT_RUNNER};NEEDM_BUILD_DIR=${CMAKE_BINARY_DIR};NEEDM_TEST_TIMEOUT=${A_TIMEOUT};NEEDM_TEST_EXE=${exe}")
  if(NEEDM_TEST_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${NEEDM_TEST_FIXTURES}")
  endif()
endfunction()

function(_needm_register_test name target labels timeout)
  needm_register_test(${name} TARGET ${target} TIMEOUT ${timeout} LABELS ${labels})
endfunction()

# needm_add_test_variant(<name> <variant> ENV <k=v...> [LABELS ...] [TIMEOUT s])
# Registers <name>.<variant>: the program of <name> run again with ENV added
# (e.g. NEEDM_BIND=thread), and likewise for each of its defect programs.
function(needm_add_test_variant name variant)
  cmake_parse_arguments(A "" "TIMEOUT" "ENV;LABELS" ${ARGN})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT ${NEEDM_TEST_TIMEOUT})
  endif()
  _needm_register_test(${name}.${variant} ${name} "${A_LABELS}" ${A_TIMEOUT})
  set_property(TEST ${name}.${variant} APPEND PROPERTY ENVIRONMENT ${A_ENV})
  get_property(no_defects TARGET ${name} PROPERTY NEEDM_NO_DEFECTS)
  if(NEEDM_DEFECT_VARIANTS AND NOT no_defects)
    foreach(d IN LISTS NEEDM_DEFECTS_BUILT)
      _needm_register_test(defect.${d}.${name}.${variant} ${name}.defect-${d} "defect;defect:${d}" ${A_TIMEOUT})
      set_property(TEST defect.${d}.${name}.${variant} APPEND PROPERTY ENVIRONMENT ${A_ENV})
    endforeach()
  endif()
endfunction()

function(needm_add_test name)
  cmake_parse_arguments(A "NO_DEFECTS;NO_RUNTIME_MAIN" "TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT ${NEEDM_TEST_TIMEOUT})
  endif()
  add_library(${name}.obj OBJECT ${A_SOURCES})
  target_link_libraries(${name}.obj PUBLIC needm_test_support ${A_LIBS})
  target_include_directories(${name}.obj PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/asm/386)

  add_executable(${name} $<TARGET_OBJECTS:${name}.obj>)
  target_link_libraries(${name} PRIVATE needm_test_support ${A_LIBS} needm)
  set_target_properties(${name} PROPERTIES NEEDM_NO_DEFECTS "${A_NO_DEFECTS}")
  _needm_register_test(${name} ${name} "${A_LABELS}" ${A_TIMEOUT})
  if(A_ENV)
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT ${A_ENV})
  endif()

  if(NEEDM_DEFECT_VARIANTS AND NOT A_NO_DEFECTS)
    foreach(d IN LISTS NEEDM_DEFECTS_BUILT)
      add_executable(${name}.defect-${d} $<TARGET_OBJECTS:${name}.obj>)
      target_link_libraries(${name}.defect-${d} PRIVATE needm_test_support ${A_LIBS} needm_defect_${d})
      _needm_register_test(defect.${d}.${name} ${name}.defect-${d} "defect;defect:${d}" ${A_TIMEOUT})
      if(A_ENV)
        set_property(TEST defect.${d}.${name} APPEND PROPERTY ENVIRONMENT ${A_ENV})
      endif()
    endforeach()
  endif()
endfunction()
