#!/usr/bin/env bash
# run-matrix.sh, test.sh and downstream/run.sh: --help, --list, unknown cell,
# unknown option, reserved options, bad values. No CMake run; a second or two.
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

for opt in --bench --defects --dashboard; do
  rc=0; "$rm_" "$opt" >"$o" 2>&1 || rc=$?
  if [[ $rc -eq 2 && $(wc -l <"$o") -eq 1 ]] && grep -q "not available yet" "$o"; then
    pass "reserved option $opt: one line, exit 2"
  else
    fail "reserved option $opt: one line, exit 2" "exit $rc: $(tr '\n' '|' <"$o")"
  fi
done

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
