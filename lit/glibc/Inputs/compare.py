#!/usr/bin/python3
"""Runs a glibc program under glibc's ld.so and under ours, in both launch modes.

Usage: compare.py --ours LDSO --sys LDSO [--copy COPY] [--mode both|interp|explicit]
                  [--stdin FILE] [--cwd DIR] [--sub REGEX REPLACEMENT]... [--] PROG [ARGS...]

  interp    the kernel starts the program through its PT_INTERP: PROG (whose interpreter is
            glibc's) is the reference, COPY (the same program with PT_INTERP = our ld.so,
            linked with --dynamic-linker or made with patchelf) is ours. Both get
            argv[0] = PROG.
  explicit  `SYSLDSO PROG ARGS...` is the reference, `LDSO PROG ARGS...` is ours.

In each mode, stdout, stderr and the exit status under our ld.so must equal the reference's
(after the --sub substitutions, applied to both). Prints the reference result of the first
mode, as <stdout><stderr>rc=N (or signal=NAME), for FileCheck; exits 1 with a diff on stderr
when the two disagree, or when a program cannot be started.
"""
import argparse
import difflib
import os
import re
import signal
import subprocess
import sys


def run(argv, executable, stdin, cwd):
    try:
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as inp:
            r = subprocess.run(argv, executable=executable, stdin=inp, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=cwd, timeout=50)
    except OSError as e:
        sys.stderr.write("compare.py: cannot run %s: %s\n" % (executable, e.strerror))
        sys.exit(1)
    except subprocess.TimeoutExpired:
        sys.stderr.write("compare.py: %s timed out\n" % " ".join(argv))
        sys.exit(1)
    if r.returncode < 0:
        try:
            status = "signal=" + signal.Signals(-r.returncode).name
        except ValueError:
            status = "signal=%d" % -r.returncode
    else:
        status = "rc=%d" % r.returncode
    return [r.stdout.decode("utf-8", "backslashreplace"),
            r.stderr.decode("utf-8", "backslashreplace"), status]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--sys", required=True)
    ap.add_argument("--copy")
    ap.add_argument("--mode", choices=["both", "interp", "explicit"], default="both")
    ap.add_argument("--stdin")
    ap.add_argument("--cwd")
    ap.add_argument("--sub", nargs=2, action="append", default=[], metavar=("REGEX", "REPL"))
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no program")
    modes = ["interp", "explicit"] if a.mode == "both" else [a.mode]
    if "interp" in modes and not a.copy:
        ap.error("interp mode needs --copy")
    prog, args = cmd[0], cmd[1:]
    for f in [prog] + ([a.copy] if "interp" in modes else []):
        if not os.access(f, os.X_OK):
            sys.stderr.write("compare.py: %s: not an executable file\n" % f)
            sys.exit(1)

    def normalize(result):
        for part in (0, 1):
            for pat, repl in a.sub:
                result[part] = re.sub(pat, repl, result[part])
        return result

    failed = False
    first = None
    for mode in modes:
        if mode == "interp":
            want = run([prog] + args, prog, a.stdin, a.cwd)
            got = run([prog] + args, a.copy, a.stdin, a.cwd)
        else:
            want = run([a.sys, prog] + args, a.sys, a.stdin, a.cwd)
            got = run([a.ours, prog] + args, a.ours, a.stdin, a.cwd)
        want, got = normalize(want), normalize(got)
        if first is None:
            first = want
        for part, name in ((0, "stdout"), (1, "stderr"), (2, "exit status")):
            if want[part] != got[part]:
                failed = True
                sys.stderr.write("compare.py: %s mode: %s differs (--- glibc, +++ ours)\n"
                                 % (mode, name))
                sys.stderr.writelines(difflib.unified_diff(
                    want[part].splitlines(True), got[part].splitlines(True), "glibc", "ours"))
                sys.stderr.write("\n")
    sys.stdout.write(first[0] + first[1] + first[2] + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
