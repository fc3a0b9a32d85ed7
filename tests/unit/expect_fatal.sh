#!/usr/bin/env bash
# Run a program that must die of a detected corruption, and check how: a
# non-zero end (abort, or an emulator passing the signal on) and, on its
# output, the one report line matching REGEX.
#   expect_fatal.sh REGEX COMMAND [ARGS...]
#   e.g. expect_fatal.sh 'invariant violated: M used by' qemu-i386 ./unit_fatal_report owner
set -uo pipefail
[[ $# -ge 2 ]] || { echo "usage: expect_fatal.sh REGEX COMMAND [ARGS...]" >&2; exit 2; }
regex=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [[ $rc -eq 0 ]]; then
  echo "FAIL: the program ended normally (exit 0): the corruption was not detected"
  exit 1
fi
if ! grep -qE "$regex" <<<"$out"; then
  echo "FAIL: it ended with status $rc but without the report line /$regex/"
  exit 1
fi
echo "PASS: ended with status $rc and the report line"
