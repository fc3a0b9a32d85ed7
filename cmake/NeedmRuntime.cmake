# needm_add_runtime(<target> DEFECT <name>)
# The runtime as a static library: portable core, the OS file and the assembly
# file chosen by (ABI, binary format). DEFECT compiles in one named fault for the
# fault-injection suite ("none" for the real runtime).
include_guard(GLOBAL)

set(NEEDM_DEFECTS_ALL
  dropm_keeps_tls dropm_double_push no_grow g0_sp_not_restored
  win_nil_tls_skipped asm_clobbers_ebx stw_ignored aba_plain_cas
  bound_never_released stale_stack_bounds)
# Controls: built and run like defects, but correct; the suite must pass them
# (control_aba_window: the tagged pop with aba_plain_cas's widened window).
set(NEEDM_CONTROLS_ALL control_aba_window)

function(needm_defect_applies defect out)
  set(ok TRUE)
  if(defect STREQUAL "win_nil_tls_skipped" AND NOT (WIN32 AND NEEDM_WIN_TLS STREQUAL "arbitrary"))
    set(ok FALSE)
  endif()
  set(${out} ${ok} PARENT_SCOPE)
endfunction()

function(needm_add_runtime target)
  cmake_parse_arguments(A "" "DEFECT" "" ${ARGN})
  if(NOT A_DEFECT)
    set(A_DEFECT none)
  endif()
  if(NOT A_DEFECT STREQUAL "none" AND NOT A_DEFECT IN_LIST NEEDM_DEFECTS_ALL AND NOT A_DEFECT IN_LIST NEEDM_CONTROLS_ALL)
    string(REPLACE ";" ", " all "${NEEDM_DEFECTS_ALL};${NEEDM_CONTROLS_ALL}")
    message(FATAL_ERROR "NEEDM_DEFECT '${A_DEFECT}' is unknown: use none or one of ${all}")
  endif()
  set(src "${PROJECT_SOURCE_DIR}")
  add_library(${target} STATIC
    ${src}/src/runtime.cpp
    ${src}/src/extram.cpp
    ${src}/src/callback.cpp
    ${src}/src/os_${NEEDM_OS}.cpp
    ${src}/asm/386/callback_i386_${NEEDM_ABI}_${NEEDM_FORMAT}_gas.S)
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${src}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${src}/src ${src}/asm/386)
  target_compile_features(${target} PUBLIC cxx_std_17)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -O2 -fno-omit-frame-pointer>
    $<$<AND:$<COMPILE_LANGUAGE:ASM>,$<PLATFORM_ID:Linux>>:-Wa,--noexecstack>)
  if(NOT A_DEFECT STREQUAL "none")
    string(TOUPPER "${A_DEFECT}" D)
    target_compile_definitions(${target} PRIVATE NEEDM_DEFECT_${D}=1 NEEDM_DEFECT_NAME="${A_DEFECT}")
  endif()
  if(WIN32)
    if(NEEDM_WIN_TLS STREQUAL "arbitrary")
      target_compile_definitions(${target} PUBLIC NEEDM_WIN_TLS_ARBITRARY=1)
    else()
      target_compile_definitions(${target} PUBLIC NEEDM_WIN_TLS_TLSALLOC=1)
    endif()
    target_link_libraries(${target} PUBLIC synchronization)
  else()
    find_package(Threads REQUIRED)
    target_link_libraries(${target} PUBLIC Threads::Threads)
  endif()
endfunction()
