#!/usr/bin/env bash
# The emulator wrappers beside the toolchain files.
#  wine-i386.sh: parallel first use of a fresh prefix is safe (one creates it,
#  all succeed, none holds the caller's output open); --init starts one
#  persistent wineserver and a second --init reuses it (`wineserver -p` exits 2
#  when a server runs); --shutdown leaves no process of the prefix; ~/.wine is
#  never touched. run-native-i386.sh: exit 77 + SKIP where the kernel refuses
#  the program, the program's own exit code otherwise, SIGTERM passed on.
#  About 15 s (a Wine prefix is made once).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
wine_w=$NEEDM_ROOT/toolchains/wine-i386.sh
native_w=$NEEDM_ROOT/toolchains/run-native-i386.sh
o=$HT_TMP/out
cd "$HT_TMP"

cat >prog.c <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    if (argc > 1 && argv[1][0] == 'h') for (;;) {}
    printf("prog %s\n", argc > 1 ? argv[1] : "");
    return argc > 2 ? atoi(argv[2]) : 0;
}
C
i686-w64-mingw32-gcc-posix -static -O1 prog.c -o prog.exe
i686-linux-gnu-gcc -static -O1 prog.c -o prog

# --- wine-i386.sh -------------------------------------------------------------------------
export HOME=$HT_TMP/home
mkdir -p "$HOME"
prefix=$HT_TMP/wineprefix
HT_CLEANUPS+=("'$wine_w' --prefix '$prefix' --shutdown >/dev/null 2>&1")
start=$(now)
for i in 1 2 3 4; do
  # $(...) waits for the output pipe to close, as CTest does.
  # (Windows console output ends lines with CR LF.)
  ( out=$("$wine_w" --prefix "$prefix" -- prog.exe "p$i" 2>"$HT_TMP/err$i"); echo "$?:${out%$'\r'}" >"$HT_TMP/res$i" ) &
done
wait
secs=$(($(now) - start))
ok=0
for i in 1 2 3 4; do [[ $(cat "$HT_TMP/res$i") == "0:prog p$i" ]] && ok=$((ok + 1)); done
if [[ $ok -eq 4 ]]; then pass "4 parallel first runs on a fresh prefix all succeed (${secs}s)"
else fail "4 parallel first runs on a fresh prefix all succeed" "$ok of 4: $(cat "$HT_TMP"/res* "$HT_TMP"/err* | tr '\n' '|')"; fi
n=$(cat "$HT_TMP"/err* | grep -c 'creating Wine prefix' || true)
if [[ $n -eq 1 ]]; then pass "the prefix was made exactly once"; else fail "the prefix was made exactly once" "$n times"; fi
if [[ $secs -lt 30 ]]; then pass "no run waited for a wineserver holding its output (${secs}s < 30s)"
else fail "no run waited for a wineserver holding its output" "${secs}s"; fi
if [[ -e $HOME/.wine ]]; then fail "the home folder has no .wine" "$HOME/.wine exists"; else pass "the home folder has no .wine (never ~/.wine)"; fi
rc=0; "$wine_w" --prefix "$prefix" -- prog.exe x 7 >/dev/null 2>&1 || rc=$?
expect_rc "a Windows program's exit code comes through" 7 $rc

"$wine_w" --prefix "$prefix" --init >"$o" 2>&1
pid1=$(sed -n 's/.*wineserver \([0-9]*\) running.*/\1/p' "$o")
"$wine_w" --prefix "$prefix" --init >"$o" 2>&1
pid2=$(sed -n 's/.*wineserver \([0-9]*\) running.*/\1/p' "$o")
if [[ -n $pid1 && $pid1 == "$pid2" ]]; then pass "--init twice: one persistent wineserver ($pid1), reused"
else fail "--init twice: one persistent wineserver, reused" "pids '$pid1' and '$pid2'"; fi
if [[ $(tr '\0' ' ' <"/proc/$pid1/cmdline" 2>/dev/null) == *" -p " ]]; then pass "--init's wineserver is persistent (-p)"
else fail "--init's wineserver is persistent (-p)" "$(tr '\0' ' ' <"/proc/$pid1/cmdline" 2>/dev/null)"; fi
sleep 4
if "$wine_w" --prefix "$prefix" --status; then pass "the persistent wineserver outlives its idle time"
else fail "the persistent wineserver outlives its idle time"; fi
start=$(date +%s%N)
out=$("$wine_w" --prefix "$prefix" -- prog.exe fast)
out=${out%$'\r'}
ms=$((($(date +%s%N) - start) / 1000000))
if [[ $out == "prog fast" && $ms -lt 2000 ]]; then pass "a program starts fast with the server running (${ms} ms)"
else fail "a program starts fast with the server running" "${ms} ms, output '$out'"; fi
"$wine_w" --prefix "$prefix" -- prog.exe hang >/dev/null 2>&1 &
hpid=$!
disown $hpid   # no "Terminated" job report
sleep 1
"$wine_w" --prefix "$prefix" --shutdown
for _ in $(seq 20); do kill -0 $hpid 2>/dev/null || break; sleep 0.1; done
expect_no_leftovers "--shutdown leaves no wineserver or program of the prefix" "$prefix"
rc=0; "$wine_w" --prefix "$prefix" --status || rc=$?
expect_rc "--status after --shutdown: no server (exit 1)" 1 $rc

# --- run-native-i386.sh ----------------------------------------------------------------------------
printf '\177ELF\001\001\001garbage' >notforthiskernel
chmod +x notforthiskernel
rc=0; "$native_w" ./notforthiskernel >"$o" 2>&1 || rc=$?
expect_rc "native runner: a program the kernel refuses exits 77 (a CTest skip)" 77 $rc
expect_grep "native runner: ... and says why" '^SKIP: this kernel cannot run i386 programs' "$o"
rc=0; "$native_w" ./prog x 5 >"$o" 2>&1 || rc=$?
expect_rc "native runner: the program's exit code comes through" 5 $rc
expect_grep "native runner: the program's output comes through" '^prog x$' "$o"
for sig in TERM INT; do
  set -m   # as CTest starts it: SIGINT not ignored (a background job of a script ignores it)
  "$NEEDM_ROOT/tests/harness/with_sigint.py" "$native_w" ./prog hang 2>/dev/null &   # (sh reports the forwarded signal: "Terminated")
  wpid=$!
  set +m
  disown $wpid   # no "Terminated" job report
  sleep 0.5
  kill -"$sig" $wpid
  for _ in $(seq 20); do kill -0 $wpid 2>/dev/null || break; sleep 0.1; done
  expect_no_leftovers "native runner: SIG$sig to the runner ends the program too" "$HT_TMP/prog"
done
ht_finish
