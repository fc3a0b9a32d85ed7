#!/usr/bin/env bash
# scripts/install-deps.sh with fake dpkg-query, dpkg, id, sudo and apt-get on
# PATH (shims that log their calls): --check, --print, install as root, as a
# user with and without sudo, the i386 architecture, idempotence. Under a second.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
script=$NEEDM_ROOT/scripts/install-deps.sh
shim=$HT_TMP/shim
log=$HT_TMP/calls.log
o=$HT_TMP/out
mkdir -p "$shim"
# FAKE_MISSING: packages reported as not installed; FAKE_ARCHS: foreign archs;
# FAKE_UID: id -u; FAKE_SUDO: ok | password (sudo -n fails) | none (no sudo).
cat >"$shim/dpkg-query" <<'SH'
#!/bin/bash
p=${!#}
for m in $FAKE_MISSING; do [[ $m == "$p" ]] && { echo "dpkg-query: no packages found matching $p" >&2; exit 1; }; done
printf 'ii '
SH
cat >"$shim/dpkg" <<'SH'
#!/bin/bash
echo "dpkg $*" >>"$FAKE_LOG"
[[ $1 == --print-foreign-architectures ]] && { for a in $FAKE_ARCHS; do echo "$a"; done; }
exit 0
SH
cat >"$shim/id" <<'SH'
#!/bin/bash
[[ $1 == -u ]] && { echo "$FAKE_UID"; exit 0; }
exec /usr/bin/id "$@"
SH
cat >"$shim/sudo" <<'SH'
#!/bin/bash
[[ $FAKE_SUDO == none ]] && { echo "sudo: not installed (fake)" >&2; exit 127; }
if [[ $1 == -n ]]; then [[ $FAKE_SUDO == ok ]]; exit; fi
echo "sudo $*" >>"$FAKE_LOG"
"$@"
SH
cat >"$shim/apt-get" <<'SH'
#!/bin/bash
echo "apt-get $*" >>"$FAKE_LOG"
SH
chmod +x "$shim"/*
base=$(path_without sudo)
run() {  # run ARGS... with the fakes; output in $o, calls in $log, exit code in $rc
  : >"$log"
  rc=0
  PATH="$shim:$base" FAKE_LOG=$log "$script" "$@" >"$o" 2>&1 || rc=$?
}

export FAKE_MISSING="" FAKE_ARCHS="i386" FAKE_UID=0 FAKE_SUDO=none
run --check
expect_rc "--check with everything present: exit 0" 0 $rc
expect_grep "--check with everything present: says nothing to do" 'all packages present, nothing to do' "$o"
run
expect_rc "install with everything present: exit 0" 0 $rc
if grep -q apt-get "$log"; then fail "install with everything present: apt-get not run" "$(tr '\n' '|' <"$log")"
else pass "install with everything present: apt-get not run (idempotent)"; fi

export FAKE_MISSING="qemu-user wine32:i386"
run --check
expect_rc "--check with qemu-user missing: exit 1" 1 $rc
expect_grep "--check lists exactly the missing packages" 'missing packages: qemu-user wine32:i386$' "$o"
expect_grep "--check prints the command that installs them" 'to install them: apt-get update && .*apt-get install -y --no-install-recommends qemu-user wine32:i386' "$o"
run --print
expect_rc "--print: exit 0" 0 $rc
expect_grep "--print: apt-get install of the missing packages only" '^DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-user wine32:i386$' "$o"
expect_no_grep "--print: no dpkg --add-architecture when i386 is enabled" 'add-architecture' "$o"
if grep -q 'apt-get' "$log"; then fail "--print runs nothing" "$(tr '\n' '|' <"$log")"; else pass "--print runs nothing"; fi

run
expect_rc "install as root: exit 0" 0 $rc
expect_grep "install as root: prints each command" 'install-deps: \+ env DEBIAN_FRONTEND=noninteractive apt-get install .* qemu-user wine32:i386' "$o"
expect_grep "install as root: apt-get update, then install of the missing ones" '^apt-get install -y -q --no-install-recommends qemu-user wine32:i386$' "$log"

export FAKE_ARCHS=""
run --print
expect_grep "i386 not enabled: dpkg --add-architecture i386 comes first" '^dpkg --add-architecture i386$' "$o"
run
expect_grep "i386 not enabled: install runs dpkg --add-architecture i386" '^dpkg --add-architecture i386$' "$log"

export FAKE_ARCHS="i386" FAKE_UID=1000 FAKE_SUDO=none
run
expect_rc "user without sudo: exit 1" 1 $rc
expect_lines "user without sudo: one line" 1 "$o"
expect_grep "user without sudo: prints the exact command to run as root" \
  'run as root: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-user wine32:i386$' "$o"
if grep -q 'apt-get' "$log"; then fail "user without sudo: nothing run" "$(tr '\n' '|' <"$log")"; else pass "user without sudo: nothing run"; fi
export FAKE_SUDO=password
run
expect_rc "user whose sudo wants a password: exit 1 with the command" 1 $rc
export FAKE_SUDO=ok
run
expect_rc "user with password-less sudo: exit 0" 0 $rc
expect_grep "user with password-less sudo: apt-get runs through sudo" '^sudo env DEBIAN_FRONTEND=noninteractive apt-get install' "$log"

run --bogus
expect_rc "unknown option: exit 2" 2 $rc
ht_finish
