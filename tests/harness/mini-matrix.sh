#!/usr/bin/env bash
# scripts/run-matrix.sh end to end on tests/harness/mini (the cells' toolchains
# and cmake/NeedmTest.cmake, with tests that pass, skip, fail and hang on
# purpose) under qemu-i386, natively and under Wine: per failed test one line
# with cell, test and reproduction command (the program's own "needm: FAILED"
# line, or one built from CTest's command for a timeout); skips with their
# reason; the summary table; JUnit per cell; exit 1; a hung qemu-i386, native
# program or Wine program is killed with its whole tree and no wineserver is
# left; summary.md after every run (also of one cell), the same as what
# ci/merge-results.py makes of the cells' folders. About 30 s.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
export MINI_BUILD_ROOT=$HT_TMP/build
results=$HT_TMP/results
o=$HT_TMP/out
HT_CLEANUPS+=("python3 '$NEEDM_LIB/procs.py' kill '$MINI_BUILD_ROOT' >/dev/null")

cells=(mini-qemu mini-native mini-wine)
if ! why=$(ia32_probe); then
  echo "SKIP $HT_NAME: mini-native: $why"
  cells=(mini-qemu mini-wine)
fi
rc=0
MINI_SCENARIO=bad scripts/run-matrix.sh --source tests/harness/mini --results "$results" \
  --stress quick "${cells[@]}" >"$o" 2>&1 || rc=$?
expect_rc "a cell with failing tests: exit 1" 1 $rc
for c in "${cells[@]}"; do
  expect_grep "$c: phase banners" "^== building $c\$" "$o"
  expect_grep "$c: the failed test's line names cell and test and gives the program's reproduction command" \
    "^FAILED $c fails \(failed\): reproduce: NEEDM_SEED=1 .* mini\$" "$o"
  expect_grep "$c: the hung test is named, as a timeout, with a command that reruns it" \
    "^FAILED $c hangs \(timeout\): reproduce: cd $MINI_BUILD_ROOT/$c && NEEDM_CELL=$c NEEDM_TEST_NAME=hangs .* NEEDM_STRESS=quick .*mini(\.exe)?\$" "$o"
  expect_grep "$c: the skipped test is listed with its reason" "^SKIPPED $c skips: SKIP: mini skips on purpose" "$o"
  expect_grep "$c: summary row: passed, failed, skipped counted apart, FAIL" \
    "^$c +[^ ].* +[0-9]+ +2 +1 +[0-9ms]+ +FAIL \(tests\)\$" "$o"
  if [[ -s $results/$c/junit.xml && -s $results/$c/test.log && -s $results/$c/LastTest.log && -s $results/$c/build.log ]]; then
    pass "$c: results/$c has junit.xml and the logs"
  else
    fail "$c: results/$c has junit.xml and the logs" "$(ls "$results/$c" | tr '\n' ' ')"
  fi
done
expect_grep "the qemu cell's row names qemu-i386 and its version" '^mini-qemu +qemu-i386 [0-9]+\.[0-9]+' "$o"
expect_grep "the Wine cell's row names Wine's version" '^mini-wine +wine-[0-9]' "$o"
expect_grep "the Wine cell ran its prefix fixtures (setup passed: 3 passed)" '^mini-wine +wine-[0-9.]+ +3 +2 +1 ' "$o"
expect_no_leftovers "no qemu-i386, test program, Wine program or wineserver left after the run" "$MINI_BUILD_ROOT"

# summary.md: cell x scenario, each failure with its seed and command; the same
# file from the folders laid out as CI artifacts (ci/merge-results.py).
s=$results/summary.md
expect_grep "the run ends with the path of summary.md" "^summary: $results/summary.md\$" "$o"
expect_grep "summary.md: a column per cell" "^\| scenario \| $(printf '%s \\| ' "${cells[@]}")*\$" "$s"
expect_grep "summary.md: the skip with its reason in every cell" '^\| skips \| skip \(mini skips on purpose\) \[S[0-9]+\] \|' "$s"
expect_grep "summary.md: the failure's seed" '^- seed: 1$' "$s"
expect_grep "summary.md: the failure's reproduction command" '^- reproduce: `NEEDM_SEED=1 .*mini`$' "$s"
expect_grep "summary.md: the timeout's reproduction command" "^- reproduce: \`cd $MINI_BUILD_ROOT/mini-qemu && NEEDM_CELL=mini-qemu NEEDM_TEST_NAME=hangs " "$s"
for c in "${cells[@]}"; do
  [[ -s $results/$c/cell.json ]] && pass "$c: cell.json written" || fail "$c: cell.json written" "$(ls "$results/$c" | tr '\n' ' ')"
  mkdir -p "$HT_TMP/artifacts/results-$c"; cp -r "$results/$c" "$HT_TMP/artifacts/results-$c/"
done
rc=0
ci/merge-results.py --presets tests/harness/mini/CMakePresets.json --cells "$(IFS=,; echo "${cells[*]}")" \
  -o "$HT_TMP/merged" "$HT_TMP/artifacts" >"$HT_TMP/merge.out" 2>&1 || rc=$?
if [[ $rc -eq 0 ]] && cmp -s "$s" "$HT_TMP/merged/summary.md"; then
  pass "ci/merge-results.py builds the same summary.md from the cells' folders as CI artifacts"
else
  fail "ci/merge-results.py builds the same summary.md from the cells' folders" \
    "exit $rc: $(cat "$HT_TMP/merge.out"; diff "$s" "$HT_TMP/merged/summary.md" 2>&1 | head -c 600 | tr '\n' '|')"
fi

# A passing run: exit 0, PASS rows, a skipped test is still shown as skipped.
rc=0
MINI_SCENARIO=ok scripts/run-matrix.sh --source tests/harness/mini --results "$results" --stress quick \
  mini-qemu >"$o" 2>&1 || rc=$?
expect_rc "every cell passes: exit 0" 0 $rc
expect_grep "passing cell: PASS row with 1 passed, 0 failed, 1 skipped" '^mini-qemu +qemu-i386 [0-9.]+ +1 +0 +1 +[0-9ms]+ +PASS$' "$o"
expect_grep "passing cell: the skip is still listed with its reason" '^SKIPPED mini-qemu skips: SKIP: mini skips on purpose' "$o"
expect_grep "one cell: summary.md is rewritten for this run, one column" '^\| scenario \| mini-qemu \|$' "$results/summary.md"
expect_grep "one cell: its row in summary.md" '^\| mini-qemu \| qemu-i386 [0-9.]+ \| 1 \| 0 \| 1 \| [0-9ms]+ \| PASS \|$' "$results/summary.md"

# --repeat: ctest --repeat until-fail:N reaches ctest.
rc=0
MINI_SCENARIO=ok scripts/run-matrix.sh --source tests/harness/mini --results "$results" --stress quick \
  --repeat 3 mini-qemu >"$o" 2>&1 || rc=$?
expect_rc "--repeat 3 on a passing cell: exit 0" 0 $rc
expect_grep "--repeat 3 is shown in the test banner" '^== testing mini-qemu \(NEEDM_STRESS=quick, -j [0-9]+, --repeat until-fail:3\)' "$o"
n=$(grep -c 'Start [0-9]*: passes$' "$results/mini-qemu/test.log" || true)
if [[ $n -eq 3 ]]; then pass "--repeat 3 reaches ctest: the passing test ran 3 times"
else fail "--repeat 3 reaches ctest: the passing test ran 3 times" "$n runs"; fi
ht_finish
