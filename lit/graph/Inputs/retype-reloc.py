#!/usr/bin/python3
"""Usage: retype-reloc.py FILE SYMBOL OLD_TYPE NEW_TYPE NEW_ADDEND

Rewrites the first RELA entry of a 64-bit little-endian ELF shared object
(in .rela.dyn, found through DT_RELA/DT_RELASZ) that has type OLD_TYPE and
names SYMBOL in .dynsym: it gets NEW_TYPE and NEW_ADDEND. Makes dynamic
relocations that linkers refuse to emit, such as R_X86_64_PC32 against a
preemptible symbol.
"""
import struct
import sys

if len(sys.argv) != 6:
    sys.exit(__doc__)
path, symbol = sys.argv[1], sys.argv[2].encode()
old_type, new_type, new_addend = (int(x, 0) for x in sys.argv[3:6])
data = bytearray(open(path, "rb").read())
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
loads, dynamic = [], None
for i in range(phnum):
    p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if p_type == 1:
        loads.append((p_vaddr, p_offset, p_filesz))
    elif p_type == 2:
        dynamic = (p_offset, p_filesz)


def offset_of(vaddr):
    for v, o, n in loads:
        if v <= vaddr < v + n:
            return o + vaddr - v
    sys.exit("retype-reloc.py: address 0x%x is not in the file" % vaddr)


tags = {}
for i in range(dynamic[1] // 16):
    tag, val = struct.unpack_from("<qQ", data, dynamic[0] + 16 * i)
    if tag == 0:
        break
    tags.setdefault(tag, val)
strtab, symtab = offset_of(tags[5]), offset_of(tags[6])  # DT_STRTAB, DT_SYMTAB
rela, relasz = offset_of(tags[7]), tags[8]  # DT_RELA, DT_RELASZ
for off in range(rela, rela + relasz, 24):
    r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, off)
    if r_info & 0xffffffff != old_type:
        continue
    st_name, = struct.unpack_from("<I", data, symtab + 24 * (r_info >> 32))
    name = data[strtab + st_name:data.index(b"\0", strtab + st_name)]
    if name == symbol:
        struct.pack_into("<QQq", data, off, r_offset, (r_info >> 32) << 32 | new_type, new_addend)
        open(path, "wb").write(data)
        sys.exit(0)
sys.exit("retype-reloc.py: no relocation of type %d against %s" % (old_type, symbol.decode()))
