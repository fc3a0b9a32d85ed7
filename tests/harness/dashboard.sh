#!/usr/bin/env bash
# scripts/run-matrix.sh --dashboard URL submits each cell to CDash as a build
# named after the cell: a stand-in CDash (tests/harness/cdash_receiver.py) on
# 127.0.0.1 must receive, per cell, Configure.xml, Build.xml and a Test.xml whose
# BuildName is the cell, with the failed test marked failed; the results folder
# is the same as without --dashboard; an unreachable server is one DASHBOARD line
# and exit 1, the tests' verdicts unchanged. CTestConfig.cmake names the project
# needm and takes its URL from a variable. No outside network: a proxy that
# goes nowhere catches any request not for 127.0.0.1.
#
# It runs tests/harness/mini (the real toolchain files and cmake/NeedmTest.cmake,
# in cells under qemu-i386, native and Wine) rather than a real cell: the
# submission path is the same for any project, the mini cells build in seconds
# and include a failing and a timed-out test, and the check does not depend on
# the state of the runtime's own tests. About 30 s.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
export MINI_BUILD_ROOT=$HT_TMP/build MINI_HANG_TIMEOUT=2
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy=127.0.0.1,localhost
HT_CLEANUPS+=("python3 '$NEEDM_LIB/procs.py' kill '$MINI_BUILD_ROOT' >/dev/null")
results=$HT_TMP/results
o=$HT_TMP/out
recv=$HT_TMP/cdash

# --- CTestConfig.cmake ----------------------------------------------------------------
cat >"$HT_TMP/cfg.cmake" <<EOF
include("$NEEDM_ROOT/CTestConfig.cmake")
message("project=\${CTEST_PROJECT_NAME} url=\${CTEST_SUBMIT_URL}")
EOF
cmake -P "$HT_TMP/cfg.cmake" >"$o" 2>&1 || true
expect_grep "CTestConfig.cmake: project needm, a default submit URL for it" '^project=needm url=https?://.*project=needm' "$o"
NEEDM_CDASH_URL=http://127.0.0.1:1/from-env cmake -P "$HT_TMP/cfg.cmake" >"$o" 2>&1 || true
expect_grep "CTestConfig.cmake: the URL from NEEDM_CDASH_URL" '^project=needm url=http://127.0.0.1:1/from-env$' "$o"
NEEDM_CDASH_URL=http://127.0.0.1:1/from-env cmake -DCTEST_SUBMIT_URL=http://127.0.0.1:2/from-var -P "$HT_TMP/cfg.cmake" >"$o" 2>&1 || true
expect_grep "CTestConfig.cmake: -DCTEST_SUBMIT_URL wins" '^project=needm url=http://127.0.0.1:2/from-var$' "$o"
cat >"$HT_TMP/bn.cmake" <<EOF
include("$NEEDM_ROOT/CTestConfig.cmake")
message("buildname=\${BUILDNAME}")
EOF
cmake -DNEEDM_CELL=linux-i386-qemu -P "$HT_TMP/bn.cmake" >"$o" 2>&1 || true
expect_grep "CTestConfig.cmake: ctest -D Experimental in a cell's tree names the build after the cell" '^buildname=linux-i386-qemu$' "$o"

# --- the stand-in CDash -----------------------------------------------------------------
python3 tests/harness/cdash_receiver.py --dir "$recv" --port-file "$HT_TMP/port" >"$HT_TMP/receiver.log" 2>&1 &
rpid=$!
HT_CLEANUPS+=("kill $rpid 2>/dev/null")
for _ in $(seq 50); do [[ -s $HT_TMP/port ]] && break; sleep 0.1; done
if [[ ! -s $HT_TMP/port ]]; then fail "the stand-in CDash listens on 127.0.0.1" "$(cat "$HT_TMP/receiver.log")"; ht_finish; fi
url="http://127.0.0.1:$(cat "$HT_TMP/port")/submit.php?project=needm"

cells=(mini-qemu mini-native mini-wine)
if ! why=$(ia32_probe); then
  echo "SKIP $HT_NAME: mini-native: $why"
  cells=(mini-qemu mini-wine)
fi
rc=0
MINI_SCENARIO=bad scripts/run-matrix.sh --source tests/harness/mini --results "$results" --stress quick \
  --dashboard "$url" "${cells[@]}" >"$o" 2>&1 || rc=$?
expect_rc "cells with failing tests, submitted: exit 1 (the tests' verdict)" 1 $rc
sub=$recv/submissions.jsonl
touch "$sub"
for c in "${cells[@]}"; do
  for part in Configure Build Test; do
    if python3 - "$sub" "$c" "$part" <<'PY'
import json, sys
path, cell, part = sys.argv[1:]
recs = [json.loads(l) for l in open(path) if l.strip()]
ok = [r for r in recs if r["part"] == part and r["build"] == cell and r["xml_build_name"] == cell
      and r["md5_ok"] and r["method"] in ("PUT", "POST") and r["file"].endswith(part + ".xml")]
sys.exit(0 if ok else 1)
PY
    then pass "$c: $part.xml arrived, build name $c (in the request and in the XML), MD5 right"
    else fail "$c: $part.xml arrived, build name $c" "$(grep -c . "$sub") submissions: $(tr '\n' '|' <"$sub" | head -c 900)"; fi
  done
  f=$(grep -l "BuildName=\"$c\"" "$recv"/files/*Test.xml 2>/dev/null | head -n1 || true)
  if [[ -n $f ]] && python3 - "$f" <<'PY'
import sys, xml.etree.ElementTree as ET
st = {t.findtext("Name"): t.get("Status") for t in ET.parse(sys.argv[1]).getroot().iter("Test") if t.findtext("Name")}
sys.exit(0 if st.get("fails") == "failed" and st.get("passes") == "passed" and st.get("hangs") == "failed" else 1)
PY
  then pass "$c: Test.xml marks passes passed, fails and hangs failed"
  else fail "$c: Test.xml marks passes passed, fails and hangs failed" "${f:-no Test.xml with BuildName=$c}"; fi
  if [[ -s $results/$c/junit.xml && -s $results/$c/test.log && -s $results/$c/LastTest.log && -s $results/$c/cell.json ]]; then
    pass "$c: results/$c has junit.xml, the logs and cell.json, as without --dashboard"
  else
    fail "$c: results/$c has junit.xml, the logs and cell.json" "$(ls "$results/$c" | tr '\n' ' ')"
  fi
  for want in "fails \(failed\): reproduce: NEEDM_SEED=1 " "hangs \(timeout\): reproduce: cd "; do
    if grep -Eq "^FAILED $c $want" "$o"; then pass "$c: the line of ${want%% *} as without --dashboard: ${want//\\/}"
    else fail "$c: the line of ${want%% *} as without --dashboard: ${want//\\/}" "got: $(grep -E "^FAILED $c |Test +#[0-9]+: ${want%% *} " "$o" | tr '\n' '|')"; fi
  done
  expect_grep "$c: summary.md notes the submission" "^\| $c \|.*\| submitted \|\$" "$results/summary.md"
done
expect_no_grep "no DASHBOARD failure line" '^DASHBOARD ' "$o"
expect_no_leftovers "no emulator, test program or wineserver left" "$MINI_BUILD_ROOT"

# --- an unreachable dashboard ---------------------------------------------------------------
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
NEEDM_CDASH_RETRIES=0 MINI_SCENARIO=ok scripts/run-matrix.sh --source tests/harness/mini --results "$results" \
  --stress quick --dashboard "http://127.0.0.1:$closed/submit.php?project=needm" mini-qemu >"$o" 2>&1 || rc=$?
expect_rc "unreachable dashboard: exit 1" 1 $rc
expect_grep "unreachable dashboard: one DASHBOARD line naming the cell and the URL" \
  "^DASHBOARD mini-qemu: FAILED \(configure part: submission to http://127.0.0.1:$closed/[^ ]* failed" "$o"
expect_grep "unreachable dashboard: the cell's tests still PASS" '^mini-qemu +qemu-i386 [0-9.]+ +1 +0 +1 +[0-9ms]+ +PASS$' "$o"
expect_grep "unreachable dashboard: the last line says what failed" '^run-matrix: failed besides the tests: dashboard mini-qemu' "$o"
ht_finish
