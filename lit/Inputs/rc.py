#!/usr/bin/python3
"""Usage: rc.py COMMAND [ARGS...]

Runs COMMAND with the inherited stdin/stdout/stderr, then prints one line to
stdout: "rc=N" for an exit with status N, or "signal=NAME" when the command
was killed by a signal. Always exits 0, so a lit RUN line can FileCheck or diff
the exit status of a command that is expected to fail, or to crash.
"""
import signal
import subprocess
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__)
try:
    r = subprocess.run(sys.argv[1:])
except OSError as e:
    print("rc.py: cannot run %s: %s" % (sys.argv[1], e.strerror), flush=True)
    print("rc=exec-failed")
    sys.exit(0)
sys.stderr.flush()
if r.returncode < 0:
    try:
        name = signal.Signals(-r.returncode).name
    except ValueError:
        name = str(-r.returncode)
    print("signal=%s" % name)
else:
    print("rc=%d" % r.returncode)
