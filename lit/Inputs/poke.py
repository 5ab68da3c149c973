#!/usr/bin/python3
"""Usage: poke.py FILE OFFSET HEXBYTES

Overwrites bytes of FILE in place, at OFFSET (decimal or 0x-prefixed), with
HEXBYTES (e.g. "7f454c46"). Used to make malformed ELF files from good ones.
"""
import sys

if len(sys.argv) != 4:
    sys.exit(__doc__)
path, offset, data = sys.argv[1], int(sys.argv[2], 0), bytes.fromhex(sys.argv[3])
with open(path, "r+b") as f:
    f.seek(0, 2)
    if offset + len(data) > f.tell():
        sys.exit("poke.py: %s: offset %#x is past the end of the file" % (path, offset))
    f.seek(offset)
    f.write(data)
