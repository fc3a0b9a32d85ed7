#!/usr/bin/env bash
# summary.md and the differential diagnosis, on made-up cell folders (cell.json,
# junit.xml, failures.txt as run-matrix writes them) of a qemu, a native and a
# Wine cell: rows are scenarios and columns cells; "—" for a scenario a cell does
# not register, apart from "skip (reason)"; a scenario failing only under qemu
# (passing natively) and a skip naming an emulator defect are "emulator-only" with
# qemu's version and the evidence line; one failing in both is not; each failure
# has its seed and reproduction command (also a timeout's, the seed from the
# program's first line). ci/merge-results.py builds the same summary.md from the
# folders laid out as CI artifacts, marks an expected cell without results, and
# merges the cells' defects.sh tables. Under two seconds.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
r=$HT_TMP/results
o=$HT_TMP/out
mkdir -p "$r"

python3 - "$r" <<'PY'
import json, os, sys
r = sys.argv[1]
Q, N, W = "linux-i386-qemu", "linux-i386-native", "windows-i386-wine"
meta = {
    Q: dict(runner="qemu", os="linux", runs_under="qemu-i386 7.2.22", passed=2, failed=3, skipped=1, result="FAIL (tests)"),
    N: dict(runner="native", os="linux", runs_under="native", passed=5, failed=2, skipped=0, result="FAIL (tests)"),
    W: dict(runner="wine", os="windows", runs_under="wine-8.0", passed=1, failed=0, skipped=1, result="PASS"),
}
SKIP_EMU = ("SKIP: emulator defect: under qemu-i386 (this cell), 123 of 456 __thread reads returned another "
            "thread's value while 20000 signals were delivered: QEMU issue #1405 (fixed in QEMU 8.0)")
def ok(name, out="needm test: cell=x scale=quick seed=7\n"):
    return '<testcase name="%s" status="run"><system-out>%s</system-out></testcase>' % (name, out)
def failed(name, seed, line=True):
    out = "needm test: cell=x scale=quick seed=%s\n" % seed
    if line:
        out += ('needm: FAILED cell=x test=%s case="c" seed=%s; reproduce: NEEDM_SEED=%s NEEDM_STRESS=quick '
                '/usr/bin/qemu-i386 build/x/%s\n' % (name, seed, seed, name))
    return ('<testcase name="%s" status="fail"><failure message="Failed"/><system-out>%s</system-out></testcase>'
            % (name, out))
def skipped(name, why):
    return ('<testcase name="%s" status="notrun"><skipped message="SKIP_RETURN_CODE=77"/><system-out>%s\n'
            '</system-out></testcase>' % (name, why))
cases = {
    Q: [ok("platform_check"), failed("ft.emu_only", 4242), failed("ft.both", 11), ok("ft.native_only_fail"),
        skipped("ft.signals", SKIP_EMU), failed("ft.timeout_q", 99, line=False)],
    N: [ok("platform_check"), ok("ft.emu_only"), failed("ft.both", 12), failed("ft.native_only_fail", 13),
        ok("ft.signals"), ok("ft.timeout_q"), ok("bench.syscalls")],
    W: [ok("platform_check"), skipped("unit.win_tls_index", "SKIP: this cell keeps the M in FS:0x14")],
}
fails = {
    Q: ["ft.emu_only\tfailed\tNEEDM_SEED=4242 NEEDM_STRESS=quick /usr/bin/qemu-i386 build/x/ft.emu_only",
        "ft.both\tfailed\tNEEDM_SEED=11 NEEDM_STRESS=quick /usr/bin/qemu-i386 build/x/ft.both",
        "ft.timeout_q\ttimeout\tcd /b && NEEDM_CELL=linux-i386-qemu NEEDM_STRESS=quick NEEDM_SEED=99 /usr/bin/qemu-i386 /b/t"],
    N: ["ft.both\tfailed\tNEEDM_SEED=12 x", "ft.native_only_fail\tfailed\tNEEDM_SEED=13 y"],
    W: [],
}
for c in (Q, N, W):
    d = os.path.join(r, c)
    os.makedirs(d)
    m = dict(meta[c], cell=c, stress="quick", repeat="", tests_regex="", secs=12, started="2026-01-01T00:00:00Z",
             host="h", kernel="6.1", dashboard="", bench="", description=c)
    json.dump(m, open(os.path.join(d, "cell.json"), "w"))
    open(os.path.join(d, "junit.xml"), "w").write('<?xml version="1.0"?>\n<testsuite name="x">%s</testsuite>\n'
                                                  % "".join(cases[c]))
    open(os.path.join(d, "failures.txt"), "w").write("".join(l + "\n" for l in fails[c]))
    open(os.path.join(d, "test.log"), "w").write("")
PY

rc=0
python3 "$NEEDM_LIB/summary.py" markdown --results "$r" >"$o" 2>&1 || rc=$?
expect_rc "summary.py markdown: exit 0" 0 $rc
s=$r/summary.md
expect_grep "rows are scenarios, columns the cells in preset order" '^\| scenario \| linux-i386-qemu \| linux-i386-native \| windows-i386-wine \|$' "$s"
expect_grep "a passing scenario: pass in each cell" '^\| platform_check \| pass \| pass \| pass \|$' "$s"
expect_grep "fails only under qemu: FAIL, emulator-only with qemu's version" \
  '^\| ft\.emu_only \| \*\*FAIL\*\* \(failed\), \*emulator-only\*: qemu-i386 7\.2\.22 \[F[0-9]+\] \| pass \| — \|$' "$s"
expect_grep "fails in both Linux cells: FAIL, not emulator-only" '^\| ft\.both \| \*\*FAIL\*\* \(failed\) \[F[0-9]+\] \| \*\*FAIL\*\* \(failed\) \[F[0-9]+\] \| — \|$' "$s"
expect_grep "a skip naming QEMU issue #1405: emulator-only with the issue and the version" \
  '^\| ft\.signals \| skip \(QEMU #1405\), \*emulator-only\*: qemu-i386 7\.2\.22 \[S[0-9]+\] \| pass \| — \|$' "$s"
expect_grep "not registered (—) differs from skip (reason)" '^\| unit\.win_tls_index \| — \| — \| skip \(this cell keeps the M in FS:0x14\) \[S[0-9]+\] \|$' "$s"
expect_grep "a scenario only one cell registers" '^\| bench\.syscalls \| — \| pass \| — \|$' "$s"
expect_grep "differential table: the emulator-only failure with native's result and the evidence" \
  '^\| ft\.emu_only \| FAIL \(failed\), \*emulator-only\* \| linux-i386-native: pass \| `needm: FAILED .*seed=4242' "$s"
expect_grep "differential table: the emulator-defect skip with its SKIP line as evidence" \
  '^\| ft\.signals \| skip \(QEMU #1405\), \*emulator-only\* \| linux-i386-native: pass \| `SKIP: emulator defect: .*QEMU issue #1405' "$s"
expect_grep "failing in both: named as not an emulator defect" '^- linux-i386-qemu ft\.both: fails natively too \(linux-i386-native\): not an emulator defect' "$s"
expect_grep "failing only natively: named" '^- linux-i386-native ft\.native_only_fail: fails natively but passes under qemu-i386 7\.2\.22' "$s"
expect_grep "a failure's seed" '^- seed: 4242$' "$s"
expect_grep "a failure's exact reproduction command" '^- reproduce: `NEEDM_SEED=4242 NEEDM_STRESS=quick /usr/bin/qemu-i386 build/x/ft\.emu_only`$' "$s"
expect_grep "a timeout: the seed from the program's first line, and the command" '^### \[F[0-9]+\] linux-i386-qemu ft\.timeout_q \(timeout\)' "$s"
expect_grep "... its seed" '^- seed: 99$' "$s"
expect_grep "the skip's full reason in the list" '^- \[S[0-9]+\] linux-i386-qemu ft\.signals \(\*emulator-only\*, qemu-i386 7\.2\.22\): SKIP: emulator defect' "$s"
expect_grep "the console gets one EMULATOR-ONLY line per finding" '^EMULATOR-ONLY linux-i386-qemu ft\.emu_only: FAIL \(failed\) under qemu-i386 7\.2\.22; natively: linux-i386-native: pass' "$o"
n=$(grep -c '^EMULATOR-ONLY' "$o" || true)
if [[ $n -eq 3 ]]; then pass "exactly three emulator-only findings (two qemu-only failures, one a timeout, and the #1405 skip)"
else fail "exactly three emulator-only findings" "$n: $(tr '\n' '|' <"$o")"; fi

# --- the same summary from CI artifacts ------------------------------------------------------
a=$HT_TMP/artifacts
for c in linux-i386-qemu linux-i386-native windows-i386-wine; do
  mkdir -p "$a/results-$c"; cp -r "$r/$c" "$a/results-$c/"
done
rc=0
ci/merge-results.py --cells linux-i386-qemu,linux-i386-native,windows-i386-wine -o "$HT_TMP/merged" "$a" >"$o" 2>&1 || rc=$?
expect_rc "merge-results.py on artifact folders: exit 0" 0 $rc
if cmp -s "$s" "$HT_TMP/merged/summary.md"; then pass "merge-results.py writes the same summary.md as run-matrix's"
else fail "merge-results.py writes the same summary.md as run-matrix's" "$(diff "$s" "$HT_TMP/merged/summary.md" | head -c 800 | tr '\n' '|')"; fi
if [[ -s $HT_TMP/merged/linux-i386-qemu/junit.xml ]]; then pass "merged folder: the cells' folders copied (results/<cell>/)"
else fail "merged folder: the cells' folders copied" "$(ls "$HT_TMP/merged" | tr '\n' ' ')"; fi

# An expected cell whose job uploaded nothing; two jobs' defects.sh tables.
mkdir -p "$a/results-linux-i386-qemu/defects" "$a/results-linux-i386-native/defects"
printf 'aba_plain_cas\tlinux-i386-qemu\tft.churn,ft.reuse\n' >"$a/results-linux-i386-qemu/defects/defects.tsv"
printf 'aba_plain_cas\tlinux-i386-native\tNOT CAUGHT\n' >"$a/results-linux-i386-native/defects/defects.tsv"
rc=0; ci/merge-results.py -o "$HT_TMP/merged2" "$a" >"$o" 2>&1 || rc=$?
expect_rc "merge-results.py with a cell missing: exit 0" 0 $rc
m=$HT_TMP/merged2/summary.md
expect_grep "a cell without results is shown as NO RESULTS" '^\| windows-i386-wine-arbitrary \| \? \| - \| - \| - \| - \| NO RESULTS \|$' "$m"
expect_grep "... and its column says not run" '^\| platform_check \| pass \| pass \| pass \| not run \|$' "$m"
expect_grep "defects: the cells' tables merged, the verdict FAIL" '^\*\*FAIL: 1 defect/cell pair' "$m"
expect_grep "defects: a row per defect, a column per cell" '^\| aba_plain_cas \| caught by ft\.churn, ft\.reuse \| \*\*NOT CAUGHT\*\* \|$' "$m"
ht_finish
