#!/bin/sh
# Run an i386 Linux program directly on this kernel: the CMAKE_CROSSCOMPILING_EMULATOR
# of i686-linux-gnu.cmake with -DI686_LINUX_RUNNER=native (an x86-64 kernel with
# IA32 emulation runs i386 programs as they are).
#
#   run-native-i386.sh PROGRAM [ARGS...]
#
# Where the kernel cannot run i386 programs (no IA32 emulation: exec fails with
# "Exec format error"), it prints why and exits 77, which CTest reports as a skip
# for tests with SKIP_RETURN_CODE 77. Any other exit code is the program's own.
# SIGTERM, SIGINT (as SIGTERM) and SIGHUP sent to this script are passed on to
# the program, so a timeout or Ctrl-C that reaches the wrapper does not leave the
# program running.
if [ $# -lt 1 ]; then
  echo "usage: run-native-i386.sh PROGRAM [ARGS...]" >&2
  exit 2
fi
# The program runs in the background so that this script can pass signals on;
# sh makes background programs ignore SIGINT and SIGQUIT, so a Ctrl-C (SIGINT)
# is passed on as SIGTERM. Traps first: a signal that arrives before the
# program exists is remembered and passed on as soon as it does.
child="" sig=""
forward() { sig=$1; if [ -n "$child" ]; then kill -"$1" "$child" 2>/dev/null; fi; }
trap 'forward TERM' TERM INT
trap 'forward HUP' HUP
exec 3<&0
"$@" 0<&3 3<&- &
child=$!
exec 3<&-
if [ -n "$sig" ]; then kill -"$sig" "$child" 2>/dev/null; fi
# wait returns the program's exit code, also when the shell has already reaped
# it (a fast program). It returns early when a trapped signal arrives: then wait
# again while the program is still there.
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
# 126: the shell could not execute the program. For an executable
# ELF file that means the kernel refused the format: it has no IA32 emulation.
if [ "$rc" -eq 126 ] && [ -x "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; then
  echo "SKIP: this kernel cannot run i386 programs (no IA32 emulation): exec of $1 failed" >&2
  exit 77
fi
exit "$rc"
