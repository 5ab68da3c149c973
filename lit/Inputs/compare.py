#!/usr/bin/python3
"""Runs a program under glibc's ld.so (the oracle) and under ours and compares the results
(lit/graph and lit/dlfcn).

Usage: compare.py --ours LDSO --sys LDSO [--interp LINK] [--mode M] [--env NAME=VALUE]...
                  [--ld-option OPTION]... [--stdin FILE] [--timeout S] [--] PROG [ARGS...]

Modes (M is "both" by default when --interp is given, else "explicit"):
  interp    the kernel starts PROG, whose PT_INTERP is LINK, a symbolic link
            this script points at one ld.so or the other;
  explicit  LDSO PROG ARGS...
stdout, stderr and the exit status under our ld.so must equal glibc's. Prints
glibc's result (of the first mode) as <stdout><stderr>rc=N (or signal=NAME)
for FileCheck; exits 1 with a diff when the two disagree.
--env sets a variable for the program only (not for this script: LD_LIBRARY_PATH
with a libc.so.6 in it would break Python). --ld-option passes an option to
both ld.so's in explicit mode (--inhibit-cache ...).
"""
import argparse
import difflib
import os
import signal
import subprocess
import sys


def run(cmd, env, stdin, timeout):
    try:
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
            r = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ("", "compare.py: timed out after %ss\n" % timeout, "timeout")
    except OSError as e:
        return ("", "cannot run %s: %s\n" % (cmd[0], e.strerror), "rc=exec-failed")
    if r.returncode < 0:
        try:
            status = "signal=" + signal.Signals(-r.returncode).name
        except ValueError:
            status = "signal=%d" % -r.returncode
    else:
        status = "rc=%d" % r.returncode
    return (r.stdout.decode("utf-8", "backslashreplace"),
            r.stderr.decode("utf-8", "backslashreplace"), status)


def point_link(link, target):
    tmp = link + ".new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--sys", required=True)
    ap.add_argument("--interp")
    ap.add_argument("--mode", choices=["both", "interp", "explicit"])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--ld-option", action="append", default=[])
    ap.add_argument("--stdin")
    ap.add_argument("--timeout", type=float, default=40)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no program")
    mode = a.mode or ("both" if a.interp else "explicit")
    if mode != "explicit" and not a.interp:
        ap.error("--mode %s needs --interp" % mode)
    modes = ["interp", "explicit"] if mode == "both" else [mode]
    if a.ld_option and mode != "explicit":
        ap.error("--ld-option needs --mode explicit")
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    failed = False
    first = None
    for mode in modes:
        results = {}
        for who, ldso in (("sys", a.sys), ("ours", a.ours)):
            if mode == "interp":
                point_link(a.interp, ldso)
                results[who] = run(cmd, env, a.stdin, a.timeout)
            else:
                results[who] = run([ldso] + a.ld_option + cmd, env, a.stdin, a.timeout)
        if first is None:
            first = results["sys"]
        for part, name in ((0, "stdout"), (1, "stderr"), (2, "exit status")):
            want, got = results["sys"][part], results["ours"][part]
            if want != got:
                failed = True
                sys.stderr.write("compare.py: %s mode: %s differs (--- glibc, +++ ours)\n"
                                 % (mode, name))
                sys.stderr.writelines(difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True), "glibc", "ours"))
                sys.stderr.write("\n")
    out, err, status = first
    sys.stdout.write(out + err + status + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
