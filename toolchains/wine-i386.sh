#!/usr/bin/env bash
# Run a 32-bit Windows program under Wine with a private prefix: the
# CMAKE_CROSSCOMPILING_EMULATOR of i686-w64-mingw32.cmake (which lives beside it).
#
#   wine-i386.sh --prefix DIR [--] PROG.exe [ARGS...]  run PROG (the prefix is made on first use)
#   wine-i386.sh --prefix DIR --init                   make the prefix, start a wineserver that stays
#   wine-i386.sh --prefix DIR --shutdown               stop the prefix's wineserver and its programs
#   wine-i386.sh --prefix DIR --status                 exit 0 if a wineserver runs for DIR
#   wine-i386.sh --version                             print the Wine version (e.g. wine-8.0)
#
# Example: wine-i386.sh --prefix build/wineprefix -- build/hello.exe --verbose
#
# The prefix is 32-bit (WINEARCH=win32), Wine's debug output is off (WINEDEBUG=-all
# unless set), the Mono/Gecko installer prompts are disabled, and no display is used.
# The user's ~/.wine is never touched. First use of a prefix takes a few seconds
# (wineboot); it is serialised with a lock (DIR.lock), so parallel first runs are
# safe. Without --init, a run starts a wineserver when none runs for the prefix;
# it exits 3 s after its last program. With --init, one wineserver serves every
# program until --shutdown (a program then starts in about 0.05 s).
set -euo pipefail

me=wine-i386.sh
prefix=""
action=run
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix)
      [[ $# -ge 2 && -n "$2" ]] || { echo "$me: --prefix needs a directory (one per build tree)" >&2; exit 2; }
      prefix=$2; shift 2 ;;
    --init) action=init; shift ;;
    --shutdown) action=shutdown; shift ;;
    --status) action=status; shift ;;
    --version) action=version; shift ;;
    -h|--help) awk 'NR == 1 {next} /^#/ {sub(/^# ?/, ""); print; next} {exit}' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "$me: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done

wine_bin=$(command -v wine || true)
wineserver_bin=$(command -v wineserver || true)
if [[ -z "$wine_bin" || -z "$wineserver_bin" ]]; then
  echo "$me: wine not found: install it with: dpkg --add-architecture i386 && apt-get update && apt-get install wine wine32:i386" >&2
  exit 127
fi
if [[ $action == version ]]; then exec "$wine_bin" --version; fi
if [[ -z "$prefix" ]]; then
  echo "$me: --prefix DIR is required (a prefix per build tree; ~/.wine is never used)" >&2
  exit 2
fi
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd -P)

export WINEPREFIX="$prefix" WINEARCH=win32
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
# Console programs only: Wine must not try to open a window.
unset DISPLAY WAYLAND_DISPLAY

ready="$prefix/.needm-ready"

# The wineserver of this prefix, if one runs: it carries WINEPREFIX in its
# environment (or works in the prefix). Zombies do not count.
server_pids() {
  local p comm st
  for p in /proc/[0-9]*; do
    { read -r comm <"$p/comm"; } 2>/dev/null || continue
    [[ $comm == wineserver* ]] || continue
    { read -r -a st <"$p/stat"; } 2>/dev/null || continue
    [[ ${st[2]:-} == Z ]] && continue
    if [[ $(readlink "$p/cwd" 2>/dev/null) == "$prefix" ]] ||
       tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "WINEPREFIX=$prefix"; then
      echo "${p#/proc/}"
    fi
  done
}

# Make the prefix on first use and make sure a wineserver runs, detached from
# our output: a server (and the wineboot that the first program of a server
# starts, with services.exe and friends) that Wine starts by itself inherits the
# program's stdout/stderr, and CTest waits for those pipes to close, i.e. until
# the server exits. All under a lock (DIR.lock): parallel first use of a prefix
# races in Wine, so the first caller makes it and the others wait.
#   prepare -p3   a server that exits 3 s after its last program (runs)
#   prepare -p    a server that stays until --shutdown (--init)
prepare() {
  local persist=$1 started=0
  exec 9>"$prefix.lock"
  flock 9
  # Exit code 2: a server already runs for this prefix; it is used as it is.
  if "$wineserver_bin" "$persist" </dev/null >/dev/null 2>&1; then started=1; fi
  if [[ ! -f "$ready" ]]; then
    echo "$me: creating Wine prefix $prefix (first use, a few seconds)" >&2
    if ! "$wine_bin" wineboot --init </dev/null >/dev/null 2>&1; then
      echo "$me: wineboot --init failed for $prefix: run 'WINEPREFIX=$prefix WINEARCH=win32 wine wineboot --init' to see why" >&2
      exit 1
    fi
    touch "$ready"
  elif [[ $started -eq 1 ]]; then
    # A new server: start the prefix's services now, with our output closed.
    "$wine_bin" wineboot </dev/null >/dev/null 2>&1 || true
  fi
  flock -u 9
  exec 9>&-
}

case $action in
  init)
    # A persistent server, so that no program pays a server start. One that
    # already runs: if it is persistent (an earlier --init: its command line
    # ends in -p), it is used as it is; one started for a program exits once
    # idle, so wait for it and start our own.
    persistent=0
    for pid in $(server_pids); do
      [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *" -p " ]] && persistent=1
    done
    if [[ $persistent -eq 0 && -n "$(server_pids)" ]]; then
      timeout 10 "$wineserver_bin" -w 2>/dev/null || true
    fi
    prepare -p
    echo "$me: prefix $prefix ready, wineserver $(server_pids | tr '\n' ' ')running"
    exit 0 ;;
  shutdown)
    # -k kills the server and every program of the prefix, then waits for it.
    if [[ -n "$(server_pids)" ]]; then "$wineserver_bin" -k 2>/dev/null || true; fi
    for _ in $(seq 50); do
      [[ -z "$(server_pids)" ]] && exit 0
      sleep 0.1
    done
    mapfile -t left < <(server_pids)
    kill -KILL "${left[@]}" 2>/dev/null || true
    echo "$me: wineserver of $prefix did not stop on request; killed ${left[*]}" >&2
    exit 0 ;;
  status)
    [[ -n "$(server_pids)" ]]
    exit ;;
esac

[[ $# -ge 1 ]] || { echo "$me: no program to run (try --help)" >&2; exit 2; }
prepare -p3
exec "$wine_bin" "$@"
