#!/usr/bin/env bash
# scripts/run-matrix.sh --bench on one real cell (linux-i386-native, the fastest;
# linux-i386-qemu where this kernel cannot run i386 programs), its tests narrowed
# to platform_check (-R): the cell's benchmarks run after its build, results/bench.json
# holds a line per mode (the modes of bench/report.py), report.html exists and
# loads nothing from outside (no http:// or https:// src or href, no CSS url() or
# @import of one), the run prints the report's path and its "targets: N met,
# M missed" line, and summary.md has the benchmarks. Uses the cell's build tree
# (build/<cell>, built if needed: about a minute the first time; then ~15 s).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
results=$HT_TMP/results
o=$HT_TMP/out

cell=linux-i386-native
if ! why=$(ia32_probe); then
  echo "SKIP $HT_NAME: $cell: $why; using linux-i386-qemu"
  cell=linux-i386-qemu
fi
rc=0
scripts/run-matrix.sh --bench --stress quick -R '^platform_check$' --results "$results" "$cell" >"$o" 2>&1 || rc=$?
expect_rc "--bench on $cell: exit 0" 0 $rc
expect_grep "the benchmarks run after the cell's build and tests" "^== benchmarks of $cell " "$o"
expect_grep "the run prints the report's path and the targets line" \
  "^bench: report $results/report.html; targets: [0-9]+ met, [0-9]+ missed\$" "$o"

if [[ -s $results/bench.json && -s $results/$cell/bench.json ]]; then
  pass "results/bench.json and results/$cell/bench.json written"
else
  fail "results/bench.json and results/$cell/bench.json written" "$(ls "$results" "$results/$cell" 2>&1 | tr '\n' ' ')"
fi
rc=0
python3 - "$results/bench.json" "$cell" "$NEEDM_ROOT/bench/report.py" >"$HT_TMP/modes" 2>&1 <<'PY' || rc=$?
import ast, json, sys
path, cell, report = sys.argv[1:]
# The modes the report draws (bench/report.py's MODES), read without running it.
modes = next(ast.literal_eval(n.value) for n in ast.parse(open(report).read()).body
             if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "MODES")
rows = [json.loads(l) for l in open(path) if l.startswith("{")]
have = {r["mode"] for r in rows if r.get("bench") == "callback" and r.get("cell") == cell}
missing = [m for m in modes if m not in have]
print("modes %s; missing %s" % (",".join(modes), ",".join(missing) or "none"))
sys.exit(1 if missing or not modes else 0)
PY
if [[ $rc -eq 0 ]]; then pass "bench.json has a line per mode for $cell ($(cat "$HT_TMP/modes"))"
else fail "bench.json has a line per mode for $cell" "$(tr '\n' '|' <"$HT_TMP/modes")"; fi

r=$results/report.html
if [[ -s $r ]]; then
  pass "report.html exists"
  expect_no_grep "report.html: no external src or href" '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:)?//' "$r"
  expect_no_grep "report.html: no CSS url() or @import from outside" '(url\([[:space:]]*["'"'"']?[[:space:]]*(https?:)?//|@import)' "$r"
else
  fail "report.html exists" "$(ls "$results" | tr '\n' ' ')"
fi
expect_grep "summary.md has the benchmarks, with the targets line" '^bench.json .*targets: [0-9]+ met, [0-9]+ missed' "$results/summary.md"
expect_grep "summary.md: the cell's bench column" "^\| $cell \|.*\| [0-9]+ lines, [0-9ms]+ \|\$" "$results/summary.md"
ht_finish
