#!/usr/bin/env bash
# The CI files agree with the cell list: ci/check-cells.py passes on this
# repository and FAILS, naming the file and the cell, on a copy where one cell
# was removed from each place in turn (CMakePresets.json, run-matrix's list, the
# GitHub matrix, the GitLab matrix) or one was added to a CI file. The CI files
# are yamllint-clean with ci/.yamllint (and that config does catch a problem),
# and the shell of their run:/script: blocks is shellcheck-clean. A few seconds.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NEEDM_ROOT"
o=$HT_TMP/out
check=$NEEDM_ROOT/ci/check-cells.py
ci_files=(ci/github/workflow.yml ci/gitlab-ci.yml ci/.yamllint)

rc=0; "$check" >"$o" 2>&1 || rc=$?
expect_rc "this repository: the presets, run-matrix --list and both CI files name the same cells" 0 $rc
expect_grep "... and says which lists it compared" '^check-cells: ok: [0-9]+ cells agree in CMakePresets.json, scripts/run-matrix.sh --list, ci/github/workflow.yml, ci/gitlab-ci.yml' "$o"

mapfile -t cells < <(python3 "$NEEDM_LIB/cells.py" names)
[[ ${#cells[@]} -ge 2 ]] || { fail "at least two cells in CMakePresets.json" "${cells[*]}"; ht_finish; }
pick() { echo "${cells[$(($1 % ${#cells[@]}))]}"; }

# fresh_copy: the files the checker reads, in a folder of their own.
fresh_copy() {
  local d=$HT_TMP/copy
  rm -rf "$d"; mkdir -p "$d"
  cp -r CMakePresets.json scripts ci "$d/"
  echo "$d"
}
# expect_caught WHAT CELL FILE-PATTERN COPY: the checker fails and names the cell and the file.
expect_caught() {
  local what=$1 cell=$2 file=$3 copy=$4 rc=0
  "$check" --root "$copy" >"$o" 2>&1 || rc=$?
  if [[ $rc -eq 1 ]] && grep -q -- "$file.*$cell\|$cell.*$file" "$o"; then
    pass "$what: the check fails, naming $cell and $file"
  else
    fail "$what: the check fails, naming $cell and $file" "exit $rc: $(tr '\n' '|' <"$o")"
  fi
}

# 1. a cell removed from CMakePresets.json (every preset of that name)
c=$(pick 3); d=$(fresh_copy)
python3 - "$d/CMakePresets.json" "$c" <<'PY'
import json, sys
path, cell = sys.argv[1], sys.argv[2]
p = json.load(open(path))
for k in ("configurePresets", "buildPresets", "testPresets", "workflowPresets"):
    p[k] = [x for x in p.get(k, []) if x["name"] != cell]
json.dump(p, open(path, "w"), indent=2)
PY
expect_caught "cell removed from CMakePresets.json" "$c" "CMakePresets.json" "$d"

# 2. a cell dropped from run-matrix's list (its --list loop skips it)
c=$(pick 1); d=$(fresh_copy)
if python3 - "$d/scripts/run-matrix.sh" "$c" <<'PY'
import sys
path, cell = sys.argv[1], sys.argv[2]
s = open(path).read()
old = 'for c in "${all[@]}"; do printf'
if s.count(old) != 1:
    sys.exit(1)
open(path, "w").write(s.replace(old, 'for c in "${all[@]}"; do [[ $c == %s ]] && continue; printf' % cell))
PY
then
  expect_caught "cell dropped from scripts/run-matrix.sh --list" "$c" "run-matrix.sh --list" "$d"
else
  fail "cell dropped from scripts/run-matrix.sh --list" "its --list loop changed: update this test's edit"
fi

# 3. and 4. a cell removed from each CI file's matrix
for entry in "2 ci/github/workflow.yml" "0 ci/gitlab-ci.yml"; do
  read -r n f <<<"$entry"
  c=$(pick "$n"); d=$(fresh_copy)
  sed -i "/^ *- $c\$/d" "$d/$f"
  if cmp -s "$f" "$d/$f"; then
    fail "cell $c removed from $f" "no line '- $c' in $f"
  else
    expect_caught "cell removed from $f" "$c" "$f" "$d"
  fi
done

# 5. a cell in a CI file that the presets do not define
d=$(fresh_copy)
sed -i "0,/^\( *\)- $(pick 0)\$/s//&\n\1- linux-i386-ghost/" "$d/ci/github/workflow.yml"
expect_caught "a cell only in ci/github/workflow.yml" "linux-i386-ghost" "ci/github/workflow.yml" "$d"

# 6. a cell job that no longer installs its packages
d=$(fresh_copy)
sed -i 's|scripts/install-deps.sh|true|' "$d/ci/gitlab-ci.yml"
rc=0; "$check" --root "$d" >"$o" 2>&1 || rc=$?
if [[ $rc -eq 1 ]] && grep -q "ci/gitlab-ci.yml: job 'cell' does not install its packages with scripts/install-deps.sh" "$o"; then
  pass "a cell job without scripts/install-deps.sh: the check fails"
else
  fail "a cell job without scripts/install-deps.sh: the check fails" "exit $rc: $(tr '\n' '|' <"$o")"
fi

# --- yamllint ---------------------------------------------------------------------------
if ! command -v yamllint >/dev/null 2>&1; then
  echo "SKIP $HT_NAME: yamllint not installed: apt-get install -y yamllint (or scripts/install-deps.sh)"
else
  rc=0; yamllint -f parsable -c ci/.yamllint "${ci_files[@]}" >"$o" 2>&1 || rc=$?
  if [[ $rc -eq 0 && ! -s $o ]]; then pass "yamllint -c ci/.yamllint: the CI files are clean (no error, no warning)"
  else fail "yamllint -c ci/.yamllint: the CI files are clean" "exit $rc: $(head -c 800 "$o" | tr '\n' '|')"; fi
  d=$(fresh_copy)
  printf 'jobs:\n  a:\n    x: 1\n    x: 2   \n' >"$d/bad.yml"
  rc=0; yamllint -f parsable -c ci/.yamllint "$d/bad.yml" >"$o" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]] && grep -q 'key-duplicates' "$o" && grep -q 'trailing-spaces' "$o"; then
    pass "ci/.yamllint catches a duplicate key and trailing spaces"
  else
    fail "ci/.yamllint catches a duplicate key and trailing spaces" "exit $rc: $(tr '\n' '|' <"$o")"
  fi
fi

# --- the shell inside the CI files --------------------------------------------------------
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "SKIP $HT_NAME: shellcheck not installed: apt-get install -y shellcheck"
else
  mkdir -p "$HT_TMP/sh"
  rc=0; python3 - "$HT_TMP/sh" <<'PY' >"$o" 2>&1 || rc=$?
import os, sys
try:
    import yaml
except ImportError:
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
out = sys.argv[1]
n = 0
def emit(name, shell, text):
    global n
    n += 1
    with open(os.path.join(out, "%02d-%s.sh" % (n, name)), "w") as f:
        f.write("#!/bin/%s\n# shellcheck disable=SC2016\n%s\n" % (shell, text))
gh = yaml.safe_load(open("ci/github/workflow.yml"))
for jname, job in gh["jobs"].items():
    for i, st in enumerate(job.get("steps", [])):
        if "run" in st:
            emit("github-%s-%d" % (jname, i), "bash", st["run"])
gl = yaml.safe_load(open("ci/gitlab-ci.yml"))
for jname, job in gl.items():
    if isinstance(job, dict) and "script" in job:
        emit("gitlab-" + jname, "sh", "\n".join(job["script"]))
print(n)
PY
  if [[ $rc -ne 0 ]]; then
    fail "the run:/script: blocks of the CI files can be extracted" "$(tr '\n' '|' <"$o")"
  elif shellcheck -S warning "$HT_TMP"/sh/*.sh >"$o" 2>&1; then
    pass "the shell of the CI files' run:/script: blocks is shellcheck-clean ($(find "$HT_TMP/sh" -name '*.sh' | wc -l) blocks)"
  else
    fail "the shell of the CI files' run:/script: blocks is shellcheck-clean" "$(head -c 1200 "$o" | tr '\n' '|')"
  fi
fi
ht_finish
