#!/usr/bin/env bash
# Every test of every cell is registered with the cell's conventions
# (cmake/NeedmTest.cmake): a timeout, skip code 77, the environment for the
# reproduction line, the cell's emulator in front of the program, and under
# Wine the prefix fixtures. A test registered as a host script (COMMAND bash
# ...) runs the cell's program itself: it must get the runner in
# NEEDM_RUNNER_CMD. Configures each cell into a scratch folder (no build); a few
# seconds.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
o=$HT_TMP/out

while IFS=$'\t' read -r cell runner _os _bdir _desc; do
  b=$HT_TMP/$cell
  if ! cmake --preset "$cell" -B "$b" >"$o" 2>&1; then
    fail "$cell: configures" "$(tail -3 "$o" | tr '\n' '|')"
    continue
  fi
  ctest --test-dir "$b" --show-only=json-v1 >"$b/tests.json"
  rc=0
  python3 - "$b/tests.json" "$cell" "$runner" >"$o" 2>&1 <<'PY' || rc=$?
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
cell, runner = sys.argv[2], sys.argv[3]
bad, outside, scripts, ours = [], [], [], 0
for t in tests:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    name, cmd = t["name"], t.get("command", [])
    if not props.get("TIMEOUT") or float(props["TIMEOUT"]) <= 0:
        bad.append(f"{name}: no timeout")
    if name.startswith("wine.prefix."):
        continue
    env = props.get("ENVIRONMENT", [])
    if not any(e.startswith("NEEDM_TEST_TIMEOUT=") for e in env):
        outside.append(name)    # a plain add_test(): only the timeout is checked
        continue
    ours += 1
    for var in ("NEEDM_CELL=" + cell, "NEEDM_TEST_NAME=" + name, "NEEDM_EXPECT_RUNNER=", "NEEDM_RUNNER_CMD="):
        if not any(e.startswith(var) for e in env):
            bad.append(f"{name}: environment lacks {var}")
    if str(props.get("SKIP_RETURN_CODE")) != "77":
        bad.append(f"{name}: SKIP_RETURN_CODE is not 77")
    first = cmd[0] if cmd else ""
    want = {"qemu": "qemu-i386", "native": "run-native-i386.sh", "wine": "wine-i386.sh"}[runner]
    exe = next((e.split("=", 1)[1] for e in env if e.startswith("NEEDM_TEST_EXE=")), "")
    runner_cmd = next((e.split("=", 1)[1] for e in env if e.startswith("NEEDM_RUNNER_CMD=")), "")
    if first.rsplit("/", 1)[-1] == exe.rsplit("/", 1)[-1] and first.rsplit("/", 1)[-1] in ("bash", "sh"):
        # needm_register_test(COMMAND ...): a host script that runs the cell's
        # program itself, through the runner it gets in NEEDM_RUNNER_CMD.
        if want not in runner_cmd:
            bad.append(f"{name}: a host script, but NEEDM_RUNNER_CMD ({runner_cmd!r}) does not name {want}")
        scripts.append(name)
    elif not first.endswith(want):
        bad.append(f"{name}: runs as {first!r}, not through {want}")
    if runner == "wine" and "wine" not in props.get("FIXTURES_REQUIRED", []):
        bad.append(f"{name}: does not require the wine fixture")
print(f"{len(tests)} tests, {ours} through needm_add_test/needm_register_test")
print("outside: " + (" ".join(outside) or "none"))
print("scripts: " + (" ".join(scripts) or "none"))
for b in bad:
    print(b)
sys.exit(1 if bad or ours == 0 else 0)
PY
  if [[ $rc -eq 0 ]]; then
    pass "$cell: every test has a timeout; those of needm_add_test have skip code 77, the NEEDM_* environment and the $runner runner ($(head -1 "$o"))"
  else
    fail "$cell: every test is registered with the cell's conventions" "$(tr '\n' '|' <"$o")"
  fi
  # Plain add_test()s get only the timeout check: name them, so they are seen.
  awk -v c="$cell" '/^outside: / && $2 != "none" {sub(/^outside: /, ""); print "NOTE registration: " c ": registered with a plain add_test (no reproduction environment): " $0}' "$o"
done < <(python3 "$NEEDM_LIB/cells.py" list)
ht_finish
