#!/usr/bin/env bash
# The platform self-check (tests/platform) catches a misconfigured cell: the
# linux-i386-qemu cell configured to run its programs natively, a cell that
# expects native runs getting qemu-i386, a cell that does not say, and x86-64
# code where i386 is expected all fail with a message naming what was expected
# and what was observed; the same binary passes once the cell is consistent, so
# the failure is the misconfiguration's. Builds the runtime and the platform
# test once (~15 s).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
b=$HT_TMP/build
o=$HT_TMP/out
HT_CLEANUPS+=("python3 '$NEEDM_LIB/procs.py' kill '$b' >/dev/null")

platform() {  # platform CMAKE-ARGS...: reconfigure, run the platform test; rc in $rc
  rc=0
  cmake --preset linux-i386-qemu -B "$b" "$@" >"$o.configure" 2>&1 || { rc=100; return; }
  ctest --test-dir "$b" -R '^platform_check$' --output-on-failure --no-tests=error >"$o" 2>&1 || rc=$?
}

if ! cmake --preset linux-i386-qemu -B "$b" >"$o" 2>&1 || ! cmake --build "$b" --target platform_check >"$o" 2>&1; then
  fail "the platform test of linux-i386-qemu builds" "$(tail -5 "$o" | tr '\n' '|')"
  ht_finish
fi
pass "the platform test of linux-i386-qemu builds"

platform -DI686_LINUX_RUNNER=native
expect_rc "qemu cell run natively (I686_LINUX_RUNNER=native): the platform test fails" 8 $rc
expect_grep "... and says that it expected qemu and observed native" \
  "expects its programs to run under 'qemu' but this one runs under 'native' \(vDSO present" "$o"
expect_grep "... and the program printed its reproduction line" '^needm: FAILED cell=linux-i386-qemu test=platform_check' "$o"

platform -DI686_LINUX_RUNNER=qemu
expect_rc "the same binary under qemu-i386, as the cell expects: passes" 0 $rc

platform -DI686_LINUX_RUNNER=qemu -DNEEDM_EXPECT_RUNNER=native
expect_rc "a cell expecting native runs but running qemu-i386: the platform test fails" 8 $rc
expect_grep "... and says that it expected native and observed qemu" \
  "expects its programs to run under 'native' but this one runs under 'qemu' \(vDSO absent, CPUID 'QEMU" "$o"

platform -DI686_LINUX_RUNNER=qemu -DNEEDM_EXPECT_RUNNER=
expect_rc "a cell that does not say where its programs run: the platform test fails" 8 $rc
expect_grep "... and says NEEDM_EXPECT_RUNNER must be set" "NEEDM_EXPECT_RUNNER is '': the cell's preset must set it" "$o"
# A cell whose compiler silently makes x86-64 code (the top-level CMakeLists
# refuses one at configure time; the program itself must catch it as well):
# the platform test built with the host's g++ fails on its own.
printf '#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest.h>\n' >"$HT_TMP/main.cpp"
if g++ -std=c++17 -O1 -isystem /usr/include/doctest -Itests/platform "$HT_TMP/main.cpp" \
     tests/platform/platform_check.cpp tests/platform/platform_probe.cpp -o "$HT_TMP/platform_x86_64" >"$o" 2>&1; then
  rc=0; NEEDM_CELL=linux-i386-native NEEDM_EXPECT_RUNNER=native "$HT_TMP/platform_x86_64" >"$o" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then pass "x86-64 code in an i386 cell: the platform test fails"
  else fail "x86-64 code in an i386 cell: the platform test fails" "exit 0"; fi
  expect_grep "... and says the pointers are 64 bits, not i386" 'pointers are 64 bits: this cell built the program for another architecture' "$o"
else
  fail "the platform test builds with the host's g++" "$(tail -3 "$o" | tr '\n' '|')"
fi
ht_finish
