#!/usr/bin/python3
"""Usage: add-dynamic.py FILE TAG VALUE

Adds the entry (TAG, VALUE) to the dynamic section of a 64-bit little-endian
ELF file, in the spare DT_NULL entries the linker leaves at its end (the first
DT_NULL becomes the new entry; one must remain). TAG and VALUE accept 0x.
"""
import struct
import sys

if len(sys.argv) != 4:
    sys.exit(__doc__)
path, tag, value = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
data = bytearray(open(path, "rb").read())
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit("add-dynamic.py: %s: not a 64-bit ELF file" % path)
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if p_type == 2:  # PT_DYNAMIC
        break
else:
    sys.exit("add-dynamic.py: %s: no PT_DYNAMIC" % path)
count = p_filesz // 16
for i in range(count):
    d_tag, = struct.unpack_from("<q", data, p_offset + 16 * i)
    if d_tag == 0:
        break
if i + 1 >= count:
    sys.exit("add-dynamic.py: %s: no spare DT_NULL entry" % path)
struct.pack_into("<qQ", data, p_offset + 16 * i, tag, value)
open(path, "wb").write(data)
