#!/usr/bin/env bash
# CMakePresets.json is the single cell list: every cell (workflow preset) has a
# configure, build and test preset of its name, says where its programs must run
# (NEEDM_EXPECT_RUNNER, matching its OS), and the check that enforces this
# catches a broken file. Under a second.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
o=$HT_TMP/out
cells=$NEEDM_LIB/cells.py

rc=0; python3 "$cells" check >"$o" 2>&1 || rc=$?
expect_rc "CMakePresets.json: every cell has configure, build, test and workflow presets" 0 $rc

# NEEDM_EXPECT_RUNNER of each cell, merged through "inherits".
python3 - "$NEEDM_ROOT/CMakePresets.json" >"$o" 2>&1 <<'PY' || true
import json, sys
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[1].rsplit("/", 1)[0] + "/scripts/lib")
import cells
p = json.load(open(sys.argv[1]))
for c in cells.cells(p, sys.argv[1].rsplit("/", 1)[0]):
    want_os = {"qemu": "linux", "native": "linux", "wine": "windows"}.get(c["expect"], "none")
    print(c["name"], c["expect"] or "(unset)", c["os"], "ok" if want_os == c["os"] else "MISMATCH")
PY
if grep -q 'ok$' "$o" && ! grep -qv 'ok$' "$o"; then
  pass "every cell sets NEEDM_EXPECT_RUNNER to a runner of its OS ($(awk '{printf "%s=%s ", $1, $2}' "$o"))"
else
  fail "every cell sets NEEDM_EXPECT_RUNNER to a runner of its OS" "$(tr '\n' '|' <"$o")"
fi

python3 - "$NEEDM_ROOT/CMakePresets.json" "$HT_TMP/CMakePresets.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["testPresets"] = [t for t in p["testPresets"] if t["name"] != "windows-i386-wine"]
json.dump(p, open(sys.argv[2], "w"))
PY
rc=0; python3 "$cells" --presets "$HT_TMP/CMakePresets.json" check >"$o" 2>&1 || rc=$?
expect_rc "a cell without its test preset: the check fails" 1 $rc
expect_grep "... naming the cell and what is missing" 'cell windows-i386-wine: no test preset of that name' "$o"
ht_finish
