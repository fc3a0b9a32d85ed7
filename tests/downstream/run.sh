#!/usr/bin/env bash
# Build and test the downstream consumers: projects that use needm's toolchain
# files from outside, as another project would.
#
# Usage: tests/downstream/run.sh [options]
#
#   --mode MODE        toolchain | installed | all (default: all)
#                        toolchain: tests/downstream/toolchain-only, configured with
#                          nothing but -DCMAKE_TOOLCHAIN_FILE=toolchains/<file>
#                        installed: `cmake --install` of needm into a temporary prefix,
#                          then tests/downstream/installed with -DCMAKE_PREFIX_PATH=<prefix>
#                          -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/needm/toolchains/<file>
#   --os OS            linux | windows | all (default: all)
#   --work DIR         scratch folder (default: a new temporary folder, removed at the end)
#   --results DIR      copy each step's log there
#   -h, --help         this help
#
# The installed mode installs from the build trees of the linux-i386-qemu and
# windows-i386-wine cells (build/<cell>, as scripts/run-matrix.sh leaves them);
# a missing tree is configured and only the runtime library is built.
#
# Examples:
#   tests/downstream/run.sh                       both modes, both toolchains
#   tests/downstream/run.sh --mode toolchain --os windows
#
# Prints one PASS/FAIL line per consumer; exit code 1 when one failed.
set -euo pipefail

ME=downstream
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
here="$NEEDM_ROOT/tests/downstream"

usage() { print_usage "${BASH_SOURCE[0]}"; }
die() { echo "$ME: $*" >&2; exit 2; }

mode=all
oses=(linux windows)
work=""
results=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --mode) [[ $# -ge 2 ]] || die "--mode needs toolchain, installed or all"; mode=$2; shift 2 ;;
    --os) [[ $# -ge 2 ]] || die "--os needs linux, windows or all"
      case $2 in linux|windows) oses=("$2") ;; all) oses=(linux windows) ;; *) die "--os is '$2': use linux, windows or all" ;; esac
      shift 2 ;;
    --work) [[ $# -ge 2 ]] || die "--work needs a directory"; work=$2; shift 2 ;;
    --results) [[ $# -ge 2 ]] || die "--results needs a directory"; results=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
case $mode in toolchain) modes=(toolchain) ;; installed) modes=(installed) ;; all) modes=(toolchain installed) ;;
  *) die "--mode is '$mode': use toolchain, installed or all" ;; esac

keep_work=1
if [[ -z $work ]]; then work=$(mktemp -d /tmp/needm-downstream.XXXXXX); keep_work=0; fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [[ -n $results ]]; then mkdir -p "$results"; results=$(cd "$results" && pwd); fi

# Each Windows consumer's build tree has its own Wine prefix (the toolchain's
# default, made on first use by the wrapper); stop their wineservers at the end.
cleanup() {
  local p
  for p in "$work"/build-*/wineprefix; do
    [[ -d $p ]] && "$NEEDM_ROOT/toolchains/wine-i386.sh" --prefix "$p" --shutdown >/dev/null 2>&1
  done
  python3 "$NEEDM_LIB/procs.py" kill "$work" >/dev/null 2>&1 || true
  if [[ $keep_work -eq 0 ]]; then rm -rf "$work"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

toolchain_of() { if [[ $1 == linux ]]; then echo i686-linux-gnu.cmake; else echo i686-w64-mingw32.cmake; fi; }
cell_of() { if [[ $1 == linux ]]; then echo linux-i386-qemu; else echo windows-i386-wine; fi; }

# consumer NAME SOURCE_DIR TOOLCHAIN_FILE LOG [cmake args...]: configure, build, ctest.
consumer() {
  local src=$2 tc=$3 log=$4 bdir="$work/build-$1"
  shift 4
  rm -rf "$bdir"
  {
    echo "+ cmake -S $src -B $bdir -G Ninja -DCMAKE_TOOLCHAIN_FILE=$tc $*"
    cmake -S "$src" -B "$bdir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$tc" "$@" &&
      echo "+ cmake --build $bdir" && cmake --build "$bdir" &&
      echo "+ ctest --test-dir $bdir --output-on-failure" && ctest --test-dir "$bdir" --output-on-failure --no-tests=error
  } >"$log" 2>&1
}

# install_needm OS PREFIX LOG: cmake --install of the cell's build tree.
install_needm() {
  local os=$1 prefix=$2 log=$3 cell bdir
  cell=$(cell_of "$os")
  bdir=$(python3 "$NEEDM_LIB/cells.py" list | awk -F'\t' -v c="$cell" '$1 == c {print $4}')
  [[ -n $bdir ]] || { echo "no cell $cell in CMakePresets.json" >"$log"; return 1; }
  {
    if [[ ! -f "$bdir/CMakeCache.txt" ]]; then
      echo "+ cmake --preset $cell"; (cd "$NEEDM_ROOT" && cmake --preset "$cell") || return 1
    fi
    # Up to date after a run-matrix build: then this only checks.
    echo "+ cmake --build --preset $cell --target needm"
    (cd "$NEEDM_ROOT" && cmake --build --preset "$cell" --target needm) || return 1
    echo "+ cmake --install $bdir --prefix $prefix"
    cmake --install "$bdir" --prefix "$prefix"
  } >"$log" 2>&1
}

status=0
report() {  # report RESULT WHAT SECONDS LOG
  local result=$1 what=$2 secs=$3 log=$4
  echo "$result downstream $what ($(fmt_secs "$secs"))"
  if [[ $result == FAIL ]]; then
    status=1
    echo "$ME: last lines of $log:" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
  fi
  if [[ -n $results ]]; then cp "$log" "$results/"; fi
}

for m in "${modes[@]}"; do
  for os in "${oses[@]}"; do
    tcf=$(toolchain_of "$os")
    start=$(now)
    log="$work/$m-$os.log"
    banner "downstream: $m consumer, $os ($tcf)"
    if [[ $m == toolchain ]]; then
      if consumer "$m-$os" "$here/toolchain-only" "$NEEDM_ROOT/toolchains/$tcf" "$log"; then r=PASS; else r=FAIL; fi
      report $r "toolchain-only consumer, $os: configure + try_run + build + ctest with only $tcf" $(($(now) - start)) "$log"
    else
      prefix="$work/prefix-$os"
      ilog="$work/install-$os.log"
      if ! install_needm "$os" "$prefix" "$ilog"; then
        report FAIL "installed consumer, $os: cmake --install of needm" $(($(now) - start)) "$ilog"
        continue
      fi
      if consumer "$m-$os" "$here/installed" "$prefix/share/needm/toolchains/$tcf" "$log" \
           -DCMAKE_PREFIX_PATH="$prefix"; then r=PASS; else r=FAIL; fi
      report $r "installed consumer, $os: find_package(needm) + rt_callback from a foreign thread" $(($(now) - start)) "$log"
    fi
  done
done
exit $status
