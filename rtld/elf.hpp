// Typed ELF structures and constants, one template for both ELF classes.
// Relocation numbers are per machine and live in arch/<name>/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rtld::elf {

inline constexpr unsigned char kMagic[4] = {0x7f, 'E', 'L', 'F'};
enum : unsigned { EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_OSABI = 7, EI_ABIVERSION = 8, EI_PAD = 9, EI_NIDENT = 16 };
enum : unsigned char { ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1, ELFDATA2MSB = 2, EV_CURRENT = 1 };
enum : unsigned char { ELFOSABI_SYSV = 0, ELFOSABI_GNU = 3 };
enum : uint16_t { ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4 };

enum : uint16_t {
  EM_386 = 3, EM_ARM = 40, EM_X86_64 = 62, EM_AARCH64 = 183, EM_RISCV = 243, EM_LOONGARCH = 258
};

enum : uint32_t {
  PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_SHLIB = 5, PT_PHDR = 6,
  PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552,
  PT_GNU_PROPERTY = 0x6474e553
};
enum : uint32_t { PF_X = 1, PF_W = 2, PF_R = 4 };

enum : int64_t {
  DT_NULL = 0, DT_NEEDED = 1, DT_PLTRELSZ = 2, DT_PLTGOT = 3, DT_HASH = 4, DT_STRTAB = 5,
  DT_SYMTAB = 6, DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9, DT_STRSZ = 10, DT_SYMENT = 11,
  DT_INIT = 12, DT_FINI = 13, DT_SONAME = 14, DT_RPATH = 15, DT_SYMBOLIC = 16, DT_REL = 17,
  DT_RELSZ = 18, DT_RELENT = 19, DT_PLTREL = 20, DT_DEBUG = 21, DT_TEXTREL = 22, DT_JMPREL = 23,
  DT_BIND_NOW = 24, DT_INIT_ARRAY = 25, DT_FINI_ARRAY = 26, DT_INIT_ARRAYSZ = 27,
  DT_FINI_ARRAYSZ = 28, DT_RUNPATH = 29, DT_FLAGS = 30, DT_PREINIT_ARRAY = 32,
  DT_PREINIT_ARRAYSZ = 33, DT_SYMTAB_SHNDX = 34, DT_RELRSZ = 35, DT_RELR = 36, DT_RELRENT = 37,
  DT_NUM = 38,
  DT_GNU_HASH = 0x6ffffef5, DT_TLSDESC_PLT = 0x6ffffef6, DT_TLSDESC_GOT = 0x6ffffef7,
  DT_VERSYM = 0x6ffffff0, DT_RELACOUNT = 0x6ffffff9, DT_RELCOUNT = 0x6ffffffa,
  DT_FLAGS_1 = 0x6ffffffb, DT_VERDEF = 0x6ffffffc, DT_VERDEFNUM = 0x6ffffffd,
  DT_VERNEED = 0x6ffffffe, DT_VERNEEDNUM = 0x6fffffff, DT_AUXILIARY = 0x7ffffffd,
  DT_FILTER = 0x7fffffff
};
enum : uint64_t { DF_ORIGIN = 1, DF_SYMBOLIC = 2, DF_TEXTREL = 4, DF_BIND_NOW = 8, DF_STATIC_TLS = 0x10 };
enum : uint64_t {
  DF_1_NOW = 1, DF_1_GLOBAL = 2, DF_1_NODELETE = 8, DF_1_INITFIRST = 0x20, DF_1_NOOPEN = 0x40,
  DF_1_ORIGIN = 0x80, DF_1_PIE = 0x08000000
};

enum : unsigned char { STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10 };
enum : unsigned char {
  STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4, STT_COMMON = 5,
  STT_TLS = 6, STT_GNU_IFUNC = 10
};
enum : unsigned char { STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3 };
enum : uint16_t { SHN_UNDEF = 0, SHN_ABS = 0xfff1 };

enum : uint16_t { VER_NDX_LOCAL = 0, VER_NDX_GLOBAL = 1, VERSYM_HIDDEN = 0x8000, VERSYM_INDEX = 0x7fff };
enum : uint16_t { VER_FLG_BASE = 1, VER_FLG_WEAK = 2 };

struct Verdef {
  uint16_t vd_version, vd_flags, vd_ndx, vd_cnt;
  uint32_t vd_hash, vd_aux, vd_next;
};
struct Verdaux {
  uint32_t vda_name, vda_next;
};
struct Verneed {
  uint16_t vn_version, vn_cnt;
  uint32_t vn_file, vn_aux, vn_next;
};
struct Vernaux {
  uint32_t vna_hash;
  uint16_t vna_flags, vna_other;
  uint32_t vna_name, vna_next;
};

template <unsigned Bits>
struct Layout;

template <>
struct Layout<64> {
  static constexpr unsigned char kClass = ELFCLASS64;
  using Addr = uint64_t;
  using Off = uint64_t;
  using Word = uint64_t;  // the class-sized word (Xword)
  using Sword = int64_t;
  struct Ehdr {
    unsigned char e_ident[EI_NIDENT];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    Addr e_entry;
    Off e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
  };
  struct Phdr {
    uint32_t p_type, p_flags;
    Off p_offset;
    Addr p_vaddr, p_paddr;
    uint64_t p_filesz, p_memsz, p_align;
  };
  struct Sym {
    uint32_t st_name;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
    Addr st_value;
    uint64_t st_size;
  };
  struct Dyn {
    int64_t d_tag;
    uint64_t d_val;
  };
  struct Rel {
    Addr r_offset;
    uint64_t r_info;
  };
  struct Rela {
    Addr r_offset;
    uint64_t r_info;
    int64_t r_addend;
  };
  using Relr = uint64_t;
  static constexpr uint32_t r_sym(uint64_t info) { return static_cast<uint32_t>(info >> 32); }
  static constexpr uint32_t r_type(uint64_t info) { return static_cast<uint32_t>(info); }
};

template <>
struct Layout<32> {
  static constexpr unsigned char kClass = ELFCLASS32;
  using Addr = uint32_t;
  using Off = uint32_t;
  using Word = uint32_t;
  using Sword = int32_t;
  struct Ehdr {
    unsigned char e_ident[EI_NIDENT];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    Addr e_entry;
    Off e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
  };
  struct Phdr {
    uint32_t p_type;
    Off p_offset;
    Addr p_vaddr, p_paddr;
    uint32_t p_filesz, p_memsz, p_flags, p_align;
  };
  struct Sym {
    uint32_t st_name;
    Addr st_value;
    uint32_t st_size;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
  };
  struct Dyn {
    int32_t d_tag;
    uint32_t d_val;
  };
  struct Rel {
    Addr r_offset;
    uint32_t r_info;
  };
  struct Rela {
    Addr r_offset;
    uint32_t r_info;
    int32_t r_addend;
  };
  using Relr = uint32_t;
  static constexpr uint32_t r_sym(uint32_t info) { return info >> 8; }
  static constexpr uint32_t r_type(uint32_t info) { return info & 0xff; }
};

// The class of the machine this code runs on.
using Native = Layout<sizeof(void*) * 8>;
using Ehdr = Native::Ehdr;
using Phdr = Native::Phdr;
using Sym = Native::Sym;
using Dyn = Native::Dyn;
using Rel = Native::Rel;
using Rela = Native::Rela;
using Relr = Native::Relr;
using Addr = Native::Addr;

constexpr unsigned char st_bind(unsigned char info) { return info >> 4; }
constexpr unsigned char st_type(unsigned char info) { return info & 0xf; }
constexpr unsigned char st_visibility(unsigned char other) { return other & 3; }

// Auxiliary vector tags the loader reads or rewrites.
enum : uint64_t {
  AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
  AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15,
  AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_BASE_PLATFORM = 24, AT_RANDOM = 25,
  AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51
};

}  // namespace rtld::elf
