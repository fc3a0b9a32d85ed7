#!/usr/bin/env bash
# Install the Debian packages the needm matrix needs, and only those missing.
#
#   scripts/install-deps.sh            install what is missing (root, or sudo)
#   scripts/install-deps.sh --check    list what is missing; exit 1 if anything is
#   scripts/install-deps.sh --print    print the apt command that would run
#
# Idempotent: a second run finds nothing to do and says so. Needs Debian 12 (or a
# derivative with the same package names) and its package mirrors; nothing else
# is downloaded.
set -euo pipefail

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0"
}

mode=install
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --print) mode=print ;;
  -h|--help) usage; exit 0 ;;
  *) echo "install-deps: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

# Package -> why we need it. Host-architecture packages first, then the i386 ones
# (wine32 needs the i386 architecture enabled in dpkg).
pkgs_host=(
  cmake ninja-build              # build
  g++-i686-linux-gnu             # linux-i386-* cells (brings libc6-dev-i386-cross)
  g++-mingw-w64-i686-posix       # windows-i386-* cells (posix thread model: std::thread)
  mingw-w64-i686-dev
  qemu-user                      # linux-i386-qemu (qemu-i386)
  doctest-dev                    # the test framework (header only)
  wine                           # windows-i386-wine* (with wine32 below)
  spin                           # model checking of the extra-M protocol
  shellcheck yamllint            # harness lint tests
  strace gdb                     # syscall counts in benchmarks; CFI backtrace test
  python3                        # result merging and the HTML report
  procps psmisc                  # pgrep/pkill for the leftover-process checks
  curl                           # the CDash submission test's local endpoint client
  git ca-certificates
)
pkgs_i386=(wine32:i386)

# Strip the comments: keep only words that look like package names.
missing=()
for p in "${pkgs_host[@]}" "${pkgs_i386[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done

need_i386=0
if ! dpkg --print-foreign-architectures | grep -qx i386; then need_i386=1; fi

if [[ ${#missing[@]} -eq 0 && $need_i386 -eq 0 ]]; then
  echo "install-deps: all packages present, nothing to do"
  exit 0
fi

cmds=()
[[ $need_i386 -eq 1 ]] && cmds+=("dpkg --add-architecture i386")
cmds+=("apt-get update")
cmds+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}")

if [[ $mode == check ]]; then
  [[ $need_i386 -eq 1 ]] && echo "install-deps: dpkg architecture i386 not enabled (needed by wine32)"
  [[ ${#missing[@]} -gt 0 ]] && echo "install-deps: missing packages: ${missing[*]}"
  exit 1
fi
if [[ $mode == print ]]; then
  printf '%s\n' "${cmds[@]}"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "install-deps: need root to install: ${missing[*]}" >&2
    echo "install-deps: run as root: $(IFS='; '; echo "${cmds[*]}")" >&2
    exit 1
  fi
fi

echo "install-deps: missing: ${missing[*]}"
if [[ $need_i386 -eq 1 ]]; then
  echo "install-deps: + dpkg --add-architecture i386"
  "${sudo[@]}" dpkg --add-architecture i386
fi
echo "install-deps: + apt-get update"
"${sudo[@]}" apt-get update -q
echo "install-deps: + apt-get install -y --no-install-recommends ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
