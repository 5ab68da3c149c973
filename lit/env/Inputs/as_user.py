#!/usr/bin/python3
"""Usage: as_user.py USER PROG

Runs PROG as USER (setpriv), with LD_LIBRARY_PATH=<dir of PROG>/hostile,
LD_PRELOAD=<dir of PROG>/hostile/libevil.so and TMPDIR=/tmp/x, four times: plainly and
with fd 2, fd 1, fd 0 closed before exec. Prints "== CASE", the program's output, "rc=N".
"""
import os
import subprocess
import sys

user, prog = sys.argv[1], sys.argv[2]
d = os.path.dirname(os.path.abspath(prog))
env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LD_LIBRARY_PATH": d + "/hostile",
       "LD_PRELOAD": d + "/hostile/libevil.so", "TMPDIR": "/tmp/x"}
base = ["setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups", "--"]
for name, redirect in (("plain", ""), ("fd 2 closed", "exec 2>&-; "),
                       ("fd 1 closed", "exec 1>&-; "), ("fd 0 closed", "exec 0<&-; ")):
    print("== " + name, flush=True)
    r = subprocess.run(base + ["/bin/sh", "-c", redirect + 'exec "$0"', prog], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sys.stdout.write(r.stdout.decode(errors="replace"))
    print("rc=%d" % r.returncode, flush=True)
