#!/usr/bin/python3
"""Usage: ldd_compare.py OUR_LDSO WORKDIR [-v] FILE...

Runs the system's ldd and a copy whose RTLDLIST names OUR_LDSO on each FILE that exists
(a missing one is reported as skipped); the lists, with addresses masked and each
ld.so's own line normalised, and the exit statuses must be equal. Prints one line per
file; exits 1 on a difference (after printing a diff).
"""
import difflib
import os
import re
import subprocess
import sys

ours, work = sys.argv[1], sys.argv[2]
flags = [a for a in sys.argv[3:] if a.startswith("-")]  # passed to both ldd runs (e.g. -v)
files = [a for a in sys.argv[3:] if not a.startswith("-")]
os.makedirs(work, exist_ok=True)
ldd = open("/usr/bin/ldd").read()
ours_ldd = os.path.join(work, "ldd")
new, n = re.subn(r'^RTLDLIST=.*$', 'RTLDLIST="%s"' % ours, ldd, flags=re.M)
if n != 1:
    sys.exit("ldd_compare.py: no RTLDLIST line in /usr/bin/ldd")
with open(ours_ldd, "w") as f:
    f.write(new)
os.chmod(ours_ldd, 0o755)


def run(ldd_path, file):
    r = subprocess.run([ldd_path] + flags + [file], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    text = re.sub(r"\(0x[0-9a-f]+\)", "(ADDR)", r.stdout.decode())
    text = re.sub(r"^ *[0-9]+:\t", "PID:\t", text, flags=re.M)  # LD_DEBUG lines (ldd -u)
    # ld.so's own line: "/lib64/ld-linux-x86-64.so.2 (ADDR)" or, for a library, the
    # "=> path" form; both name the ld.so that ran.
    text = text.replace(ours, "LDSO").replace("/lib64/ld-linux-x86-64.so.2", "LDSO")
    text = text.replace("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "LDSO")
    return text + "rc=%d\n" % r.returncode


failed = False
for file in files:
    if not os.path.exists(file):
        print("%s: skipped (not installed)" % file)
        continue
    want, got = run("/usr/bin/ldd", file), run(ours_ldd, file)
    if want == got:
        print("%s: same (%d lines)" % (file, want.count("\n")))
    else:
        failed = True
        print("%s: DIFFERENT" % file)
        sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                   "system ldd", "ldd with our ld.so"))
sys.exit(1 if failed else 0)
