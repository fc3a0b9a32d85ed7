#!/usr/bin/env bash
# Run the benchmarks of one built cell through that cell's runner and print
# JSON lines: callback cost by mode and thread count (both binding modes),
# committed memory per idle extra M, and (Linux) system calls per callback.
#
#   bench/run-bench.sh --build DIR [--cell NAME] [--calls N] [--reps R]
#   e.g. bench/run-bench.sh --build build/linux-i386-native > results/bench-native.json
#
# The cell's runner (qemu-i386, the native runner or the Wine wrapper) is read
# from the build tree (NEEDM_RUNNER_LIST, the toolchain's emulator), so the numbers are what
# that cell's programs see. scripts/run-matrix.sh --bench runs this per cell.
set -euo pipefail

build="" cell="" calls=200000 reps=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --cell) cell=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    -h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "run-bench.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ -d "$build" ]] || { echo "run-bench.sh: --build DIR (a configured and built cell) is required" >&2; exit 2; }
cache="$build/CMakeCache.txt"
[[ -f "$cache" ]] || { echo "run-bench.sh: $build is not a CMake build tree (no CMakeCache.txt)" >&2; exit 2; }
val() { sed -n "s/^$1:[A-Z]*=//p" "$cache" | head -n1; }
[[ -n "$cell" ]] || cell=$(val NEEDM_CELL)
runner_kind=$(val NEEDM_EXPECT_RUNNER)
emulator=$(val NEEDM_RUNNER_LIST)
bench="$build/bench/needm_bench"
[[ -x "$bench" ]] || bench="$build/bench/needm_bench.exe"
[[ -f "$bench" ]] || { echo "run-bench.sh: no needm_bench in $build/bench: build the cell first" >&2; exit 2; }

runner=()
if [[ -n "$emulator" ]]; then IFS=';' read -r -a runner <<<"$emulator"; fi
# Drop empty list items (a trailing ';' in the emulator list).
clean=()
for a in ${runner[@]+"${runner[@]}"}; do [[ -n "$a" ]] && clean+=("$a"); done
echo "run-bench.sh: $cell: ${clean[*]:-(direct)} $bench" >&2
for bind in percall thread; do
  NEEDM_CELL=$cell ${clean[@]+"${clean[@]}"} "$bench" --bind=$bind --calls="$calls" --reps="$reps" \
    --threads=1,2,4,8 --memory=16 | tr -d '\r'
done
case "$runner_kind" in
  native|qemu) bash "$(dirname "$0")/syscalls.sh" --bench "$bench" --runner "$runner_kind" --cell "$cell" --calls 20000 ;;
  *) printf '{"bench":"syscalls","cell":"%s","skipped":"no system call tracer for programs under %s"}\n' "$cell" "${runner_kind:-this runner}" ;;
esac
