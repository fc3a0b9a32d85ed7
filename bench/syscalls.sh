#!/usr/bin/env bash
# System calls per callback after warm-up, counted by strace (native) or by
# qemu-i386 -strace (emulated), between the two marker calls needm_bench makes
# (write(-1, "NEEDM_MARK_BEGIN", 16) and write(-1, "NEEDM_MARK_END", 14)) on the
# calling thread. Prints one JSON line per mode.
#
#   bench/syscalls.sh --bench PATH --runner native|qemu [--cell NAME] [--calls N]
#                     [--check]          exit 1 unless every mode makes 0 calls
#                     [--bench-arg ARG]  pass ARG to needm_bench (e.g. --fn-syscall)
#   e.g. bench/syscalls.sh --bench build/linux-i386-native/bench/needm_bench --runner native --check
set -euo pipefail

bench="" runner="" cell="${NEEDM_CELL:-unknown}" calls=20000 check=0 extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bench) bench=$2; shift 2 ;;
    --runner) runner=$2; shift 2 ;;
    --cell) cell=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    --check) check=1; shift ;;
    --bench-arg) extra+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "syscalls.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ -x "$bench" ]] || { echo "syscalls.sh: --bench PATH (an executable needm_bench) is required" >&2; exit 2; }
case "$runner" in
  native) command -v strace >/dev/null || { echo "SKIP: strace not found: install it with: apt-get install strace"; exit 77; } ;;
  qemu) command -v qemu-i386 >/dev/null || { echo "SKIP: qemu-i386 not found: install it with: apt-get install qemu-user"; exit 77; } ;;
  *) echo "syscalls.sh: --runner is native or qemu" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for mode in runtime_thread foreign_per_call foreign_bound; do
  bind=percall
  [[ $mode == foreign_bound ]] && bind=thread
  log="$tmp/$mode.log"
  if [[ $runner == native ]]; then
    strace -f -qq -o "$log" "$bench" --bind=$bind --syscall-probe=$mode --calls="$calls" ${extra[@]+"${extra[@]}"} >/dev/null
  else
    qemu-i386 -strace "$bench" --bind=$bind --syscall-probe=$mode --calls="$calls" ${extra[@]+"${extra[@]}"} >/dev/null 2>"$log"
  fi
  # The marking thread's system calls strictly between its two markers.
  n=$(awk '
    /write\(-1, *("NEEDM_MARK_BEGIN"|0x[0-9a-f]+), *16\)/ { tid=$1; on=1; next }
    /write\(-1, *("NEEDM_MARK_END"|0x[0-9a-f]+), *14\)/ && $1==tid { on=0; next }
    on && $1==tid && /^[0-9]+ +[a-z_0-9]+\(/ { n++ }
    END { print n+0 }' "$log")
  if ! grep -qE 'write\(-1, *("NEEDM_MARK_END"|0x[0-9a-f]+), *14\)' "$log"; then
    echo "syscalls.sh: $mode: the end marker is missing from the trace ($runner)" >&2
    bad=1
    continue
  fi
  per=$(awk -v n="$n" -v c="$calls" 'BEGIN { printf "%.6f", n / c }')
  tool=strace
  [[ $runner == qemu ]] && tool="qemu-i386 -strace"
  printf '{"bench":"syscalls","cell":"%s","mode":"%s","calls":%s,"syscalls":%s,"syscalls_per_call":%s,"tool":"%s"}\n' \
    "$cell" "$mode" "$calls" "$n" "$per" "$tool"
  if [[ $check == 1 && $n != 0 ]]; then
    echo "FAIL: $mode made $n system calls in $calls callbacks after warm-up (cell $cell); reproduce: $0 --bench $bench --runner $runner --check" >&2
    echo "  the first of them:" >&2
    awk '
      /write\(-1, *("NEEDM_MARK_BEGIN"|0x[0-9a-f]+), *16\)/ { tid=$1; on=1; next }
      /write\(-1, *("NEEDM_MARK_END"|0x[0-9a-f]+), *14\)/ && $1==tid { on=0; next }
      on && $1==tid && /^[0-9]+ +[a-z_0-9]+\(/ { print "    " $0; if (++k == 5) exit }' "$log" >&2
    bad=1
  fi
done
exit $bad
