#!/usr/bin/env bash
# Configure, build and test every cell of the needm matrix (or the named ones)
# through the CMake presets, and summarise.
#
# Usage: scripts/run-matrix.sh [options] [CELL...]
#
#   CELL...            cells to run (default: every cell of CMakePresets.json, in order)
#   -j, --jobs N       parallel build and test jobs (default: number of CPUs)
#   --stress SCALE     quick | full | soak: the tests' work scale, NEEDM_STRESS (default: full)
#   --repeat N         stress the cell: ctest --repeat until-fail:N
#   --results DIR      where logs and JUnit files go (default: results/ in the repository)
#   --install-deps     install missing Debian packages first (automatic when CI=true)
#   --list             list the cells and how each runs, then exit
#   --source DIR       the CMake project whose presets to run (default: this repository)
#   -h, --help         this help
#
# Examples:
#   scripts/run-matrix.sh                                   every cell, full scale
#   scripts/run-matrix.sh linux-i386-qemu windows-i386-wine two cells
#   scripts/run-matrix.sh --stress quick -j 2               fast pass over every cell
#   scripts/run-matrix.sh --repeat 50 linux-i386-native     run one cell's tests until one fails (50 at most)
#   scripts/run-matrix.sh --list                            the cells and their emulators
#
# Environment:
#   CI=true              as --install-deps
#   NEEDM_IA32_PROBE     yes | no: skip the probe "can this kernel run i386 programs?"
#                        of the native cells and take this answer (for tests of this script)
#
# Output: a banner per phase ("== building windows-i386-wine"), one line per
# failed test (cell, test, reproduction command), one line per skipped test with
# its reason, and a summary table (cell, how it runs, passed/failed/skipped, wall
# time). Per cell: <results>/<cell>/{configure,build,test}.log, LastTest.log (every
# test's output), junit.xml and failures.txt; <results>/summary.txt for the table.
# Exit code: 0 when no cell failed and at least one passed (a skipped cell is
# shown as SKIPPED with its reason, never as passed), 1 when a cell failed or
# every cell was skipped, 2 on a usage error or a missing prerequisite.
set -euo pipefail

ME=run-matrix
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { print_usage "${BASH_SOURCE[0]}"; }
die() { echo "$ME: $*" >&2; exit 2; }

jobs=$(nproc 2>/dev/null || echo 2)
stress=full
repeat=""
results="$NEEDM_ROOT/results"
install_deps=0
[[ ${CI:-} == true ]] && install_deps=1
list_only=0
source_dir="$NEEDM_ROOT"
want=()

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive number, not '$2'"; }

while [[ $# -gt 0 ]]; do
  case $1 in
    -j|--jobs) [[ $# -ge 2 ]] || die "$1 needs a number"; posint "$1" "$2"; jobs=$2; shift 2 ;;
    -j*) posint -j "${1#-j}"; jobs=${1#-j}; shift ;;
    --stress) [[ $# -ge 2 ]] || die "--stress needs quick, full or soak"; stress=$2; shift 2 ;;
    --repeat) [[ $# -ge 2 ]] || die "--repeat needs a number"; posint "$1" "$2"; repeat=$2; shift 2 ;;
    --results) [[ $# -ge 2 ]] || die "--results needs a directory"; results=$2; shift 2 ;;
    --source) [[ $# -ge 2 ]] || die "--source needs a directory"; source_dir=$(cd "$2" && pwd); shift 2 ;;
    --install-deps) install_deps=1; shift ;;
    --list) list_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --bench|--defects|--dashboard|--dashboard=*)
      die "$1 is not available yet (planned); run scripts/run-matrix.sh --help for the options there are" ;;
    -*) die "unknown option '$1' (try --help)" ;;
    *) want+=("$1"); shift ;;
  esac
done
case $stress in quick|full|soak) ;; *) die "--stress is '$stress': use quick, full or soak" ;; esac
[[ -f "$source_dir/CMakePresets.json" ]] || die "no CMakePresets.json in $source_dir"

if [[ $install_deps -eq 1 ]]; then
  banner "installing dependencies${CI:+ (CI=$CI)}"
  "$NEEDM_ROOT/scripts/install-deps.sh" || die "installing dependencies failed (see above)"
fi

need_cmd python3 python3 || exit 2

# --- the cells (CMakePresets.json is the only list) ---------------------------
declare -A RUNNER BDIR DESC
all=()
while IFS=$'\t' read -r name runner _os bdir desc; do
  all+=("$name"); RUNNER[$name]=$runner; BDIR[$name]=$bdir; DESC[$name]=$desc
done < <(python3 "$NEEDM_LIB/cells.py" --presets "$source_dir/CMakePresets.json" list)
[[ ${#all[@]} -gt 0 ]] || die "no workflow presets (cells) in $source_dir/CMakePresets.json"

runs_under() {
  case ${RUNNER[$1]} in
    qemu) qemu_version || echo "qemu-i386 (not installed)" ;;
    wine) wine_version || echo "wine (not installed)" ;;
    native) echo "native" ;;
    *) echo "${RUNNER[$1]}" ;;
  esac
}

if [[ $list_only -eq 1 ]]; then
  printf '%-30s %-18s %s\n' CELL "RUNS UNDER" DESCRIPTION
  for c in "${all[@]}"; do printf '%-30s %-18s %s\n' "$c" "$(runs_under "$c")" "${DESC[$c]}"; done
  exit 0
fi

cells=()
if [[ ${#want[@]} -eq 0 ]]; then
  cells=("${all[@]}")
else
  for c in "${want[@]}"; do
    [[ -n ${RUNNER[$c]:-} ]] || die "unknown cell '$c': valid cells are $(IFS=,; echo "${all[*]}" | sed 's/,/, /g')"
    cells+=("$c")
  done
fi

# --- prerequisites, before any CMake run ------------------------------------------
missing=0
need_cmd cmake cmake || missing=1
need_cmd ninja ninja-build || missing=1
need_file /usr/include/doctest/doctest.h doctest-dev || missing=1
declare -A seen
for c in "${cells[@]}"; do
  case ${RUNNER[$c]} in
    qemu|native)
      [[ -n ${seen[linux]:-} ]] || { seen[linux]=1; need_cmd i686-linux-gnu-g++ g++-i686-linux-gnu "$c" || missing=1; } ;;&
    qemu)
      [[ -n ${seen[qemu]:-} ]] || { seen[qemu]=1; need_cmd qemu-i386 qemu-user "$c" || missing=1; } ;;
    wine)
      if [[ -z ${seen[wine]:-} ]]; then
        seen[wine]=1
        need_cmd i686-w64-mingw32-g++-posix g++-mingw-w64-i686-posix "$c" || missing=1
        need_cmd wine wine "$c" || missing=1
        # Debian's wine: the 32-bit loader comes with wine32:i386.
        if [[ -d /usr/lib/wine && ! -x /usr/lib/wine/wine ]]; then
          need_file /usr/lib/wine/wine wine32:i386 "$c" || missing=1
        fi
      fi ;;
  esac
done
[[ $missing -eq 0 ]] || exit 2

mkdir -p "$results"
results=$(cd "$results" && pwd)

# --- cleanup: no wineserver or emulator outlives the run ---------------------------
started=()
wine_prefix_of() {
  local p
  p=$(sed -n 's/^MINGW_I686_WINEPREFIX:[A-Z]*=//p' "${BDIR[$1]}/CMakeCache.txt" 2>/dev/null || true)
  echo "${p:-${BDIR[$1]}/wineprefix}"
}
wine_wrapper_of() {
  local t
  t=$(sed -n 's/^CMAKE_TOOLCHAIN_FILE:[A-Z]*=//p' "${BDIR[$1]}/CMakeCache.txt" 2>/dev/null || true)
  if [[ -n $t && -x "$(dirname "$t")/wine-i386.sh" ]]; then echo "$(dirname "$t")/wine-i386.sh"
  else echo "$NEEDM_ROOT/toolchains/wine-i386.sh"; fi
}
cleanup() {
  local c
  for c in "${started[@]}"; do
    if [[ ${RUNNER[$c]} == wine ]]; then
      "$(wine_wrapper_of "$c")" --prefix "$(wine_prefix_of "$c")" --shutdown >/dev/null 2>&1 || true
    fi
    python3 "$NEEDM_LIB/procs.py" kill "${BDIR[$c]}" | sed "s/^/$ME: $c: leftover process /" >&2 || true
  done
}
on_signal() {
  trap - EXIT INT TERM
  echo "$ME: interrupted ($1): stopping the cells' emulators and wineservers" >&2
  cleanup
  [[ $1 == INT ]] && exit 130
  exit 143
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

# --- one cell --------------------------------------------------------------------------
declare -A RESULT RUNS PASSED FAILED SKIPPED SECS
fail_lines=()
skip_lines=()

show_tail() {
  echo "$ME: $2 of $1 failed; last lines of $3:" >&2
  tail -n 25 "$3" | sed 's/^/    /' >&2
}

run_cell() {
  local cell=$1 out="$results/$1" start rc reason counts
  start=$(now)
  RUNS[$cell]=$(runs_under "$cell")
  PASSED[$cell]=-; FAILED[$cell]=-; SKIPPED[$cell]=-
  rm -rf "$out"; mkdir -p "$out"

  if [[ ${RUNNER[$cell]} == native ]] && ! reason=$(ia32_probe); then
    banner "skipping $cell: $reason"
    RESULT[$cell]="SKIPPED ($reason)"; SECS[$cell]=$(($(now) - start))
    echo "$reason" >"$out/skipped.txt"
    return 0
  fi
  started+=("$cell")

  banner "configuring $cell"
  if ! (cd "$source_dir" && cmake --preset "$cell") >"$out/configure.log" 2>&1; then
    show_tail "$cell" configure "$out/configure.log"
    RESULT[$cell]="FAIL (configure)"; SECS[$cell]=$(($(now) - start)); return 0
  fi
  banner "building $cell"
  if ! (cd "$source_dir" && cmake --build --preset "$cell" -j "$jobs") >"$out/build.log" 2>&1; then
    show_tail "$cell" build "$out/build.log"
    RESULT[$cell]="FAIL (build)"; SECS[$cell]=$(($(now) - start)); return 0
  fi
  banner "testing $cell (NEEDM_STRESS=$stress, -j $jobs${repeat:+, --repeat until-fail:$repeat})"
  local args=(--preset "$cell" -j "$jobs" --output-junit "$out/junit.xml")
  [[ -n $repeat ]] && args+=(--repeat "until-fail:$repeat")
  rc=0
  (cd "$source_dir" && NEEDM_STRESS=$stress ctest "${args[@]}") 2>&1 | tee "$out/test.log" || rc=${PIPESTATUS[0]}
  cp "${BDIR[$cell]}/Testing/Temporary/LastTest.log" "$out/LastTest.log" 2>/dev/null || true
  SECS[$cell]=$(($(now) - start))

  if [[ ! -s "$out/junit.xml" ]]; then
    RESULT[$cell]="FAIL (ctest exit $rc, no JUnit file)"; return 0
  fi
  counts=$(python3 "$NEEDM_LIB/junit.py" counts "$out/junit.xml")
  read -r PASSED[$cell] FAILED[$cell] SKIPPED[$cell] <<<"$counts"

  local name why line cmd
  : >"$out/failures.txt"
  while IFS=$'\t' read -r name why line; do
    [[ -n $name ]] || continue
    if [[ -n $line ]]; then
      cmd="${line#*reproduce: }"
    else
      cmd=$(python3 "$NEEDM_LIB/junit.py" repro "${BDIR[$cell]}" "$name" "NEEDM_STRESS=$stress" 2>/dev/null ||
            echo "ctest --preset $cell -R '^$name\$' --output-on-failure")
    fi
    fail_lines+=("FAILED $cell $name ($why): reproduce: $cmd")
    printf '%s\t%s\t%s\n' "$name" "$why" "$cmd" >>"$out/failures.txt"
  done < <(python3 "$NEEDM_LIB/junit.py" failed "$out/junit.xml" "$out/test.log")
  while IFS=$'\t' read -r name why; do
    [[ -n $name ]] && skip_lines+=("SKIPPED $cell $name: $why")
  done < <(python3 "$NEEDM_LIB/junit.py" skipped "$out/junit.xml")

  if [[ $rc -ne 0 || ${FAILED[$cell]} -ne 0 ]]; then
    RESULT[$cell]="FAIL (tests)"
  elif [[ ${PASSED[$cell]} -eq 0 ]]; then
    RESULT[$cell]="SKIPPED (no test passed)"
  else
    RESULT[$cell]="PASS"
  fi
}

total_start=$(now)
for c in "${cells[@]}"; do run_cell "$c"; done

# --- summary -------------------------------------------------------------------------------
{
  echo
  banner "summary (NEEDM_STRESS=$stress, results in $results)"
  for l in "${skip_lines[@]}"; do echo "$l"; done
  for l in "${fail_lines[@]}"; do echo "$l"; done
  printf '%-30s %-18s %6s %6s %7s %8s  %s\n' CELL "RUNS UNDER" PASSED FAILED SKIPPED TIME RESULT
  for c in "${cells[@]}"; do
    printf '%-30s %-18s %6s %6s %7s %8s  %s\n' "$c" "${RUNS[$c]}" "${PASSED[$c]}" "${FAILED[$c]}" \
      "${SKIPPED[$c]}" "$(fmt_secs "${SECS[$c]}")" "${RESULT[$c]}"
  done
  echo "total wall time $(fmt_secs $(($(now) - total_start)))"
} | tee "$results/summary.txt"

status=0 npass=0
for c in "${cells[@]}"; do
  [[ ${RESULT[$c]} == FAIL* ]] && status=1
  [[ ${RESULT[$c]} == PASS ]] && npass=$((npass + 1))
done
if [[ $status -eq 0 && $npass -eq 0 ]]; then
  echo "$ME: no cell passed (every cell was skipped): nothing was tested" >&2
  status=1
fi
exit $status
