#!/usr/bin/env bash
# Ctrl-C during scripts/run-matrix.sh: SIGINT to its whole process group (as a
# terminal sends it) while a test hangs under Wine, under qemu-i386 and natively. The run
# must end at once with exit 130, and no wineserver, Wine program, qemu-i386 or
# test program (also one run natively) of its build trees may be left. About 25 s.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
export MINI_BUILD_ROOT=$HT_TMP/build MINI_SCENARIO=bad MINI_HANG_TIMEOUT=120
HT_CLEANUPS+=("python3 '$NEEDM_LIB/procs.py' kill '$MINI_BUILD_ROOT' >/dev/null")
o=$HT_TMP/out

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
  local n=$(($1 * 10))
  shift
  while ((n-- > 0)); do "$@" && return 0; sleep 0.1; done
  return 1
}
hang_running() { grep -q 'Start [0-9]*: hangs' "$o" && ! python3 "$NEEDM_LIB/procs.py" list "$MINI_BUILD_ROOT/$1" >/dev/null; }

cells=(mini-wine mini-qemu mini-native)
if ! why=$(ia32_probe); then
  echo "SKIP $HT_NAME: mini-native: $why"
  cells=(mini-wine mini-qemu)
fi
for cell in "${cells[@]}"; do
  : >"$o"   # exists before the background job opens it (hang_running reads it at once)
  set -m   # job control: the run gets its own process group, and SIGINT is not ignored
  tests/harness/with_sigint.py scripts/run-matrix.sh --source tests/harness/mini --results "$HT_TMP/results" --stress quick -j 4 "$cell" >"$o" 2>&1 &
  pid=$!
  set +m
  if ! wait_for 90 hang_running "$cell"; then
    fail "$cell: the hanging test started" "$(tail -5 "$o" | tr '\n' '|')"
    kill -KILL -- -"$pid" 2>/dev/null || true
    continue
  fi
  sleep 1
  if [[ $cell == mini-wine ]]; then
    if "$NEEDM_ROOT/toolchains/wine-i386.sh" --prefix "$MINI_BUILD_ROOT/$cell/wineprefix" --status; then
      pass "$cell: a wineserver runs for the cell's prefix before the interrupt"
    else
      fail "$cell: a wineserver runs for the cell's prefix before the interrupt"
    fi
  fi
  start=$(now)
  kill -INT -- -"$pid"
  rc=0; wait "$pid" || rc=$?
  secs=$(($(now) - start))
  expect_rc "$cell: Ctrl-C ends run-matrix with exit 130" 130 $rc
  if [[ $secs -le 15 ]]; then pass "$cell: ... within ${secs}s (the hang's timeout is 120 s)"
  else fail "$cell: ... promptly" "${secs}s"; fi
  expect_grep "$cell: says what it stops" 'interrupted \(INT\): stopping' "$o"
  sleep 0.5
  expect_no_leftovers "$cell: no wineserver, Wine program, qemu-i386 or test program left" "$MINI_BUILD_ROOT"
done
ht_finish
