# CMake toolchain file: i386 Linux (static ELF) with Debian's i686-linux-gnu cross GCC.
#
# One-line use, in any CMake project (nothing else from needm is needed):
#   cmake -S . -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE=/path/to/i686-linux-gnu.cmake
# then `cmake --build build && ctest --test-dir build`: add_test() programs run
# through CMAKE_CROSSCOMPILING_EMULATOR (qemu-i386 by default), and so does try_run().
# With a package installed for this target (e.g. `cmake --install` of needm):
#   cmake ... -DCMAKE_PREFIX_PATH=<prefix> -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/needm/toolchains/i686-linux-gnu.cmake
#
# Programs are linked statically: they need no i386 library on the host, and
# qemu-i386 7.2 hangs in pthread_create with the cross C library loaded via -L.
#
# What a user may override (cache variables, -D on the command line):
#   I686_LINUX_PREFIX       compiler prefix, may include a directory (default i686-linux-gnu-)
#   I686_LINUX_RUNNER       qemu (default): programs run under qemu-i386;
#                           native: run directly on an x86-64 kernel with IA32
#                           emulation (run-native-i386.sh beside this file; exit 77,
#                           a CTest skip with SKIP_RETURN_CODE 77, where it cannot);
#                           none: no emulator (tests are not runnable)
#   I686_LINUX_QEMU         the qemu-i386 program (default: found on PATH)
#   I686_LINUX_QEMU_ARGS    extra qemu-i386 arguments, a ;-list (e.g. -cpu;pentium3)
#   I686_LINUX_EXTRA_FLAGS  extra compile flags for C, C++ and assembly
#   I686_LINUX_STATIC       ON (default): link programs with -static
#   CMAKE_PREFIX_PATH       install prefixes of i386 packages (added to the find roots)
# Debian 12 packages: g++-i686-linux-gnu qemu-user
include_guard(GLOBAL)
# Errors start with a space: CMake then prints them as one line, unwrapped.

# --- system --------------------------------------------------------------------
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)

set(I686_LINUX_PREFIX "i686-linux-gnu-" CACHE STRING "cross compiler prefix (may include a directory)")
set(I686_LINUX_RUNNER "qemu" CACHE STRING "how programs run: qemu, native or none")
set_property(CACHE I686_LINUX_RUNNER PROPERTY STRINGS qemu native none)
set(I686_LINUX_QEMU_ARGS "" CACHE STRING "extra qemu-i386 arguments (;-list)")
set(I686_LINUX_EXTRA_FLAGS "" CACHE STRING "extra compile flags for C, C++ and assembly")
option(I686_LINUX_STATIC "link programs statically" ON)
# try_compile() projects read this file again with a fresh cache: hand them the
# user's choices so that they use the same compiler and flags.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  I686_LINUX_PREFIX I686_LINUX_RUNNER I686_LINUX_QEMU I686_LINUX_QEMU_ARGS
  I686_LINUX_EXTRA_FLAGS I686_LINUX_STATIC)

# --- compilers -------------------------------------------------------------------
find_program(I686_LINUX_GCC NAMES ${I686_LINUX_PREFIX}gcc NO_CACHE)
find_program(I686_LINUX_GXX NAMES ${I686_LINUX_PREFIX}g++ NO_CACHE)
if(NOT I686_LINUX_GCC OR NOT I686_LINUX_GXX)
  message(FATAL_ERROR " i686-linux-gnu.cmake: ${I686_LINUX_PREFIX}gcc/g++ not found: install it with `apt-get install g++-i686-linux-gnu` or set -DI686_LINUX_PREFIX=")
endif()
execute_process(COMMAND "${I686_LINUX_GXX}" -dumpmachine
  OUTPUT_VARIABLE _i686_linux_machine ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _i686_linux_rc)
if(NOT _i686_linux_rc EQUAL 0 OR NOT _i686_linux_machine MATCHES "^i[3-6]86-(pc-)?linux-gnu$")
  message(FATAL_ERROR " i686-linux-gnu.cmake: ${I686_LINUX_GXX} targets '${_i686_linux_machine}', not i686-linux-gnu: install g++-i686-linux-gnu or fix -DI686_LINUX_PREFIX=")
endif()
set(CMAKE_C_COMPILER "${I686_LINUX_GCC}")
set(CMAKE_CXX_COMPILER "${I686_LINUX_GXX}")
set(CMAKE_ASM_COMPILER "${I686_LINUX_GCC}")

# --- flags -----------------------------------------------------------------------
set(CMAKE_C_FLAGS_INIT "${I686_LINUX_EXTRA_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${I686_LINUX_EXTRA_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${I686_LINUX_EXTRA_FLAGS}")
if(I686_LINUX_STATIC)
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
endif()

# --- where find_*() looks: the target's files only -----------------------------------
# The cross C library's root, this file's own install prefix (when it was installed
# as <prefix>/share/needm/toolchains/), and every CMAKE_PREFIX_PATH entry: a
# package installed for i386 is a root of its own.
# The target's root sits beside the compiler's bin folder (/usr/bin -> /usr/i686-linux-gnu).
file(REAL_PATH "${I686_LINUX_GCC}" _i686_linux_gcc_real)
get_filename_component(_i686_linux_root "${_i686_linux_gcc_real}/../../i686-linux-gnu" ABSOLUTE)
if(NOT IS_DIRECTORY "${_i686_linux_root}")
  set(_i686_linux_root "/usr/i686-linux-gnu")
endif()
set(CMAKE_FIND_ROOT_PATH "${_i686_linux_root}")
get_filename_component(_i686_linux_own_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(EXISTS "${_i686_linux_own_prefix}/share/needm/toolchains/i686-linux-gnu.cmake")
  list(APPEND CMAKE_FIND_ROOT_PATH "${_i686_linux_own_prefix}")
endif()
string(REPLACE ":" ";" _i686_linux_env_prefixes "$ENV{CMAKE_PREFIX_PATH}")
list(APPEND CMAKE_FIND_ROOT_PATH ${CMAKE_PREFIX_PATH} ${_i686_linux_env_prefixes})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# --- how programs run (CMAKE_CROSSCOMPILING_EMULATOR, list form) ------------------
if(I686_LINUX_RUNNER STREQUAL "qemu")
  find_program(I686_LINUX_QEMU NAMES qemu-i386)
  if(NOT I686_LINUX_QEMU)
    message(FATAL_ERROR " i686-linux-gnu.cmake: qemu-i386 not found: install it with `apt-get install qemu-user` (or set -DI686_LINUX_RUNNER=native)")
  endif()
  set(CMAKE_CROSSCOMPILING_EMULATOR "${I686_LINUX_QEMU}" ${I686_LINUX_QEMU_ARGS})
elseif(I686_LINUX_RUNNER STREQUAL "native")
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/run-native-i386.sh")
elseif(I686_LINUX_RUNNER STREQUAL "none")
  unset(CMAKE_CROSSCOMPILING_EMULATOR)
else()
  message(FATAL_ERROR " i686-linux-gnu.cmake: I686_LINUX_RUNNER is '${I686_LINUX_RUNNER}': use qemu, native or none")
endif()
