#!/usr/bin/env python3
"""with_sigint.py CMD [ARGS...]: exec CMD with SIGINT at its default disposition.

A script step launched in the background without job control (as some CI
runners launch steps) inherits SIGINT as ignored, and neither bash nor `set -m`
can undo a signal ignored on entry: a Ctrl-C test would then test nothing. This
puts the default back, as a terminal's shell does, and becomes CMD (same pid,
so `$!` of `with_sigint.py CMD &` is CMD's)."""
import os
import signal
import sys

if len(sys.argv) < 2:
    sys.exit("usage: with_sigint.py CMD [ARGS...]")
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
