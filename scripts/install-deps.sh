#!/usr/bin/env bash
# Install the Debian packages the needm matrix needs, and only those missing.
#
# Usage: scripts/install-deps.sh [--check | --print]
#
#   (no option)   install what is missing (as root, or through sudo without a password)
#   --check       list what is missing; exit 1 if anything is, 0 if nothing
#   --print       print the commands that would install what is missing
#   -h, --help    this help
#
# Examples:
#   scripts/install-deps.sh --check && echo ready
#   sudo scripts/install-deps.sh
#
# Idempotent: a second run finds nothing to do and says so. It prints each
# command before running it. Needs Debian 12 (or a derivative with the same
# package names) and its package mirrors; nothing else is downloaded. As a
# non-root user without password-less sudo it prints the exact command to run
# as root and exits 1. scripts/run-matrix.sh and scripts/test.sh call it with
# --install-deps, and on their own when CI=true.
set -euo pipefail

me=install-deps
usage() { awk 'NR == 1 {next} /^#/ {sub(/^# ?/, ""); print; next} {exit}' "$0"; }

mode=install
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --print) mode=print ;;
  -h|--help) usage; exit 0 ;;
  *) echo "$me: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
[[ $# -le 1 ]] || { echo "$me: one option at most (try --help)" >&2; exit 2; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "$me: needs Debian's dpkg and apt-get; on another system install the packages listed in $0 by hand" >&2
  exit 1
fi

# The packages, and why. Host-architecture packages first, then the i386 one
# (wine32 needs the i386 architecture enabled in dpkg).
pkgs_host=(
  cmake ninja-build              # build (CMake 3.25: presets v6, workflow presets)
  g++-i686-linux-gnu             # linux-i386-* cells (brings libc6-dev-i386-cross)
  g++-mingw-w64-i686-posix       # windows-i386-* cells (posix thread model: std::thread)
  mingw-w64-i686-dev
  qemu-user                      # linux-i386-qemu (qemu-i386)
  doctest-dev                    # the test framework (header only)
  wine                           # windows-i386-wine* (with wine32 below)
  spin                           # model checking of the extra-M protocol
  shellcheck yamllint            # lint of the scripts
  strace gdb                     # syscall counts in benchmarks; CFI backtrace test
  python3                        # preset parsing, JUnit and process helpers of the scripts
  procps psmisc                  # ps/pgrep for the leftover-process checks
  curl                           # the CDash submission test's local endpoint client
  git ca-certificates
)
pkgs_i386=(wine32:i386)

missing=()
for p in "${pkgs_host[@]}" "${pkgs_i386[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done
need_i386=0
if ! dpkg --print-foreign-architectures | grep -qx i386; then need_i386=1; fi

if [[ ${#missing[@]} -eq 0 && $need_i386 -eq 0 ]]; then
  echo "$me: all packages present, nothing to do"
  exit 0
fi

cmds=()
[[ $need_i386 -eq 1 ]] && cmds+=("dpkg --add-architecture i386")
cmds+=("apt-get update")
[[ ${#missing[@]} -gt 0 ]] &&
  cmds+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}")
joined=$(printf '%s && ' "${cmds[@]}"); joined=${joined% && }

case $mode in
  check)
    [[ $need_i386 -eq 1 ]] && echo "$me: dpkg architecture i386 not enabled (needed by wine32)"
    [[ ${#missing[@]} -gt 0 ]] && echo "$me: missing packages: ${missing[*]}"
    echo "$me: to install them: $joined"
    exit 1 ;;
  print)
    printf '%s\n' "${cmds[@]}"
    exit 0 ;;
esac

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "$me: root needed to install ${missing[*]:-the i386 architecture}; run as root: $joined" >&2
    exit 1
  fi
fi

echo "$me: missing: ${missing[*]:-none}$([[ $need_i386 -eq 1 ]] && echo ", i386 architecture")"
run() { echo "$me: + ${sudo[*]:+${sudo[*]} }$*"; "${sudo[@]}" "$@"; }
if [[ $need_i386 -eq 1 ]]; then run dpkg --add-architecture i386; fi
run apt-get update -q
if [[ ${#missing[@]} -gt 0 ]]; then
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "$me: done"
