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
#   -R, --tests REGEX  only the tests whose name matches (ctest -R; fixtures still run)
#   --results DIR      where logs and JUnit files go (default: results/ in the repository)
#   --bench            after each cell's tests, its benchmarks (bench/run-bench.sh); all cells
#                      into <results>/bench.json and the offline report <results>/report.html
#   --defects          after the cells, scripts/defects.sh on them (same --stress), results in
#                      <results>/defects/; its verdict goes into the summary
#   --dashboard URL    submit each cell to CDash as a build named after the cell (ctest -S
#                      ci/dashboard.cmake: configure, build and test parts, each sent when done)
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
#   scripts/run-matrix.sh --stress quick linux-i386-qemu linux-i386-native
#                                                           the differential pair: what fails only under qemu
#   scripts/run-matrix.sh --bench --stress quick linux-i386-native
#                                                           benchmarks of one cell, then results/report.html
#   scripts/run-matrix.sh --defects --stress quick linux-i386-native
#                                                           also prove the suite catches every defect there
#   scripts/run-matrix.sh --dashboard 'https://my.cdash.org/submit.php?project=needm'
#                                                           every cell, each submitted to CDash
#   scripts/run-matrix.sh -R '^ft\.signals' linux-i386-qemu only the signals scenarios
#
# Environment:
#   CI=true              as --install-deps
#   NEEDM_IA32_PROBE     yes | no: skip the probe "can this kernel run i386 programs?"
#                        of the native cells and take this answer (for tests of this script)
#   NEEDM_CDASH_SITE     the site name for --dashboard (default: this host's name)
#   NEEDM_CDASH_TOKEN    sent as "Authorization: Bearer <token>" with --dashboard
#   NEEDM_CDASH_RETRIES  how often a failed --dashboard submission is retried (default 1)
#
# Output: a banner per phase ("== building windows-i386-wine"), one line per
# failed test (cell, test, reproduction command), one line per skipped test with
# its reason, one line per emulator-only result, and a summary table (cell, how it
# runs, passed/failed/skipped, wall time). Per cell: <results>/<cell>/{configure,
# build,test}.log, LastTest.log (every test's output), junit.xml, failures.txt and
# cell.json (how the cell ran); <results>/summary.txt for the table and
# <results>/summary.md for the cell x scenario table with skip reasons, the
# differential diagnosis (qemu-i386 against native) and, per failure, the seed and
# the reproduction command (ci/merge-results.py writes the same from CI artifacts).
# Exit code: 0 when no cell failed and at least one passed (a skipped cell is
# shown as SKIPPED with its reason, never as passed), 1 when a cell failed or
# every cell was skipped (or a --bench, --defects or --dashboard step failed),
# 2 on a usage error or a missing prerequisite.
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
tests_regex=""
bench=0
defects=0
dashboard=""

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive number, not '$2'"; }

while [[ $# -gt 0 ]]; do
  case $1 in
    -j|--jobs) [[ $# -ge 2 ]] || die "$1 needs a number"; posint "$1" "$2"; jobs=$2; shift 2 ;;
    -j*) posint -j "${1#-j}"; jobs=${1#-j}; shift ;;
    --stress) [[ $# -ge 2 ]] || die "--stress needs quick, full or soak"; stress=$2; shift 2 ;;
    --repeat) [[ $# -ge 2 ]] || die "--repeat needs a number"; posint "$1" "$2"; repeat=$2; shift 2 ;;
    --results) [[ $# -ge 2 ]] || die "--results needs a directory"; results=$2; shift 2 ;;
    --source) [[ $# -ge 2 ]] || die "--source needs a directory"; source_dir=$(cd "$2" && pwd); shift 2 ;;
    -R|--tests) [[ $# -ge 2 && -n $2 ]] || die "$1 needs a regular expression, e.g. -R '^ft\.'"; tests_regex=$2; shift 2 ;;
    --bench) bench=1; shift ;;
    --defects) defects=1; shift ;;
    --dashboard) [[ $# -ge 2 && $2 != -* ]] || die "--dashboard needs the CDash submit URL, e.g. --dashboard 'https://my.cdash.org/submit.php?project=needm'"
      dashboard=$2; shift 2 ;;
    --dashboard=*) dashboard=${1#--dashboard=}; shift ;;
    --install-deps) install_deps=1; shift ;;
    --list) list_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option '$1' (try --help)" ;;
    *) want+=("$1"); shift ;;
  esac
done
case $stress in quick|full|soak) ;; *) die "--stress is '$stress': use quick, full or soak" ;; esac
[[ -f "$source_dir/CMakePresets.json" ]] || die "no CMakePresets.json in $source_dir"
if [[ -n $dashboard && ! $dashboard =~ ^https?://[^/]+ ]]; then
  die "--dashboard '$dashboard' is not an http(s) URL: give the CDash submit URL, e.g. 'https://my.cdash.org/submit.php?project=needm'"
fi
bench_script="$source_dir/bench/run-bench.sh"
defects_script="$source_dir/scripts/defects.sh"
[[ $bench -eq 0 || -f $bench_script ]] || die "--bench: $source_dir has no bench/run-bench.sh (run it on this repository, without --source)"
[[ $defects -eq 0 || -f $defects_script ]] || die "--defects: $source_dir has no scripts/defects.sh (run it on this repository, without --source)"

if [[ $install_deps -eq 1 && $list_only -eq 0 ]]; then  # --list only reads the presets
  banner "installing dependencies${CI:+ (CI=$CI)}"
  "$NEEDM_ROOT/scripts/install-deps.sh" || die "installing dependencies failed (see above)"
fi

need_cmd python3 python3 || exit 2

# --- the cells (CMakePresets.json is the only list) ---------------------------
declare -A RUNNER OS BDIR DESC
all=()
while IFS=$'\t' read -r name runner os bdir desc; do
  all+=("$name"); RUNNER[$name]=$runner; OS[$name]=$os; BDIR[$name]=$bdir; DESC[$name]=$desc
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
declare -A RESULT RUNS PASSED FAILED SKIPPED SECS STARTED DASH BENCH
fail_lines=()
skip_lines=()
extra_fail=()   # failed --bench, --defects or --dashboard steps: the run is not green

show_tail() {
  echo "$ME: $2 of $1 failed; last lines of $3:" >&2
  tail -n 25 "$3" | sed 's/^/    /' >&2
}

# dash_step CELL STEP LOG [-DVAR=VALUE...]: one step of the cell through
# ci/dashboard.cmake (the same preset command, recorded and submitted as a CDash
# part). Output appended to LOG; returns the step command's exit code.
dash_step() {
  local cell=$1 step=$2 log=$3 st rc=0 submit tag
  shift 3
  st="$results/$cell/dashboard.$step"
  rm -f "$st"
  mkdir -p "${BDIR[$cell]}"
  local cmd=(ctest -V -S "$NEEDM_ROOT/ci/dashboard.cmake,$step" -DNEEDM_CELL="$cell" -DNEEDM_SOURCE="$source_dir"
             -DNEEDM_BINARY="${BDIR[$cell]}" -DNEEDM_SUBMIT_URL="$dashboard" -DNEEDM_STATUS="$st"
             -DNEEDM_JOBS="$jobs" "$@")
  if [[ $step == test ]]; then   # the tests' progress streams to the console, as without --dashboard
    NEEDM_STRESS=$stress "${cmd[@]}" 2>&1 | tee -a "$log" || rc=${PIPESTATUS[0]}
  else
    NEEDM_STRESS=$stress "${cmd[@]}" >>"$log" 2>&1 || rc=$?
  fi
  if [[ ! -f $st ]]; then
    DASH[$cell]="FAILED ($step: ci/dashboard.cmake stopped, exit $rc; see $log)"
    return 1
  fi
  rc=$(sed -n 's/^rc=//p' "$st"); submit=$(sed -n 's/^submit=//p' "$st")
  if [[ $submit != 0 && $submit != "not requested" ]]; then
    [[ ${DASH[$cell]} == FAILED* ]] ||
      DASH[$cell]="FAILED ($step part: submission to $dashboard failed, CTest code $submit; see $log)"
  elif [[ -z ${DASH[$cell]} ]]; then
    DASH[$cell]="submitted"
  fi
  # The step command's own output (CTest keeps it apart): into the log.
  tag=$(head -n1 "${BDIR[$cell]}/Testing/TAG" 2>/dev/null || true)
  if [[ $step != test && -n $tag && -f "${BDIR[$cell]}/Testing/Temporary/Last${step^}_$tag.log" ]]; then
    cat "${BDIR[$cell]}/Testing/Temporary/Last${step^}_$tag.log" >>"$log"
  fi
  [[ $rc == 0 ]]
}

run_cell() {
  local cell=$1 out="$results/$1" start rc reason counts
  start=$(now)
  STARTED[$cell]=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  RUNS[$cell]=$(runs_under "$cell")
  PASSED[$cell]=-; FAILED[$cell]=-; SKIPPED[$cell]=-; DASH[$cell]=""; BENCH[$cell]=""
  rm -rf "$out"; mkdir -p "$out"

  if [[ ${RUNNER[$cell]} == native ]] && ! reason=$(ia32_probe); then
    banner "skipping $cell: $reason"
    RESULT[$cell]="SKIPPED ($reason)"; SECS[$cell]=$(($(now) - start))
    echo "$reason" >"$out/skipped.txt"
    return 0
  fi
  started+=("$cell")

  banner "configuring $cell${dashboard:+ (dashboard: $dashboard)}"
  if [[ -n $dashboard ]]; then
    rc=0; dash_step "$cell" configure "$out/configure.log" || rc=$?
  else
    rc=0; (cd "$source_dir" && cmake --preset "$cell") >"$out/configure.log" 2>&1 || rc=$?
  fi
  if [[ $rc -ne 0 ]]; then
    show_tail "$cell" configure "$out/configure.log"
    RESULT[$cell]="FAIL (configure)"; SECS[$cell]=$(($(now) - start)); return 0
  fi
  banner "building $cell"
  if [[ -n $dashboard ]]; then
    rc=0; dash_step "$cell" build "$out/build.log" || rc=$?
  else
    rc=0; (cd "$source_dir" && cmake --build --preset "$cell" -j "$jobs") >"$out/build.log" 2>&1 || rc=$?
  fi
  if [[ $rc -ne 0 ]]; then
    show_tail "$cell" build "$out/build.log"
    RESULT[$cell]="FAIL (build)"; SECS[$cell]=$(($(now) - start)); return 0
  fi
  banner "testing $cell (NEEDM_STRESS=$stress, -j $jobs${repeat:+, --repeat until-fail:$repeat}${tests_regex:+, -R $tests_regex})"
  rc=0
  if [[ -n $dashboard ]]; then
    local filt=() k v
    while IFS=$'\t' read -r k v; do
      [[ -n $k ]] || continue
      [[ $k == INCLUDE && -n $tests_regex ]] && continue   # -R replaces the preset's name filter, as on ctest's command line
      filt+=("-DNEEDM_$k=$v")
    done < <(python3 "$NEEDM_LIB/cells.py" --presets "$source_dir/CMakePresets.json" testfilter "$cell")
    [[ -n $tests_regex ]] && filt+=("-DNEEDM_INCLUDE=$tests_regex")
    [[ -n $repeat ]] && filt+=("-DNEEDM_REPEAT=$repeat")
    : >"$out/test.log"
    dash_step "$cell" test "$out/test.log" -DNEEDM_JUNIT="$out/junit.xml" "${filt[@]}" || rc=$?
  else
    local args=(--preset "$cell" -j "$jobs" --output-junit "$out/junit.xml")
    [[ -n $repeat ]] && args+=(--repeat "until-fail:$repeat")
    [[ -n $tests_regex ]] && args+=(-R "$tests_regex")
    (cd "$source_dir" && NEEDM_STRESS=$stress ctest "${args[@]}") 2>&1 | tee "$out/test.log" || rc=${PIPESTATUS[0]}
  fi
  local last
  last=$(ls -t "${BDIR[$cell]}"/Testing/Temporary/LastTest*.log 2>/dev/null | head -n1 || true)
  [[ -z $last ]] || cp "$last" "$out/LastTest.log"
  SECS[$cell]=$(($(now) - start))

  if [[ ! -s "$out/junit.xml" ]]; then
    RESULT[$cell]="FAIL (ctest exit $rc, no JUnit file)"; return 0
  fi
  counts=$(python3 "$NEEDM_LIB/junit.py" counts "$out/junit.xml")
  read -r PASSED[$cell] FAILED[$cell] SKIPPED[$cell] <<<"$counts"

  local name why line cmd seed
  : >"$out/failures.txt"
  while IFS=$'\t' read -r name why line; do
    [[ -n $name ]] || continue
    if [[ -n $line ]]; then
      cmd="${line#*reproduce: }"
    else
      # No FAILED line (a timeout, a crash): CTest's own command and environment,
      # with the seed the program printed first, so the rerun is the same run.
      seed=$(python3 "$NEEDM_LIB/junit.py" seed "$out/junit.xml" "$name" 2>/dev/null || true)
      cmd=$(python3 "$NEEDM_LIB/junit.py" repro "${BDIR[$cell]}" "$name" "NEEDM_STRESS=$stress" ${seed:+"NEEDM_SEED=$seed"} 2>/dev/null ||
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

# bench_cell CELL: bench/run-bench.sh on the cell's build tree (a built cell only).
bench_cell() {
  local cell=$1 out="$results/$1" start rc=0 args=()
  case ${RESULT[$cell]} in PASS|"FAIL (tests)"|"SKIPPED (no test passed)") ;; *) BENCH[$cell]="not run (${RESULT[$cell]})"; return 0 ;; esac
  [[ $stress == quick ]] && args=(--calls 50000 --reps 3)
  banner "benchmarks of $cell (bench/run-bench.sh${args[*]:+ ${args[*]}})"
  start=$(now)
  "$bench_script" --build "${BDIR[$cell]}" --cell "$cell" "${args[@]}" >"$out/bench.json" 2>"$out/bench.log" || rc=$?
  if [[ $rc -ne 0 || ! -s $out/bench.json ]]; then
    echo "$ME: benchmarks of $cell failed (exit $rc): see $out/bench.log" >&2
    tail -n 5 "$out/bench.log" | sed 's/^/    /' >&2
    BENCH[$cell]="FAIL (exit $rc)"; extra_fail+=("bench $cell")
  else
    BENCH[$cell]="$(grep -c '^{' "$out/bench.json") lines, $(fmt_secs $(($(now) - start)))"
  fi
}

write_cell_json() {
  local c=$1
  python3 "$NEEDM_LIB/summary.py" write-cell "$results/$c/cell.json" cell="$c" runner="${RUNNER[$c]}" \
    os="${OS[$c]}" runs_under="${RUNS[$c]}" description="${DESC[$c]}" stress="$stress" repeat="$repeat" \
    tests_regex="$tests_regex" result="${RESULT[$c]}" passed="${PASSED[$c]}" failed="${FAILED[$c]}" \
    skipped="${SKIPPED[$c]}" secs="${SECS[$c]}" started="${STARTED[$c]}" host="$(hostname 2>/dev/null || echo '?')" \
    kernel="$(uname -r)" dashboard="${DASH[$c]}" bench="${BENCH[$c]}"
}

total_start=$(now)
for c in "${cells[@]}"; do
  run_cell "$c"
  [[ $bench -eq 0 ]] || bench_cell "$c"
  [[ ${DASH[$c]} != FAILED* ]] || extra_fail+=("dashboard $c")
  write_cell_json "$c"
done

# --- benchmarks of all cells: one file, one report ---------------------------------------
bench_line=""
if [[ $bench -eq 1 ]]; then
  rm -f "$results/bench.json" "$results/report.html" "$results/bench-report.txt"
  for c in "${cells[@]}"; do
    [[ ! -s $results/$c/bench.json ]] || cat "$results/$c/bench.json" >>"$results/bench.json"
  done
  if [[ -s $results/bench.json ]]; then
    banner "benchmark report"
    if python3 "$source_dir/bench/report.py" "$results/bench.json" -o "$results/report.html" >"$results/bench-report.txt" 2>&1; then
      bench_line="bench: report $results/report.html; $(grep -o 'targets: [0-9]* met, [0-9]* missed' "$results/bench-report.txt" || echo 'targets: none reported')"
    else
      echo "$ME: bench/report.py failed: $(tail -n1 "$results/bench-report.txt")" >&2
      extra_fail+=("bench report"); bench_line="bench: report FAILED (see $results/bench-report.txt)"
    fi
  else
    bench_line="bench: no cell produced benchmark lines"; extra_fail+=("bench")
  fi
fi

# --- fault injection on the cells that ran ---------------------------------------------------
defects_line=""
if [[ $defects -eq 1 ]]; then
  ran=()
  for c in "${cells[@]}"; do
    case ${RESULT[$c]} in PASS|"FAIL (tests)"|"SKIPPED (no test passed)") ran+=("$c") ;; esac
  done
  mkdir -p "$results/defects"
  rm -f "$results/defects/verdict.txt"; rc=""
  if [[ ${#ran[@]} -eq 0 ]]; then
    defects_line="defects: not run (no cell was built)"; extra_fail+=("defects")
  else
    banner "defects: scripts/defects.sh ${ran[*]} --stress $stress"
    rc=0
    "$defects_script" "${ran[@]}" --stress "$stress" -j "$jobs" --results "$results/defects" 2>&1 |
      tee "$results/defects/defects.log" || rc=${PIPESTATUS[0]}
    verdict=$(grep -E '^(every defect was caught|defects\.sh: )' "$results/defects/defects.log" | tail -n1 || true)
    [[ -n $verdict ]] || verdict="defects.sh ended with exit $rc (see $results/defects/defects.log)"
    if [[ $rc -eq 0 ]]; then defects_line="defects: PASS: $verdict"
    else defects_line="defects: FAIL: $verdict"; extra_fail+=("defects"); fi
  fi
  echo "scripts/defects.sh ${ran[*]:-(no cell)} --stress $stress: ${defects_line#defects: }" >"$results/defects/verdict.txt"
fi

# --- summary -------------------------------------------------------------------------------
sum_args=(--results "$results" --cells "$(IFS=,; echo "${cells[*]}")" --presets "$source_dir/CMakePresets.json")
[[ $bench -eq 0 ]] || sum_args+=(--bench)
[[ $defects -eq 0 ]] || sum_args+=(--defects)
emu_lines=()
if out_md=$(python3 "$NEEDM_LIB/summary.py" markdown "${sum_args[@]}" 2>&1); then
  [[ -z $out_md ]] || mapfile -t emu_lines <<<"$out_md"
else
  echo "$ME: writing $results/summary.md failed: $out_md" >&2
  extra_fail+=("summary.md")
fi
{
  echo
  banner "summary (NEEDM_STRESS=$stress, results in $results)"
  for l in "${skip_lines[@]}"; do echo "$l"; done
  for l in "${fail_lines[@]}"; do echo "$l"; done
  for l in "${emu_lines[@]}"; do echo "$l"; done
  for c in "${cells[@]}"; do
    [[ ${DASH[$c]} != FAILED* ]] || echo "DASHBOARD $c: ${DASH[$c]}"
    [[ ${BENCH[$c]} != FAIL* ]] || echo "BENCH $c: ${BENCH[$c]}: see $results/$c/bench.log"
  done
  [[ -z $bench_line ]] || echo "$bench_line"
  [[ -z $defects_line ]] || echo "$defects_line"
  printf '%-30s %-18s %6s %6s %7s %8s  %s\n' CELL "RUNS UNDER" PASSED FAILED SKIPPED TIME RESULT
  for c in "${cells[@]}"; do
    printf '%-30s %-18s %6s %6s %7s %8s  %s\n' "$c" "${RUNS[$c]}" "${PASSED[$c]}" "${FAILED[$c]}" \
      "${SKIPPED[$c]}" "$(fmt_secs "${SECS[$c]}")" "${RESULT[$c]}"
  done
  echo "total wall time $(fmt_secs $(($(now) - total_start)))"
  echo "summary: $results/summary.md"
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
if [[ ${#extra_fail[@]} -gt 0 ]]; then
  echo "$ME: failed besides the tests: ${extra_fail[*]} (see the summary above)" >&2
  status=1
fi
exit $status
