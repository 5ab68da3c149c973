#!/usr/bin/python3
"""Damages one thing in a shared library, found through readelf (lit/corrupt-library.test).

Usage: corrupt.py LIB CASE
  text-relative  the first R_X86_64_RELATIVE entry's offset moved to .text (read-only)
  text-globdat   the first R_X86_64_GLOB_DAT entry's offset moved to .text
  symbol-name    the dynamic symbol `strlen`'s name offset far past the string table
  strtab-end     the last byte of .dynstr (its terminating NUL) made 'x'
  relro          PT_GNU_RELRO moved onto .text (which it would make read-only, not executable)
  relro-longer   PT_GNU_RELRO a page longer (over the PLT slots that lazy binding writes)
  tls-filesz     PT_TLS's file size made 0x100 bytes more than its memory size
  first-load-short  the first PT_LOAD 0x8000 bytes shorter (libstdc++.so.6: its relocation
                 table then runs past it, into the unmapped gap before the code)
  pltgot         DT_PLTGOT pointing 1 TiB past the object (lazy binding writes its first words)
  plt-symbol     the first .rela.plt entry's symbol index made 0x4000000 (bound at the first call)
  symtab-back    DT_SYMTAB moved 0x1000 bytes back (libstdc++.so.6: into its GNU hash table)
  relacount-over  DT_RELACOUNT made 4 more than the relative entries (over symbolic ones)
  globdat-jumpslot  every R_X86_64_GLOB_DAT entry of .rela.dyn made R_X86_64_JUMP_SLOT
  rela-gone      DT_RELA's and DT_RELASZ's tags made DT_LOOS (no table: DT_RELACOUNT counts in none)
  plt-none       the first .rela.plt entry zeroed (R_X86_64_NONE)
  plt-copy       the first .rela.plt entry made R_X86_64_COPY
  tpoff32        the first R_X86_64_GLOB_DAT entry made R_X86_64_TPOFF32 (a link-time type)
  dynamic-short  PT_DYNAMIC's file size made 0x40 (four entries: the rest are past it)
  verneed-version  the first version requirement record's vn_version made 2
  second-eh-frame  PT_GNU_STACK made a second PT_GNU_EH_FRAME (empty, at address 0)
  verdefnum-huge  DT_VERDEFNUM's top bit set (libstdc++.so.6: 2^63 + 48 definitions)
  got-addends    every R_X86_64_GLOB_DAT and R_X86_64_JUMP_SLOT entry given an addend of 0x40
                 (the psABI computes both as S; glibc's ld.so ignores the addend)
"""
import re
import struct
import subprocess
import sys


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], check=True, capture_output=True,
                          text=True).stdout


def section(lib, name):  # (address, file offset, size)
    for line in readelf("-S", lib).splitlines():
        m = re.search(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m and m.group(1) == name:
            return int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16)
    sys.exit("no section " + name)


def program_header(data, p_type):  # file offset of the first program header of that type
    phoff = struct.unpack_from("<Q", data, 32)[0]
    for i in range(struct.unpack_from("<H", data, 56)[0]):
        if struct.unpack_from("<I", data, phoff + 56 * i)[0] == p_type:
            return phoff + 56 * i
    sys.exit("no program header of type %#x" % p_type)


def add(data, at, delta):  # to the 64-bit field at `at`
    struct.pack_into("<Q", data, at, (struct.unpack_from("<Q", data, at)[0] + delta) % (1 << 64))


def main():
    lib, case = sys.argv[1], sys.argv[2]
    data = bytearray(open(lib, "rb").read())
    if case in ("text-relative", "text-globdat"):
        kind = "R_X86_64_RELATIVE" if case == "text-relative" else "R_X86_64_GLOB_DAT"
        text_addr = section(lib, ".text")[0]
        rela_addr, rela_off, rela_size = section(lib, ".rela.dyn")
        for i in range(rela_size // 24):
            at = rela_off + 24 * i
            info = struct.unpack_from("<Q", data, at + 8)[0]
            if (info & 0xffffffff) == (8 if kind == "R_X86_64_RELATIVE" else 6):
                struct.pack_into("<Q", data, at, text_addr)
                break
        else:
            sys.exit("no " + kind)
    elif case == "rela-gone":
        _, dyn_off, dyn_size = section(lib, ".dynamic")
        gone = 0
        for at in range(dyn_off, dyn_off + dyn_size, 16):
            if struct.unpack_from("<q", data, at)[0] in (7, 8):  # DT_RELA, DT_RELASZ
                struct.pack_into("<q", data, at, 0x6000000d)  # DT_LOOS
                gone += 1
        if gone != 2:
            sys.exit("no DT_RELA and DT_RELASZ")
    elif case == "globdat-jumpslot":
        _, off, size = section(lib, ".rela.dyn")
        for at in range(off, off + size, 24):
            if struct.unpack_from("<I", data, at + 8)[0] == 6:
                struct.pack_into("<I", data, at + 8, 7)
    elif case == "got-addends":
        changed = 0
        for name in (".rela.dyn", ".rela.plt"):
            _, off, size = section(lib, name)
            for i in range(size // 24):
                at = off + 24 * i
                if struct.unpack_from("<Q", data, at + 8)[0] & 0xffffffff in (6, 7):
                    struct.pack_into("<q", data, at + 16, 0x40)
                    changed += 1
        if not changed:
            sys.exit("no R_X86_64_GLOB_DAT or R_X86_64_JUMP_SLOT entry")
    elif case == "second-eh-frame":
        struct.pack_into("<I", data, program_header(data, 0x6474e551), 0x6474e550)
    elif case == "verneed-version":
        struct.pack_into("<H", data, section(lib, ".gnu.version_r")[1], 2)
    elif case == "dynamic-short":
        struct.pack_into("<Q", data, program_header(data, 2) + 32, 0x40)  # PT_DYNAMIC's p_filesz
    elif case == "tpoff32":
        _, off, size = section(lib, ".rela.dyn")
        for at in range(off, off + size, 24):
            if struct.unpack_from("<I", data, at + 8)[0] == 6:
                struct.pack_into("<I", data, at + 8, 23)
                break
    elif case == "plt-none":
        _, plt_off, _ = section(lib, ".rela.plt")
        data[plt_off:plt_off + 24] = bytes(24)
    elif case == "plt-copy":
        struct.pack_into("<I", data, section(lib, ".rela.plt")[1] + 8, 5)
    elif case == "plt-symbol":
        _, plt_off, _ = section(lib, ".rela.plt")
        info = struct.unpack_from("<Q", data, plt_off + 8)[0]
        struct.pack_into("<Q", data, plt_off + 8, (info & 0xffffffff) | (0x4000000 << 32))
    elif case == "symbol-name":
        _, dynsym_off, dynsym_size = section(lib, ".dynsym")
        _, dynstr_off, dynstr_size = section(lib, ".dynstr")
        for i in range(dynsym_size // 24):
            at = dynsym_off + 24 * i
            name = struct.unpack_from("<I", data, at)[0]
            end = data.index(b"\0", dynstr_off + name)
            if data[dynstr_off + name:end] == b"strlen":
                struct.pack_into("<I", data, at, 0x7fffff00)
                break
        else:
            sys.exit("no strlen")
    elif case == "strtab-end":
        _, dynstr_off, dynstr_size = section(lib, ".dynstr")
        data[dynstr_off + dynstr_size - 1] = ord("x")
    elif case == "first-load-short":
        at = program_header(data, 1)  # PT_LOAD
        add(data, at + 32, -0x8000)  # p_filesz
        add(data, at + 40, -0x8000)  # p_memsz
    elif case == "tls-filesz":
        at = program_header(data, 7)  # PT_TLS
        struct.pack_into("<Q", data, at + 32, struct.unpack_from("<Q", data, at + 40)[0] + 0x100)
    elif case == "relro-longer":
        add(data, program_header(data, 0x6474e552) + 40, 0x1000)  # PT_GNU_RELRO's p_memsz
    elif case == "relro":
        at = program_header(data, 0x6474e552)
        struct.pack_into("<Q", data, at + 16, section(lib, ".text")[0])  # p_vaddr
        struct.pack_into("<Q", data, at + 40, 0x1000)  # p_memsz: a page from there
    elif case in ("pltgot", "symtab-back", "relacount-over", "verdefnum-huge"):
        tag, change = {"pltgot": (3, 1 << 40), "symtab-back": (6, -0x1000),  # DT_PLTGOT, DT_SYMTAB
                       "relacount-over": (0x6ffffff9, 4),  # DT_RELACOUNT
                       "verdefnum-huge": (0x6ffffffd, 1 << 63)}[case]  # DT_VERDEFNUM
        _, dyn_off, dyn_size = section(lib, ".dynamic")
        for at in range(dyn_off, dyn_off + dyn_size, 16):
            if struct.unpack_from("<q", data, at)[0] == tag:
                add(data, at + 8, change)
                break
        else:
            sys.exit("no such dynamic entry")
    else:
        sys.exit("unknown case " + case)
    open(lib, "wb").write(data)


main()
