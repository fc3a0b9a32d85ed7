# Helpers of the harness tests (sourced). Each check prints one line:
#   PASS <test>: <what>        or        FAIL <test>: <what> (<why>)
# and the test's exit code is 1 when any check failed.
# shellcheck shell=bash
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

# The scripts under test run as a user would run them, whatever the caller's
# mode: CI=true (which .ci/run sets) would make them install packages first and
# print lines the checks don't expect. Tests that want CI mode set it themselves.
unset CI

HT_NAME=$(basename "$0" .sh)
HT_FAILED=0
HT_TMP=$(mktemp -d "/tmp/needm-harness-$HT_NAME.XXXXXX")
HT_CLEANUPS=()
ht_cleanup() {
  local c
  for c in "${HT_CLEANUPS[@]}"; do eval "$c" || true; done
  rm -rf "$HT_TMP"
}
trap ht_cleanup EXIT

pass() { echo "PASS $HT_NAME: $1"; }
fail() { echo "FAIL $HT_NAME: $1${2:+ ($2)}"; HT_FAILED=1; }

# expect_rc WHAT EXPECTED ACTUAL
expect_rc() { if [[ $3 -eq $2 ]]; then pass "$1"; else fail "$1" "exit code $3, expected $2"; fi; }
# expect_grep WHAT PATTERN FILE: an extended regex must match a line of FILE.
expect_grep() {
  if grep -Eq -- "$2" "$3"; then pass "$1"; else fail "$1" "no line matches /$2/ in $3: $(head -c 600 "$3" | tr '\n' '|')"; fi
}
expect_no_grep() {
  if ! grep -Eq -- "$2" "$3"; then pass "$1"; else fail "$1" "unexpected: $(grep -Em1 -- "$2" "$3")"; fi
}
# expect_lines WHAT N FILE: FILE has exactly N lines.
expect_lines() {
  local n
  n=$(wc -l <"$3")
  if [[ $n -eq $2 ]]; then pass "$1"; else fail "$1" "$n lines, expected $2: $(head -c 600 "$3" | tr '\n' '|')"; fi
}
# expect_no_leftovers WHAT DIR...: no live process belongs to a DIR (scripts/lib/procs.py).
expect_no_leftovers() {
  local what=$1 out
  shift
  if out=$(python3 "$NEEDM_LIB/procs.py" list "$@"); then pass "$what"
  else fail "$what" "left behind: $(echo "$out" | tr '\n' '|')"; python3 "$NEEDM_LIB/procs.py" kill "$@" >/dev/null; fi
}

# A PATH without the named commands: a folder of links to everything else in
# /usr/local/bin and /usr/bin (one ln call each: fast).
path_without() {
  local dir x
  dir="$HT_TMP/path-without-$(echo "$*" | tr ' ' '-')"
  mkdir -p "$dir"
  shopt -s nullglob
  local local_bins=(/usr/local/bin/*)
  shopt -u nullglob
  [[ ${#local_bins[@]} -eq 0 ]] || ln -s "${local_bins[@]}" "$dir/" 2>/dev/null || true
  ln -s /usr/bin/* "$dir/" 2>/dev/null || true   # names already linked from /usr/local/bin stay
  for x in "$@"; do rm -f "$dir/$x"; done
  echo "$dir"
}

ht_finish() { exit "$HT_FAILED"; }
