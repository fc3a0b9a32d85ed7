#!/usr/bin/env bash
# The whole needm test suite: every cell at quick scale, the downstream consumers,
# the harness's own tests and the shell lint. This is what CI runs (.ci/run).
#
# Usage: scripts/test.sh [options]
#
#   --install-deps     install missing Debian packages first (automatic when CI=true)
#   -j, --jobs N       parallel build and test jobs (default: number of CPUs)
#   --results DIR      logs and JUnit files (default: results/ in the repository)
#   --only PHASES      run only these phases, comma-separated: lint,harness,matrix,downstream,defects,model
#   -h, --help         this help
#
# Examples:
#   scripts/test.sh                     everything (what CI runs)
#   scripts/test.sh --only lint,harness the fast checks of the scripts themselves
#   CI=true scripts/test.sh             as CI: install what is missing, then everything
#
# Phases:
#   lint        shellcheck -S warning on every shell script (skipped, with the reason, without shellcheck)
#   harness     tests/harness/*.sh: the scripts' own tests (PASS/FAIL lines)
#   matrix      scripts/run-matrix.sh --stress quick: every cell, results in <results>/<cell>/
#               then a check that no emulator or wineserver of the build trees is left
#   downstream  tests/downstream/run.sh: consumers of the toolchain files and of an installed needm
#   defects     scripts/defects.sh: every injected defect caught (all in linux-i386-native; the ones with
#               Windows-specific code paths also in windows-i386-wine-arbitrary), the control passing
#   model       models/check.sh: spin proves the extra-M protocol and finds each broken variant's counterexample
# Exit code 0 when every phase passed, 1 otherwise, 2 on a usage error.
set -euo pipefail

ME=test.sh
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { print_usage "${BASH_SOURCE[0]}"; }
die() { echo "$ME: $*" >&2; exit 2; }

install_deps=0
[[ ${CI:-} == true ]] && install_deps=1
jobs=$(nproc 2>/dev/null || echo 2)
results="$NEEDM_ROOT/results"
phases=(lint harness matrix downstream defects model)
while [[ $# -gt 0 ]]; do
  case $1 in
    --install-deps) install_deps=1; shift ;;
    -j|--jobs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive number"; jobs=$2; shift 2 ;;
    --results) [[ $# -ge 2 ]] || die "--results needs a directory"; results=$2; shift 2 ;;
    --only)
      [[ $# -ge 2 ]] || die "--only needs phases: lint,harness,matrix,downstream,defects,model"
      IFS=, read -r -a phases <<<"$2"
      for p in "${phases[@]}"; do
        case $p in lint|harness|matrix|downstream|defects|model) ;;
          *) die "unknown phase '$p': use lint, harness, matrix, downstream, defects or model" ;; esac
      done
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
mkdir -p "$results"
results=$(cd "$results" && pwd)
cd "$NEEDM_ROOT"

if [[ $install_deps -eq 1 ]]; then
  banner "installing dependencies${CI:+ (CI=$CI)}"
  scripts/install-deps.sh || die "installing dependencies failed (see above)"
fi

declare -A RESULT SECS
order=()
failed=0
record() {  # record PHASE RESULT SECONDS
  order+=("$1"); RESULT[$1]=$2; SECS[$1]=$3
  [[ $2 == FAIL* ]] && failed=1
  return 0
}
want() { local p; for p in "${phases[@]}"; do [[ $p == "$1" ]] && return 0; done; return 1; }

# --- lint ----------------------------------------------------------------------------
if want lint; then
  banner "lint: shellcheck -S warning"
  start=$(now)
  if ! command -v shellcheck >/dev/null 2>&1; then
    echo "SKIP lint: shellcheck not installed: apt-get install -y shellcheck (or --install-deps)"
    record lint "SKIPPED (shellcheck not installed)" 0
  else
    mapfile -t files < <(find . -path ./build -prune -o -path ./results -prune -o -path ./.git -prune -o \
                           -type f \( -name '*.sh' -o -path ./.ci/run \) -print | sort)
    if shellcheck -S warning -x "${files[@]}"; then
      echo "PASS lint: ${#files[@]} scripts clean"
      record lint "PASS (${#files[@]} scripts)" $(($(now) - start))
    else
      echo "FAIL lint: shellcheck found problems (above)"
      record lint FAIL $(($(now) - start))
    fi
  fi
fi

# --- harness ---------------------------------------------------------------------------
if want harness; then
  banner "harness: tests/harness/*.sh"
  start=$(now)
  hp=0; hf=0; bad=()
  mkdir -p "$results/harness"
  for t in tests/harness/*.sh; do
    [[ $(basename "$t") == lib.sh ]] && continue
    name=$(basename "$t" .sh)
    tstart=$(now)
    rc=0
    "$t" 2>&1 | tee "$results/harness/$name.log" || rc=${PIPESTATUS[0]}
    hp=$((hp + $(grep -c '^PASS ' "$results/harness/$name.log" || true)))
    hf=$((hf + $(grep -c '^FAIL ' "$results/harness/$name.log" || true)))
    if [[ $rc -ne 0 ]]; then bad+=("$name"); fi
    echo "   ($name: $(fmt_secs $(($(now) - tstart))))"
  done
  if [[ ${#bad[@]} -eq 0 ]]; then record harness "PASS ($hp checks)" $(($(now) - start))
  else record harness "FAIL ($hf of $((hp + hf)) checks: ${bad[*]})" $(($(now) - start)); fi
fi

# --- matrix -------------------------------------------------------------------------------
if want matrix; then
  banner "matrix: scripts/run-matrix.sh --stress quick"
  start=$(now)
  rc=0
  scripts/run-matrix.sh --stress quick -j "$jobs" --results "$results" || rc=$?
  mapfile -t bdirs < <(python3 "$NEEDM_LIB/cells.py" list | cut -f4)
  if left=$(python3 "$NEEDM_LIB/procs.py" list "${bdirs[@]}"); then
    echo "PASS matrix: no emulator, test program or wineserver of the build trees left running"
  else
    echo "FAIL matrix: processes left running after run-matrix: $(echo "$left" | tr '\n' '|')"
    python3 "$NEEDM_LIB/procs.py" kill "${bdirs[@]}" >/dev/null || true
    rc=1
  fi
  if [[ $rc -eq 0 ]]; then record matrix PASS $(($(now) - start))
  else record matrix "FAIL (see the summary above; logs in $results/<cell>/)" $(($(now) - start)); fi
fi

# --- downstream ------------------------------------------------------------------------------
if want downstream; then
  banner "downstream: tests/downstream/run.sh"
  start=$(now)
  rc=0
  tests/downstream/run.sh --results "$results/downstream" || rc=$?
  if [[ $rc -eq 0 ]]; then record downstream PASS $(($(now) - start))
  else record downstream "FAIL (logs in $results/downstream/)" $(($(now) - start)); fi
fi

# --- defects ------------------------------------------------------------------------------
if want defects; then
  banner "defects: scripts/defects.sh (quick)"
  start=$(now)
  rc=0
  scripts/defects.sh linux-i386-native --stress quick -j "$jobs" --results "$results/defects" || rc=$?
  # The defects whose code differs on Windows (PE asm, the TEB slot, FLS release,
  # TEB stack bounds) again in the arbitrary cell, where the nil-slot one applies.
  scripts/defects.sh windows-i386-wine-arbitrary --stress quick -j "$jobs" --results "$results/defects-windows" \
    --defect win_nil_tls_skipped --defect asm_clobbers_ebx --defect g0_sp_not_restored \
    --defect dropm_keeps_tls --defect bound_never_released --defect stale_stack_bounds || rc=$?
  if [[ $rc -eq 0 ]]; then record defects "PASS (every defect caught, control passed)" $(($(now) - start))
  else record defects "FAIL (see the tables above; logs in $results/defects*/)" $(($(now) - start)); fi
fi

# --- model --------------------------------------------------------------------------------
if want model; then
  banner "model: models/check.sh (spin)"
  start=$(now)
  if [[ ! -x models/check.sh ]]; then
    record model "FAIL (models/check.sh missing)" 0
  elif models/check.sh 2>&1 | tee "$results/model.log"; then
    record model PASS $(($(now) - start))
  else
    record model "FAIL (see $results/model.log)" $(($(now) - start))
  fi
fi

# --- summary ------------------------------------------------------------------------------------
{
  echo
  banner "test.sh summary"
  printf '%-12s %8s  %s\n' PHASE TIME RESULT
  total=0
  for p in "${order[@]}"; do
    printf '%-12s %8s  %s\n' "$p" "$(fmt_secs "${SECS[$p]}")" "${RESULT[$p]}"
    total=$((total + SECS[$p]))
  done
  echo "total $(fmt_secs "$total")"
} | tee "$results/test-summary.txt"
exit $failed
