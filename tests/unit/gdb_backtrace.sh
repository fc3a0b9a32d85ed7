#!/usr/bin/env bash
# A debugger's backtrace from inside a callback walks back through the stack
# switches into the foreign thread's own frames (the CFI in asm/386).
#   gdb_backtrace.sh PROGRAM RUNNER      RUNNER: native runs the check; else skip (77)
set -euo pipefail
prog=${1:?program}
runner=${2:-native}
if [[ $runner != native ]]; then
  echo "SKIP: the gdb backtrace check runs in linux-i386-native; this cell runs programs under $runner, which gdb cannot debug as a native process"
  exit 77
fi
if ! command -v gdb >/dev/null; then
  echo "SKIP: gdb not found: install it with: apt-get install gdb"
  exit 77
fi
fail=0
check() { # mode, then the frames expected from the innermost out, in order
  local mode=$1; shift
  local bt
  bt=$(gdb -nx -batch -ex "break needm_gdb_stop_here" -ex "run $mode" -ex bt -ex kill "$prog" 2>&1 | grep -E '^#|Backtrace stopped' || true)
  local frames
  frames=$(grep -E '^#' <<<"$bt" | sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?//; s/ \(.*//')
  local want got=""
  local i=0
  for want in "$@"; do
    got=$(sed -n "$((i + 1))p" <<<"$frames")
    # The rt_cgocall switch is marked as a signal frame: gdb names it so.
    if [[ "$got" != *"$want"* ]]; then
      echo "FAIL: $mode: frame $i is '$got', expected '$want'"
      echo "$bt"
      fail=1
      return
    fi
    i=$((i + 1))
  done
  if grep -q 'Backtrace stopped' <<<"$bt"; then
    echo "FAIL: $mode: the backtrace stopped early"; echo "$bt"; fail=1; return
  fi
  echo "PASS: $mode: $i frames from fn back into the foreign thread:"
  sed 's/^/    /' <<<"$frames" | head -n "$((i + 2))"
}
check outer needm_gdb_stop_here inner_fn run_fn rt_callback_body rt_callback foreign_caller_frame foreign_thread_main start_thread
check nested needm_gdb_stop_here inner_fn run_fn rt_callback_body rt_callback c_code "<signal handler called>" outer_fn run_fn rt_callback_body rt_callback foreign_caller_frame foreign_thread_main
exit $fail
