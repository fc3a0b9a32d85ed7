# Shared helpers of scripts/*.sh and tests/harness/*.sh (sourced, not run).
# shellcheck shell=bash

NEEDM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export NEEDM_LIB="$NEEDM_ROOT/scripts/lib"

# banner "building windows-i386-wine" -> "== building windows-i386-wine"
banner() { printf '== %s\n' "$*"; }

# Seconds since the epoch, for wall times.
now() { date +%s; }

# "1m05s" / "42s"
fmt_secs() {
  local s=$1
  if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# need_cmd COMMAND PACKAGE [WHO]: print one line and return 1 when COMMAND is
# missing. The line names the Debian package and the command that installs it.
need_cmd() {
  local cmd=$1 pkg=$2 who=${3:-}
  command -v "$cmd" >/dev/null 2>&1 && return 0
  echo "${ME:-needm}: $cmd not found${who:+ (needed by $who)}: install package $pkg: $(install_hint "$pkg")" >&2
  return 1
}

# need_file FILE PACKAGE [WHO]: the same for a file (e.g. a header).
need_file() {
  local file=$1 pkg=$2 who=${3:-}
  [[ -e "$file" ]] && return 0
  echo "${ME:-needm}: $file not found${who:+ (needed by $who)}: install package $pkg: $(install_hint "$pkg")" >&2
  return 1
}

install_hint() {
  case $1 in
    *:i386) echo "dpkg --add-architecture i386 && apt-get update && apt-get install -y $1 (or rerun with --install-deps)" ;;
    *) echo "apt-get install -y $1 (or rerun with --install-deps)" ;;
  esac
}

# The version strings of the emulators, for the summary table.
qemu_version() { qemu-i386 --version 2>/dev/null | sed -n '1s/.*version \([0-9][0-9.]*\).*/qemu-i386 \1/p'; }
wine_version() { wine --version 2>/dev/null | awk 'NR == 1 {print $1}'; }

# Can this kernel run i386 programs? Prints the reason and returns 1 when not.
# NEEDM_IA32_PROBE=yes|no overrides the probe (harness tests use it).
ia32_probe() {
  case ${NEEDM_IA32_PROBE:-} in
    yes) return 0 ;;
    no) echo "this kernel cannot run i386 programs (no IA32 emulation; NEEDM_IA32_PROBE=no)"; return 1 ;;
  esac
  local dir rc=0
  dir=$(mktemp -d)
  if ! printf 'int main(void){return 0;}\n' | i686-linux-gnu-gcc -static -x c - -o "$dir/probe" 2>/dev/null; then
    rm -rf "$dir"
    echo "cannot build the i386 probe program with i686-linux-gnu-gcc"
    return 1
  fi
  "$dir/probe" 2>/dev/null || rc=$?
  rm -rf "$dir"
  if [[ $rc -ne 0 ]]; then
    echo "this kernel cannot run i386 programs (no IA32 emulation: exec of a static i386 program failed, exit $rc)"
    return 1
  fi
}

# The comment block at the top of a script (after the #! line), as its --help.
print_usage() { awk 'NR == 1 {next} /^#/ {sub(/^# ?/, ""); print; next} {exit}' "$1"; }
