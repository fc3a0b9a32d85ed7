#!/usr/bin/env bash
# Missing prerequisites are one line naming the package and the install command,
# found before CMake runs; the toolchain files stop with one clear line when the
# compiler is missing or the wrong one; the toolchains' cache variables reach
# try_compile projects. A few seconds (configures of a tiny project).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
o=$HT_TMP/out
rm_=scripts/run-matrix.sh
results=$HT_TMP/results

# --- run-matrix: a missing emulator / compiler --------------------------------------
nq=$(path_without qemu-i386)
rc=0; PATH=$nq "$rm_" --results "$results" linux-i386-qemu >"$o" 2>&1 || rc=$?
expect_rc "no qemu-i386 on PATH: exit 2" 2 $rc
expect_lines "no qemu-i386 on PATH: one line" 1 "$o"
expect_grep "no qemu-i386: the line names qemu-user and the apt command" \
  'qemu-i386 not found \(needed by linux-i386-qemu\): install package qemu-user: apt-get install -y qemu-user' "$o"
expect_no_grep "no qemu-i386: no CMake phase started" '^== ' "$o"

# The native cell needs no qemu (its probe is forced to "cannot run i386" so
# that nothing is built: the cell is then reported SKIPPED, not passed).
rc=0; PATH=$nq NEEDM_IA32_PROBE=no "$rm_" --results "$results" linux-i386-native >"$o" 2>&1 || rc=$?
expect_no_grep "the native cell does not need qemu-i386" 'qemu' "$o"
expect_grep "no IA32 emulation: the native cell is SKIPPED with the reason, in the table" \
  '^linux-i386-native +native +- +- +- +[0-9]+s +SKIPPED \(this kernel cannot run i386 programs' "$o"
expect_no_grep "no IA32 emulation: the native cell is not configured" '^== configuring' "$o"
expect_rc "no IA32 emulation: a run whose only cell was skipped is not green (exit 1)" 1 $rc
expect_grep "no IA32 emulation: says that nothing was tested" 'no cell passed \(every cell was skipped\)' "$o"

nm=$(path_without i686-w64-mingw32-g++-posix)
rc=0; PATH=$nm "$rm_" --results "$results" windows-i386-wine >"$o" 2>&1 || rc=$?
expect_rc "no MinGW g++-posix: exit 2" 2 $rc
expect_lines "no MinGW g++-posix: one line" 1 "$o"
expect_grep "no MinGW g++-posix: names g++-mingw-w64-i686-posix" \
  'i686-w64-mingw32-g\+\+-posix not found .*install package g\+\+-mingw-w64-i686-posix: apt-get install' "$o"

nw=$(path_without wine)
rc=0; PATH=$nw "$rm_" --results "$results" windows-i386-wine-arbitrary >"$o" 2>&1 || rc=$?
expect_rc "no wine: exit 2" 2 $rc
expect_grep "no wine: names the wine package" 'wine not found .*install package wine' "$o"

# --- toolchain files: wrong or missing compiler ------------------------------------------
src=tests/downstream/toolchain-only
rc=0; cmake -S $src -B "$HT_TMP/b1" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$NEEDM_ROOT/toolchains/i686-linux-gnu.cmake" \
  -DI686_LINUX_PREFIX=x86_64-linux-gnu- >"$o" 2>&1 || rc=$?
expect_rc "i686-linux-gnu.cmake with an x86-64 compiler: configure fails" 1 $rc
expect_grep "i686-linux-gnu.cmake: the wrong compiler is named, with its target" \
  "x86_64-linux-gnu-g\+\+ targets 'x86_64-linux-gnu', not i686-linux-gnu" "$o"
rc=0; cmake -S $src -B "$HT_TMP/b2" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$NEEDM_ROOT/toolchains/i686-linux-gnu.cmake" \
  -DI686_LINUX_PREFIX=no-such- >"$o" 2>&1 || rc=$?
expect_rc "i686-linux-gnu.cmake with a missing compiler: configure fails" 1 $rc
expect_grep "i686-linux-gnu.cmake: a missing compiler names the package" \
  'no-such-gcc/g\+\+ not found: install it with `apt-get install g\+\+-i686-linux-gnu`' "$o"
rc=0; cmake -S $src -B "$HT_TMP/b3" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$NEEDM_ROOT/toolchains/i686-w64-mingw32.cmake" \
  -DMINGW_I686_SUFFIX= -DMINGW_I686_PREFIX=i686-linux-gnu- >"$o" 2>&1 || rc=$?
expect_rc "i686-w64-mingw32.cmake with a Linux compiler: configure fails" 1 $rc
expect_grep "i686-w64-mingw32.cmake: the wrong compiler is named, with its target" \
  "targets 'i686-linux-gnu', not i686-w64-mingw32" "$o"
rc=0; cmake -S $src -B "$HT_TMP/b4" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$NEEDM_ROOT/toolchains/i686-linux-gnu.cmake" \
  -DI686_LINUX_RUNNER=rosetta >"$o" 2>&1 || rc=$?
expect_grep "i686-linux-gnu.cmake: a bad I686_LINUX_RUNNER names the valid ones" \
  "I686_LINUX_RUNNER is 'rosetta': use qemu, native or none" "$o"

# --- the toolchain's cache variables reach try_compile ----------------------------------------
# A compiler only reachable through I686_LINUX_PREFIX (a directory not on PATH):
# CMake's compiler checks and the consumer's try_run must use it too.
mkdir -p "$HT_TMP/tc"
ln -s "$(command -v i686-linux-gnu-gcc)" "$HT_TMP/tc/i686-linux-gnu-gcc"
ln -s "$(command -v i686-linux-gnu-g++)" "$HT_TMP/tc/i686-linux-gnu-g++"
nc=$(path_without i686-linux-gnu-gcc i686-linux-gnu-g++)
rc=0; PATH=$nc cmake -S $src -B "$HT_TMP/b5" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$NEEDM_ROOT/toolchains/i686-linux-gnu.cmake" \
  -DI686_LINUX_PREFIX="$HT_TMP/tc/i686-linux-gnu-" >"$o" 2>&1 || rc=$?
expect_rc "I686_LINUX_PREFIX outside PATH: configure (with try_compile and try_run) succeeds" 0 $rc
expect_grep "I686_LINUX_PREFIX outside PATH: try_run of an i386 program passed" 'CONSUMER_TRY_RUN_I386 - Success' "$o"
ht_finish
