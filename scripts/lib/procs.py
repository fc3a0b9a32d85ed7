#!/usr/bin/env python3
"""Processes that belong to a build tree: emulators and test programs left behind.

  procs.py list DIR...   print "pid comm command" of each live process that belongs to a DIR
  procs.py kill DIR...   SIGKILL them (never this process or its ancestors); print what was killed

A process belongs to DIR when its executable lies under DIR (a test program run
natively), it is an emulator (qemu-*) with an argument under DIR, or its
environment has WINEPREFIX under DIR (Wine programs and the wineserver; the
wineserver also works in its prefix). Zombies are not counted: they are already
dead (only their parent can reap them). Exit code of list: 0 when none, 1 when some.
"""
import os
import signal
import sys


def read(path, binary=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data if binary else data.decode(errors="replace")
    except OSError:
        return b"" if binary else ""


def under(path, dirs):
    path = os.path.normpath(path)
    return any(path == d or path.startswith(d + os.sep) for d in dirs)


def ancestors():
    out, pid = set(), os.getpid()
    while pid > 1:
        out.add(pid)
        stat = read(f"/proc/{pid}/stat")
        try:
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        except (IndexError, ValueError):
            break
    return out


def belongs(pid, dirs):
    stat = read(f"/proc/{pid}/stat")
    if not stat:
        return None
    try:
        state = stat.rsplit(")", 1)[1].split()[0]
    except IndexError:
        return None
    if state == "Z":
        return None
    comm = read(f"/proc/{pid}/comm").strip()
    argv = [a.decode(errors="replace") for a in read(f"/proc/{pid}/cmdline", True).split(b"\0") if a]
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    env = read(f"/proc/{pid}/environ", True).split(b"\0")
    prefix = next((e[len(b"WINEPREFIX="):].decode(errors="replace") for e in env if e.startswith(b"WINEPREFIX=")), "")
    hit = (exe and under(exe, dirs)) \
        or (comm.startswith("qemu-") and any(under(a, dirs) for a in argv[1:] if a.startswith("/"))) \
        or (prefix and under(prefix, dirs))
    if not hit:
        return None
    return f"{pid} {comm} {' '.join(argv)}"


def main(argv):
    if len(argv) < 2 or argv[0] not in ("list", "kill"):
        sys.stderr.write(__doc__)
        return 2
    dirs = [os.path.normpath(os.path.abspath(d)) for d in argv[1:]]
    skip = ancestors()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in skip:
            continue
        desc = belongs(int(name), dirs)
        if desc:
            found.append((int(name), desc))
    for pid, desc in found:
        if argv[0] == "kill":
            try:
                os.kill(pid, signal.SIGKILL)
                print(f"killed {desc}")
            except OSError:
                pass
        else:
            print(desc)
    return 1 if (found and argv[0] == "list") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
