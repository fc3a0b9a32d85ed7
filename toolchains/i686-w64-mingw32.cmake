# CMake toolchain file: i386 Windows (static PE) with Debian's MinGW-w64 i686 cross
# GCC, posix thread model (std::thread and std::mutex work; the win32 model lacks them).
#
# One-line use, in any CMake project (nothing else from needm is needed):
#   cmake -S . -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE=/path/to/i686-w64-mingw32.cmake
# then `cmake --build build && ctest --test-dir build`: add_test() programs run
# under 32-bit Wine through wine-i386.sh, which lives beside this file.
# With a package installed for this target (e.g. `cmake --install` of needm):
#   cmake ... -DCMAKE_PREFIX_PATH=<prefix> -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/needm/toolchains/i686-w64-mingw32.cmake
#
# Programs are linked statically: no libstdc++/libgcc/libwinpthread DLL is needed
# at run time. Wine uses a private prefix per build tree (never ~/.wine), made on
# first use (a few seconds, serialised with a lock); `wine-i386.sh --prefix DIR
# --init` makes it ahead of time and keeps a wineserver running until `--shutdown`.
#
# What a user may override (cache variables, -D on the command line):
#   MINGW_I686_PREFIX       compiler prefix, may include a directory (default i686-w64-mingw32-)
#   MINGW_I686_SUFFIX       compiler suffix, the thread model (default -posix)
#   MINGW_I686_RUNNER       wine (default): programs run under Wine; none: no emulator
#   MINGW_I686_WINEPREFIX   the Wine prefix (default <build>/wineprefix)
#   MINGW_I686_EXTRA_FLAGS  extra compile flags for C, C++ and assembly
#   MINGW_I686_STATIC       ON (default): link programs with -static
#   CMAKE_PREFIX_PATH       install prefixes of i386 Windows packages (added to the find roots)
# Debian 12 packages: g++-mingw-w64-i686-posix wine wine32:i386
include_guard(GLOBAL)
# Errors start with a space: CMake then prints them as one line, unwrapped.

# --- system --------------------------------------------------------------------
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)

set(MINGW_I686_PREFIX "i686-w64-mingw32-" CACHE STRING "cross compiler prefix (may include a directory)")
set(MINGW_I686_SUFFIX "-posix" CACHE STRING "cross compiler suffix (thread model)")
set(MINGW_I686_RUNNER "wine" CACHE STRING "how programs run: wine or none")
set_property(CACHE MINGW_I686_RUNNER PROPERTY STRINGS wine none)
set(MINGW_I686_WINEPREFIX "${CMAKE_BINARY_DIR}/wineprefix" CACHE PATH "Wine prefix of this build tree")
set(MINGW_I686_EXTRA_FLAGS "" CACHE STRING "extra compile flags for C, C++ and assembly")
option(MINGW_I686_STATIC "link programs statically" ON)
# try_compile() projects read this file again with a fresh cache: hand them the
# user's choices so that they use the same compiler, flags and Wine prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  MINGW_I686_PREFIX MINGW_I686_SUFFIX MINGW_I686_RUNNER MINGW_I686_WINEPREFIX
  MINGW_I686_EXTRA_FLAGS MINGW_I686_STATIC)

# --- compilers -------------------------------------------------------------------
find_program(MINGW_I686_GCC NAMES ${MINGW_I686_PREFIX}gcc${MINGW_I686_SUFFIX} NO_CACHE)
find_program(MINGW_I686_GXX NAMES ${MINGW_I686_PREFIX}g++${MINGW_I686_SUFFIX} NO_CACHE)
find_program(MINGW_I686_WINDRES NAMES ${MINGW_I686_PREFIX}windres NO_CACHE)
if(NOT MINGW_I686_GCC OR NOT MINGW_I686_GXX)
  message(FATAL_ERROR " i686-w64-mingw32.cmake: ${MINGW_I686_PREFIX}g++${MINGW_I686_SUFFIX} not found: install it with `apt-get install g++-mingw-w64-i686-posix` or set -DMINGW_I686_PREFIX=")
endif()
execute_process(COMMAND "${MINGW_I686_GXX}" -dumpmachine
  OUTPUT_VARIABLE _mingw_i686_machine ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _mingw_i686_rc)
if(NOT _mingw_i686_rc EQUAL 0 OR NOT _mingw_i686_machine STREQUAL "i686-w64-mingw32")
  message(FATAL_ERROR " i686-w64-mingw32.cmake: ${MINGW_I686_GXX} targets '${_mingw_i686_machine}', not i686-w64-mingw32: install g++-mingw-w64-i686-posix or fix -DMINGW_I686_PREFIX=")
endif()
set(CMAKE_C_COMPILER "${MINGW_I686_GCC}")
set(CMAKE_CXX_COMPILER "${MINGW_I686_GXX}")
set(CMAKE_ASM_COMPILER "${MINGW_I686_GCC}")
if(MINGW_I686_WINDRES)
  set(CMAKE_RC_COMPILER "${MINGW_I686_WINDRES}")
endif()

# --- flags -----------------------------------------------------------------------
set(CMAKE_C_FLAGS_INIT "${MINGW_I686_EXTRA_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${MINGW_I686_EXTRA_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${MINGW_I686_EXTRA_FLAGS}")
if(MINGW_I686_STATIC)
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
  # A DLL carries its own copy of libgcc/libstdc++/libwinpthread too.
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
endif()

# --- where find_*() looks: the target's files only -----------------------------------
# The MinGW runtime's root, this file's own install prefix (when it was installed
# as <prefix>/share/needm/toolchains/), and every CMAKE_PREFIX_PATH entry.
# The target's root sits beside the compiler's bin folder (/usr/bin -> /usr/i686-w64-mingw32).
file(REAL_PATH "${MINGW_I686_GCC}" _mingw_i686_gcc_real)
get_filename_component(_mingw_i686_root "${_mingw_i686_gcc_real}/../../i686-w64-mingw32" ABSOLUTE)
if(NOT IS_DIRECTORY "${_mingw_i686_root}")
  set(_mingw_i686_root "/usr/i686-w64-mingw32")
endif()
set(CMAKE_FIND_ROOT_PATH "${_mingw_i686_root}")
get_filename_component(_mingw_i686_own_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(EXISTS "${_mingw_i686_own_prefix}/share/needm/toolchains/i686-w64-mingw32.cmake")
  list(APPEND CMAKE_FIND_ROOT_PATH "${_mingw_i686_own_prefix}")
endif()
string(REPLACE ":" ";" _mingw_i686_env_prefixes "$ENV{CMAKE_PREFIX_PATH}")
list(APPEND CMAKE_FIND_ROOT_PATH ${CMAKE_PREFIX_PATH} ${_mingw_i686_env_prefixes})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# --- how programs run (CMAKE_CROSSCOMPILING_EMULATOR, list form) ------------------
if(MINGW_I686_RUNNER STREQUAL "wine")
  set(CMAKE_CROSSCOMPILING_EMULATOR
      "${CMAKE_CURRENT_LIST_DIR}/wine-i386.sh" --prefix "${MINGW_I686_WINEPREFIX}" --)
elseif(MINGW_I686_RUNNER STREQUAL "none")
  unset(CMAKE_CROSSCOMPILING_EMULATOR)
else()
  message(FATAL_ERROR " i686-w64-mingw32.cmake: MINGW_I686_RUNNER is '${MINGW_I686_RUNNER}': use wine or none")
endif()
