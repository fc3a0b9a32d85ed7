#!/usr/bin/env bash
# run-matrix.sh, test.sh and downstream/run.sh: --help, --list, unknown cell,
# unknown option, bad values of --dashboard and --tests; --help and bad input of
# the ci/ scripts. No CMake run; a second or two.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
rm_=$NEEDM_ROOT/scripts/run-matrix.sh
o=$HT_TMP/out

rc=0; "$rm_" --help >"$o" 2>&1 || rc=$?
expect_rc "run-matrix --help exits 0" 0 $rc
expect_grep "run-matrix --help shows real examples" '^ *scripts/run-matrix.sh linux-i386-qemu windows-i386-wine' "$o"
expect_grep "run-matrix --help documents --install-deps and CI=true" 'install-deps.*CI=true' "$o"

rc=0; "$rm_" --list >"$o" 2>&1 || rc=$?
expect_rc "run-matrix --list exits 0" 0 $rc
mapfile -t want < <(cmake --list-presets=workflow 2>/dev/null | sed -n 's/^ *"\([^"]*\)".*/\1/p')
got=$(awk 'NR > 1 {print $1}' "$o" | tr '\n' ' ')
if [[ ${#want[@]} -gt 0 && "$got" == "$(printf '%s ' "${want[@]}")" ]]; then
  pass "run-matrix --list shows exactly the workflow presets, in order ($got)"
else
  fail "run-matrix --list shows exactly the workflow presets" "got '$got', cmake --list-presets=workflow says '${want[*]}'"
fi
expect_grep "run-matrix --list names qemu's version" 'linux-i386-qemu +qemu-i386 [0-9]' "$o"
expect_grep "run-matrix --list names wine's version" 'windows-i386-wine +wine-[0-9]' "$o"

rc=0; "$rm_" linux-i386-qemu no-such-cell >"$o" 2>&1 || rc=$?
expect_rc "unknown cell: exit 2" 2 $rc
expect_lines "unknown cell: one line" 1 "$o"
expect_grep "unknown cell: the line lists the valid cells" "unknown cell 'no-such-cell': valid cells are $(printf '%s, ' "${want[@]}" | sed 's/, $//')" "$o"

rc=0; "$rm_" --frobnicate >"$o" 2>&1 || rc=$?
expect_rc "unknown option: exit 2" 2 $rc
expect_lines "unknown option: one line" 1 "$o"
expect_grep "unknown option: points at --help" "unknown option '--frobnicate' \(try --help\)" "$o"

# --dashboard, --tests: bad values are one line and exit 2, before anything runs.
for bad in "--dashboard" "--dashboard ftp://example.invalid/submit" "--dashboard=cdash.example" "-R" "--tests"; do
  rc=0
  # shellcheck disable=SC2086 # split on purpose: option and value
  "$rm_" $bad >"$o" 2>&1 || rc=$?
  if [[ $rc -eq 2 && $(wc -l <"$o") -eq 1 ]] && grep -Eq "(http\(s\) URL|needs the CDash submit URL|needs a regular expression)" "$o"; then
    pass "bad '$bad': one line saying what to give, exit 2"
  else
    fail "bad '$bad': one line saying what to give, exit 2" "exit $rc: $(tr '\n' '|' <"$o")"
  fi
done
rc=0; "$rm_" --help >"$o" 2>&1 || rc=$?
for opt in --bench --defects --dashboard --tests; do
  expect_grep "run-matrix --help documents $opt" "^ +(-R, )?$opt" "$o"
done
expect_grep "run-matrix --help shows --bench with a real example" '^ *scripts/run-matrix.sh --bench ' "$o"
expect_grep "run-matrix --help shows --dashboard with a real example" "^ *scripts/run-matrix.sh --dashboard 'https://" "$o"
for s in ci/merge-results.py ci/check-cells.py; do
  rc=0; "$NEEDM_ROOT/$s" --help >"$o" 2>&1 || rc=$?
  expect_rc "$s --help exits 0" 0 $rc
  expect_grep "$s --help shows real examples" "^ +$s" "$o"
done
rc=0; "$NEEDM_ROOT/ci/merge-results.py" "$HT_TMP/nothing-here" >"$o" 2>&1 || rc=$?
expect_rc "merge-results.py on a missing folder: exit 2" 2 $rc
expect_lines "merge-results.py on a missing folder: one line" 1 "$o"
mkdir -p "$HT_TMP/empty"
rc=0; "$NEEDM_ROOT/ci/merge-results.py" "$HT_TMP/empty" >"$o" 2>&1 || rc=$?
expect_grep "merge-results.py on a folder without results: says where it looked, exit 2" "no cell results \(no cell.json\) under .*empty" "$o"

rc=0; "$rm_" --stress medium >"$o" 2>&1 || rc=$?
expect_rc "bad --stress: exit 2" 2 $rc
expect_grep "bad --stress names the valid scales" 'use quick, full or soak' "$o"
rc=0; "$rm_" -j 0 >"$o" 2>&1 || rc=$?
expect_rc "bad -j: exit 2" 2 $rc

rc=0; "$NEEDM_ROOT/scripts/test.sh" --help >"$o" 2>&1 || rc=$?
expect_rc "test.sh --help exits 0" 0 $rc
expect_grep "test.sh --help shows its use" '^ *scripts/test.sh' "$o"
rc=0; "$NEEDM_ROOT/scripts/test.sh" --bogus >"$o" 2>&1 || rc=$?
expect_rc "test.sh unknown option: exit 2" 2 $rc
rc=0; "$NEEDM_ROOT/tests/downstream/run.sh" --help >"$o" 2>&1 || rc=$?
expect_rc "downstream/run.sh --help exits 0" 0 $rc
ht_finish
