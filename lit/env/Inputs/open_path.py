#!/usr/bin/python3
"""Usage: open_path.py DIR: makes DIR and its parents searchable by everyone (o+x)."""
import os
import stat
import sys

d = os.path.abspath(sys.argv[1])
while d != "/":
    mode = os.stat(d).st_mode
    if not mode & stat.S_IXOTH:
        os.chmod(d, stat.S_IMODE(mode) | stat.S_IXOTH)
    d = os.path.dirname(d)
