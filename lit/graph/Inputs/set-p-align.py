#!/usr/bin/python3
"""Usage: set-p-align.py FILE VALUE

Sets p_align of the first PT_LOAD program header of a 64-bit little-endian ELF
file to VALUE (accepts 0x).
"""
import struct
import sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
path, value = sys.argv[1], int(sys.argv[2], 0)
data = bytearray(open(path, "rb").read())
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit("set-p-align.py: %s: not a 64-bit ELF file" % path)
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
for i in range(phnum):
    at = phoff + i * phentsize
    p_type, = struct.unpack_from("<I", data, at)
    if p_type == 1:  # PT_LOAD
        struct.pack_into("<Q", data, at + 48, value)
        break
else:
    sys.exit("set-p-align.py: %s: no PT_LOAD" % path)
open(path, "wb").write(data)
