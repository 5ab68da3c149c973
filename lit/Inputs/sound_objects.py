#!/usr/bin/python3
"""Loads every ELF program and shared library of the system's /usr/bin and multiarch library
directory through our ld.so under `ldd -r` (LD_TRACE_LOADED_OBJECTS, LD_WARN, LD_BIND_NOW:
everything mapped and relocated, nothing run), and prints each object for which ours reports one
of the messages it gives only for a damaged object. Sound objects never get one: a check that
refused them would print here. Prints "checked N objects" last.

Usage: sound_objects.py LDSO
"""
import concurrent.futures
import glob
import os
import subprocess
import sys

MESSAGES = ("relocation outside the object", "invalid string table", "PT_TLS filesz exceeds memsz",
            "RELRO segment outside the object", "dynamic entry points outside the object",
            "relocation names a symbol outside the symbol table")


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def check(ldso, path):
    env = dict(os.environ, LD_TRACE_LOADED_OBJECTS="1", LD_WARN="yes", LD_BIND_NOW="1")
    try:
        r = subprocess.run([ldso, path], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    except subprocess.TimeoutExpired:
        return path + ": timed out"
    err = r.stderr.decode(errors="replace")
    hits = [line for line in err.splitlines() if any(m in line for m in MESSAGES)]
    return path + ": " + hits[0] if hits else None


def main():
    ldso = sys.argv[1]
    paths = [p for d in ("/usr/bin/*", "/usr/lib/x86_64-linux-gnu/*.so*")
             for p in sorted(glob.glob(d)) if os.path.isfile(p) and is_elf(p)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for result in pool.map(lambda p: check(ldso, p), paths):
            if result:
                print(result)
    print("checked %d objects" % len(paths))


main()
