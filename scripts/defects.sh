#!/usr/bin/env bash
# Prove the suite: build the runtime with each named defect compiled in, run the
# test programs against it in each cell, and show which scenarios caught it.
# Every defect must be caught in every cell it applies to.
#
#   scripts/defects.sh [CELL...] [options]
#   (controls, correct variants built the same way, must pass: see --list)
#     CELL                 cells to use (default: every cell of CMakePresets.json)
#     --defect NAME        only this defect (repeatable; default: all)
#     --stress SCALE       NEEDM_STRESS for the runs (default: quick)
#     -j N                 parallel build and test jobs (default: nproc)
#     --results DIR        where the table and logs go (default: results/defects)
#     --list               list the defects and the cells they apply to, then exit
#     -h, --help           this text
#
# Examples:
#   scripts/defects.sh linux-i386-native                       # all defects, one cell
#   scripts/defects.sh --defect aba_plain_cas linux-i386-qemu   # one defect, one cell
#   scripts/defects.sh                                          # everything (slow)
#
# Each cell gets its own build tree, build/<cell>-defects (configured from the
# cell's preset with NEEDM_DEFECT_VARIANTS=ON). A defect that makes a program
# hang is caught by the program's watchdog (NEEDM_WATCHDOG_SECONDS, 20 s here)
# or CTest's timeout.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

usage() { sed -n '2,23s/^# \{0,1\}//p' "$0"; }

cells=() defects=() stress=quick jobs=$(nproc) results=results/defects list=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --defect) defects+=("${2:?--defect needs a name}"); shift 2 ;;
    --stress) stress=${2:?}; shift 2 ;;
    -j) jobs=${2:?}; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    --results) results=${2:?}; shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "defects.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) cells+=("$1"); shift ;;
  esac
done

mapfile -t all_cells < <(python3 -c 'import json; print("\n".join(p["name"] for p in json.load(open("CMakePresets.json"))["configurePresets"] if not p.get("hidden")))')
# The defect list lives in cmake/NeedmRuntime.cmake, with the controls: correct
# variants (the tagged pop with the widened race window of aba_plain_cas) that
# the suite must pass, showing it catches the defect, not the timing.
list_of() {
  python3 - "$1" <<'PY'
import re, sys
text = open("cmake/NeedmRuntime.cmake").read()
m = re.search(r"^set\(%s\s+([^)]*)\)" % re.escape(sys.argv[1]), text, re.M)
print("\n".join(m.group(1).split()) if m else "")
PY
}
mapfile -t all_defects < <(list_of NEEDM_DEFECTS_ALL)
mapfile -t all_controls < <(list_of NEEDM_CONTROLS_ALL)
is_control() { printf '%s\n' "${all_controls[@]}" | grep -qx "$1"; }
applies() { # defect cell -> 0 when the defect applies to the cell
  [[ $1 != win_nil_tls_skipped ]] || [[ $2 == *arbitrary* ]]
}

if [[ $list == 1 ]]; then
  for d in "${all_defects[@]}" "${all_controls[@]}"; do
    printf '%-22s' "$d"
    for c in "${all_cells[@]}"; do applies "$d" "$c" && printf ' %s' "$c"; done
    echo
  done
  exit 0
fi
[[ ${#cells[@]} -gt 0 ]] || cells=("${all_cells[@]}")
[[ ${#defects[@]} -gt 0 ]] || defects=("${all_defects[@]}" "${all_controls[@]}")
for c in "${cells[@]}"; do
  printf '%s\n' "${all_cells[@]}" | grep -qx "$c" || { echo "defects.sh: unknown cell '$c'; cells: ${all_cells[*]}" >&2; exit 2; }
done
for d in "${defects[@]}"; do
  printf '%s\n' "${all_defects[@]}" "${all_controls[@]}" | grep -qx "$d" || { echo "defects.sh: unknown defect '$d'; defects: ${all_defects[*]}; controls: ${all_controls[*]}" >&2; exit 2; }
done

mkdir -p "$results"
results=$(cd "$results" && pwd)
table="$results/defects.tsv"
: > "$table"
start=$(date +%s)
fail=0
for c in "${cells[@]}"; do
  tree="build/$c-defects"
  echo "== configuring $c with every defect variant ($tree)"
  wanted=$(IFS=';'; echo "${defects[*]}")
  cmake --preset "$c" -B "$tree" -DNEEDM_DEFECT_VARIANTS=ON -DNEEDM_DEFECT_LIST="$wanted" -DNEEDM_TEST_TIMEOUT=120 \
    >"$results/$c.configure.log" 2>&1 ||
    { echo "defects.sh: configure failed for $c: see $results/$c.configure.log" >&2; exit 1; }
  echo "== building $c defect programs"
  cmake --build "$tree" -j "$jobs" >"$results/$c.build.log" 2>&1 ||
    { echo "defects.sh: build failed for $c: see $results/$c.build.log" >&2; exit 1; }
  for d in "${defects[@]}"; do
    applies "$d" "$c" || { printf '%s\t%s\t%s\n' "$d" "$c" "n/a" >>"$table"; continue; }
    echo "== $c: running the suite against defect $d"
    junit="$results/$c.$d.junit.xml"
    set +e
    NEEDM_STRESS=$stress NEEDM_WATCHDOG_SECONDS=20 ctest --test-dir "$tree" -L "^defect:$d\$" -j "$jobs" \
      --output-junit "$junit" >"$results/$c.$d.log" 2>&1
    set -e
    caught=$(python3 - "$junit" "$d" <<'PY'
import sys, xml.etree.ElementTree as ET
junit, d = sys.argv[1], sys.argv[2]
prefix = "defect.%s." % d
names = []
for tc in ET.parse(junit).getroot().iter("testcase"):
    name = tc.get("name", "")
    status = tc.get("status", "")
    failed = tc.find("failure") is not None or tc.find("error") is not None or status in ("fail", "failed")
    if name.startswith(prefix) and failed:
        names.append(name[len(prefix):])
print(",".join(sorted(names)))
PY
)
    if is_control "$d"; then
      if [[ -z $caught ]]; then
        echo "   passed, as a correct runtime must"
        printf '%s\t%s\t%s\n' "$d" "$c" "passed (control)" >>"$table"
      else
        echo "   CONTROL FAILED: correct variant $d failed in cell $c: ${caught//,/, }; log: $results/$c.$d.log; reproduce: scripts/defects.sh --defect $d $c"
        printf '%s\t%s\t%s\n' "$d" "$c" "CONTROL FAILED: $caught" >>"$table"
        fail=1
      fi
    elif [[ -z $caught ]]; then
      echo "   NOT CAUGHT: defect $d in cell $c; log: $results/$c.$d.log; reproduce: scripts/defects.sh --defect $d $c"
      printf '%s\t%s\t%s\n' "$d" "$c" "NOT CAUGHT" >>"$table"
      fail=1
    else
      echo "   caught by: ${caught//,/, }"
      printf '%s\t%s\t%s\n' "$d" "$c" "$caught" >>"$table"
    fi
  done
done

echo
echo "== defect x cell: the scenarios that caught it (stress: $stress, $(( $(date +%s) - start )) s)"
python3 - "$table" <<'PY'
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
cells = list(dict.fromkeys(r[1] for r in rows))
by = collections.defaultdict(dict)
for d, c, v in rows:
    by[d][c] = v
w = max(len(d) for d in by) + 2
for d in by:
    print(d)
    for c in cells:
        v = by[d].get(c, "-")
        if v == "n/a":
            v = "does not apply"
        elif v not in ("NOT CAUGHT", "-") and not v.startswith(("passed", "CONTROL")):
            v = "%d program(s): %s" % (len(v.split(",")), v.replace(",", ", "))
        print("    %-30s %s" % (c, v))
PY
echo "table: $table"
if [[ $fail != 0 ]]; then
  echo "defects.sh: a defect was not caught, or a control failed (see above)" >&2
  exit 1
fi
echo "every defect was caught in every cell it applies to; every control passed"
