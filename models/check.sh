#!/usr/bin/env bash
# Model-check needm's extra-M protocol (models/extram.pml) with spin, and check that the
# model's references to the code still point at the code they name.
#
# Usage: models/check.sh [options]
#
#   --known-bugs     no effect (kept for old callers): the issues the model found are fixed,
#                    every row of the code must be proved; their old code is a negative control
#   --refs-only      only check the code references in models/*.pml and docs/model.md
#   --only NAMES     run only these rows (comma-separated names, see --list)
#   --list           list the rows (name, configuration, property, expectation) and exit
#   -j, --jobs N     verifications run in parallel (default: the number of CPUs)
#   --keep DIR       keep the work (models, pan sources, logs, trails) in DIR
#   -h, --help       this help
#
# Examples:
#   models/check.sh                    every row (what scripts/test.sh runs)
#   models/check.sh --only aba,golock  just two negative controls
#   models/check.sh --refs-only        after editing src/ or asm/: do the references still hold?
#
# Needs spin (Debian package spin), gcc and bash; nothing else. Each row compiles the
# model with its configuration (spin -a, gcc -O2) and runs pan: "safety" checks the
# assertions and invalid end states (pan), "assert" only the assertions (pan -E),
# "deadlock" only invalid end states (pan -A), "live" the LTL property getm, <> done
# (pan -a -A, no fairness assumption). Rows of the code (the model's defaults) are expected
# "proved"; negative controls (an old behaviour of the code switched back on, or a broken
# list) "violated". A row expected "proved" passes only when pan
# reports errors: 0 for a search that was not cut short (depth limit, memory); a row
# expected "violated" passes only when pan finds the error (and, where the row names
# one, the assertion it expects); its trail is replayed with spin -t -p and its steps
# counted. Prints a table; exit 0 when every row met its expectation and every
# reference holds, 1 otherwise, 2 on a usage error.
set -euo pipefail

ME=check.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "$ME: $*" >&2; exit 2; }

refs_only=0
only=""
list=0
jobs=$(nproc 2>/dev/null || echo 2)
keep=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --known-bugs) echo "$ME: --known-bugs has no effect: the issues are fixed, every row of the code must be proved" >&2; shift ;;
    --refs-only) refs_only=1; shift ;;
    --only) [[ $# -ge 2 ]] || die "--only needs row names (see --list)"; only=$2; shift 2 ;;
    --list) list=1; shift ;;
    -j|--jobs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive number"; jobs=$2; shift 2 ;;
    --keep) [[ $# -ge 2 ]] || die "--keep needs a directory"; keep=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done

# ---- the rows ----------------------------------------------------------------------------
# name | spin -D flags | mode | property | expected | assertion text the error must show | tuning
# The largest row comes first: rows start in this order, two at a time.
# Tuning: gcc flags (-O0 for rows that end in seconds at -O0: the build dominates; -DCOLLAPSE,
# lossless state compression, for the largest row) and pan flags (-wN, the hash table size);
# none changes what is explored. Default: gcc -O2.
# The code (the model's defaults: issues A-D fixed), in configurations that together combine
# every pair of features at full granularity (docs/model.md, "Configurations"):
C2S2="-DNT=2 -DNSIG=1 -DNSTOP=1"                          # 2 threads, a signal on each, the stopper
C3S1="-DNT=3 -DNSIG=1 -DNSIGT=1 -DNSTOP=0 -DPREALLOC=2"   # 3 threads, a signal on thread 0
ROWS=(
  "3t1s-stw|-DNT=3 -DNSIG=1 -DNSIGT=1 -DNSTOP=1 -DPREALLOC=2|safety|(1) (2) (3) (S) (W)|proved||-DCOLLAPSE -w26"
  "2t2s|$C2S2|safety|(1) (2) (3) (S) (W)|proved||"
  "2t2s|$C2S2|live|(4) every callback gets an M|proved||"
  "3t|-DNT=3 -DNSIG=0 -DNSTOP=1|safety|(1) (2) (3) (S) (W)|proved||-O1"
  "3t|-DNT=3 -DNSIG=0 -DNSTOP=1|live|(4) every callback gets an M|proved||-O1"
  "3t1s|$C3S1|safety|(1) (2) (3) (S)|proved||-O1"
  "cap1|-DNT=2 -DNSIG=0 -DNSTOP=1 -DCAP=1|safety|(1) (2) (3) (S) (W) at the cap|proved||-O0"
  "cap1|-DNT=2 -DNSIG=0 -DNSTOP=1 -DCAP=1|live|(4) every callback gets an M|proved||-O0"
  "cap2-sig|$C2S2 -DCAP=2|safety|(1) (2) (3) (S) (W) cap, signals|proved||"
  "3t-cap2|-DNT=3 -DNSIG=0 -DNSTOP=1 -DCAP=2|safety|(1) (2) (3) (S) (W) at the cap|proved||-O1"
  "3t-cap2|-DNT=3 -DNSIG=0 -DNSTOP=1 -DCAP=2|live|(4) every callback gets an M|proved||-O1"
# Negative controls: the old code of issues A-D, each in a configuration a row above proves
# for the code as it is, and the list's own controls (a)-(c).
  "old-alloc|$C2S2 -DOLD_ALLOC_GATE=1|deadlock|A: (3) no deadlock|violated||-O1"
  "old-reent|$C2S2 -DOLD_REENTRANT_GATE=1|assert|B: (W) no fn in a stopped world|violated|stopped|-O1"
  "old-capwait|$C2S2 -DCAP=2 -DOLD_CAP_WAIT=1|deadlock|C: (3) no deadlock at the cap|violated||-O0"
  "old-spare|-DNT=3 -DNSIG=0 -DNSTOP=0 -DOLD_SPARE_FLAG=1|assert|D: (S) spare invariant|violated|nfree+nowed|-O0"
  "aba|$C3S1 -DSPARE_CHECK=0 -DABA_PLAIN_CAS=1 -DNO_END_CHECK=1|assert|(a) (1) no M leased twice|violated|owner[|-O1"
  "golock|$C3S1 -DSPARE_CHECK=0 -DGO_LOCKED_LIST=1|deadlock|(b) (3) no deadlock|violated||-O0"
  "nogrow|$C3S1 -DNO_GROW=1|assert|(c) (S) spare invariant|violated|nfree+nowed|-O0"
  "nogrow|$C3S1 -DNO_GROW=1|live|(c) (4) every callback gets an M|proved||-O0"
)

field() { local IFS='|'; local -a f; read -r -a f <<<"$1"; echo "${f[$2]:-}"; }
expected_of() { field "$1" 4; }

if [[ $list -eq 1 ]]; then
  printf '%-12s %-9s %-36s %-9s %s\n' ROW MODE PROPERTY EXPECTED "CONFIGURATION [TUNING]"
  for r in "${ROWS[@]}"; do
    printf '%-12s %-9s %-36s %-9s %s\n' "$(field "$r" 0)" "$(field "$r" 2)" "$(field "$r" 3)" \
      "$(expected_of "$r")" "$(field "$r" 1)$( [[ -n $(field "$r" 6) ]] && echo " [$(field "$r" 6)]")"
  done
  exit 0
fi

# ---- references: FILE:LINE[-LINE] FUNCTION [TEXT] ------------------------------------------
# Each must name an existing file, lines inside FUNCTION's definition, and TEXT found on
# those lines. A function's definition: in C++ a line at column 0 naming FUNCTION( that is
# not a declaration, up to the next "}" at column 0; in assembly from "FUNCTION:" to
# ".size FUNCTION".
check_refs() {
  local bad=0 n=0 ref file range fn text lo hi def end
  local -a srcs=("$HERE"/*.pml)
  [[ -f $ROOT/docs/model.md ]] && srcs+=("$ROOT/docs/model.md")
  local re='(src|asm)/[A-Za-z0-9_./-]+:[0-9]+(-[0-9]+)? [A-Za-z_][A-Za-z0-9_]*( \[[^]]*\])?'
  while IFS= read -r ref; do
    n=$((n + 1))
    file=${ref%%:*}
    range=${ref#*:}; range=${range%% *}
    fn=${ref#* }; fn=${fn%% *}
    text=""
    [[ $ref == *" ["*"]" ]] && { text=${ref#*" ["}; text=${text%]}; }
    lo=${range%-*}; hi=${range#*-}
    if [[ -z $text ]]; then
      echo "  STALE $ref: no [text] to find on the cited lines"; bad=$((bad + 1)); continue
    fi
    if [[ ! -f $ROOT/$file ]]; then
      echo "  STALE $ref: no file $file"; bad=$((bad + 1)); continue
    fi
    if [[ $file == *.S ]]; then
      def=$(grep -n "^${fn}:" "$ROOT/$file" | head -1 | cut -d: -f1)
      end=$(grep -n "^[[:space:]]*\.size[[:space:]]*${fn}," "$ROOT/$file" | head -1 | cut -d: -f1)
    else
      def=$(awk -v fn="$fn" -v lo="$lo" '
        NR > lo { exit }
        /^[^ \t\/#}]/ && $0 ~ ("(^|[^A-Za-z0-9_])" fn "\\(") && $0 !~ /;[ \t]*$/ { d = NR }
        END { print d }' "$ROOT/$file")
      end=""
      [[ -n $def ]] && end=$(awk -v d="$def" '
        NR == d && /\{.*\}[ \t]*$/ { print NR; exit }
        NR > d && /^\}/ { print NR; exit }' "$ROOT/$file")
    fi
    if [[ -z $def || -z $end ]]; then
      echo "  STALE $ref: no definition of $fn at or before line $lo of $file"; bad=$((bad + 1)); continue
    fi
    if (( lo < def || hi > end || lo > hi )); then
      echo "  STALE $ref: $fn is lines $def-$end of $file"; bad=$((bad + 1)); continue
    fi
    if ! sed -n "${lo},${hi}p" "$ROOT/$file" | grep -qF -- "$text"; then
      echo "  STALE $ref: '$text' is not on $file:$lo-$hi"; bad=$((bad + 1)); continue
    fi
  done < <(grep -ohE "$re" "${srcs[@]}" | sort -u)
  if [[ $n -eq 0 ]]; then echo "  no references found: the check would prove nothing"; return 1; fi
  if [[ $bad -ne 0 ]]; then
    echo "references: $bad of $n distinct references are stale (fix the model's comments, then the model)"
    return 1
  fi
  echo "references: all $n distinct references point at the functions and text they name"
}

echo "== references (models/*.pml, docs/model.md -> src/, asm/)"
refs_ok=1
check_refs || refs_ok=0
if [[ $refs_only -eq 1 ]]; then
  [[ $refs_ok -eq 1 ]] && exit 0 || exit 1
fi

# ---- tools ----------------------------------------------------------------------------
for tool in spin gcc; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: apt-get install -y spin gcc (scripts/install-deps.sh installs both)"
done

# ---- the verifications ------------------------------------------------------------------
if [[ -n $keep ]]; then
  mkdir -p "$keep"; work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/needm-model.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

selected=()
for r in "${ROWS[@]}"; do
  name=$(field "$r" 0)
  if [[ -n $only ]]; then
    [[ ",$only," == *",$name,"* ]] || continue
  fi
  selected+=("$r")
done
[[ ${#selected[@]} -gt 0 ]] || die "no row matches --only '$only' (see --list)"

# One build per (row name, compile kind): safety-type modes share a pan without a claim.
build_key() {  # build_key ROW
  local mode; mode=$(field "$1" 2)
  if [[ $mode == live ]]; then echo "$(field "$1" 0).live"; else echo "$(field "$1" 0).safety"; fi
}

run_build() {  # run_build KEY ROW_INDEX...  (in the background)
  local key=$1; shift
  local dir="$work/$key" flags mode i r t0 t1 rc tok
  mkdir -p "$dir"
  cp "$HERE"/*.pml "$dir"/
  r=${selected[$1]}
  flags=$(field "$r" 1)
  mode=$(field "$r" 2)
  local -a fl cc=(-O2) pw=()
  read -r -a fl <<<"$flags"
  for tok in $(field "$r" 6); do
    case $tok in
      -O*) cc[0]=$tok ;;
      -D*) cc+=("$tok") ;;
      -w*) pw+=("$tok") ;;
    esac
  done
  (
    cd "$dir"
    t0=$(date +%s.%N)
    spin "${fl[@]}" -a extram.pml >spin-a.log 2>&1 || { echo "spin -a failed" >build.err; exit 0; }
    if [[ $mode == live ]]; then
      gcc -w "${cc[@]}" -DNOFAIR -o pan pan.c >gcc.log 2>&1 || { echo "gcc failed" >build.err; exit 0; }
    else
      gcc -w "${cc[@]}" -DSAFETY -DNOCLAIM -o pan pan.c >gcc.log 2>&1 || { echo "gcc failed" >build.err; exit 0; }
    fi
    t1=$(date +%s.%N)
    echo "$t0 $t1" >build.time
  )
  for i in "$@"; do
    r=${selected[$i]}
    mode=$(field "$r" 2)
    local -a opts
    case $mode in
      safety) opts=() ;;
      assert) opts=(-E) ;;
      deadlock) opts=(-A) ;;
      live) opts=(-a -A -N getm) ;;
    esac
    (
      cd "$dir"
      [[ -f build.err ]] && { echo "build" >"row$i.rc"; exit 0; }
      rm -f extram.pml.trail
      t0=$(date +%s.%N)
      rc=0
      ./pan -m20000 "${pw[@]}" "${opts[@]}" >"row$i.pan" 2>&1 || rc=$?
      t1=$(date +%s.%N)
      echo "$rc" >"row$i.rc"
      awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >"row$i.time"
      if [[ -f extram.pml.trail ]]; then
        cp extram.pml.trail "row$i.trail"
        spin "${fl[@]}" -t -p extram.pml >"row$i.replay" 2>&1 || true
      fi
    )
  done
}

echo "== verifications: ${#selected[@]} rows, $jobs in parallel, work in $work"
start=$(date +%s)
declare -A BUILD_ROWS=()
build_order=()
for i in "${!selected[@]}"; do
  k=$(build_key "${selected[$i]}")
  if [[ -z ${BUILD_ROWS[$k]+x} ]]; then build_order+=("$k"); BUILD_ROWS[$k]=""; fi
  BUILD_ROWS[$k]+=" $i"
done
# Largest first, so the long proofs start at once.
running=0
for k in "${build_order[@]}"; do
  # shellcheck disable=SC2086 # the row indexes are words
  run_build "$k" ${BUILD_ROWS[$k]} &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
total=$(( $(date +%s) - start ))

# ---- the table -------------------------------------------------------------------------
fail=0
printf '\n%-12s %-8s %-36s %-9s %-9s %11s %7s %7s %6s\n' ROW MODE PROPERTY EXPECTED RESULT STATES TIME MEM_MB TRAIL
for i in "${!selected[@]}"; do
  r=${selected[$i]}
  name=$(field "$r" 0); mode=$(field "$r" 2); prop=$(field "$r" 3); want=$(field "$r" 5)
  exp=$(expected_of "$r")
  dir="$work/$(build_key "$r")"
  out="$dir/row$i.pan"
  result="ERROR"; states="-"; secs="-"; trail="-"; note=""; mem="-"
  if [[ ! -f $dir/row$i.rc || $(cat "$dir/row$i.rc") == build ]]; then
    note="model did not build: see $dir/spin-a.log, $dir/gcc.log"
  else
    secs="$(cat "$dir/row$i.time")s"
    states=$(awk '/states, stored/ { print $1; exit }' "$out")
    mem=$(awk '/total actual memory usage/ { printf "%.0f", $1; exit }' "$out")
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$out" | head -1)
    if [[ -z $errors ]]; then
      result="ERROR"; note="no pan summary: see $out"
    elif [[ $errors -eq 0 ]] && grep -qE 'max search depth too small|Search not completed|out of memory|hash table is full' "$out"; then
      result="INCOMPLETE"; note="no error found, but the search was cut short: see $out"
    elif [[ $errors -eq 0 ]]; then
      result="proved"
      note="$(grep -m1 '^State-vector' "$out"), $states states stored, search complete (exhaustive)"
    else
      result="violated"
      if [[ -f $dir/row$i.replay ]]; then
        trail=$(grep -oE '^ *[0-9]+:' "$dir/row$i.replay" | tr -d ' :' | sort -un | wc -l)
      fi
      what=$(grep -m1 -E 'assertion violated|invalid end state|acceptance cycle' "$out" | sed 's/^pan:[0-9]*: *//; s/ (at depth.*//')
      note="$what"
      if [[ -n $want ]] && ! grep -m1 'assertion violated' "$out" | grep -qF -- "$want"; then
        result="violated?"; note="expected an assertion with '$want', got: $what"
      fi
    fi
  fi
  mark=""
  if [[ $result != "$exp" ]]; then mark="  <-- FAIL"; fail=1; fi
  printf '%-12s %-8s %-36s %-9s %-9s %11s %7s %7s %6s%s\n' "$name" "$mode" "$prop" "$exp" "$result" "$states" "$secs" "${mem:--}" "$trail" "$mark"
  [[ -n $note ]] && printf '%12s   %s\n' "" "$note"
done
echo
echo "total wall time: ${total}s (builds and runs, $jobs in parallel)"
if [[ $refs_ok -ne 1 ]]; then echo "FAIL: stale code references (see above)"; fail=1; fi
if [[ $fail -ne 0 ]]; then
  echo "FAIL: not every expectation holds"
  echo "(a row of the code found violated is a new issue: replay its trail with --keep DIR, see docs/model.md)"
  exit 1
fi
echo "PASS: every expectation holds"
