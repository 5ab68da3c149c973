// One pass over PT_DYNAMIC into a plain struct of runtime addresses and sizes.
#pragma once
#include <cstddef>
#include <cstdint>

#include "diagnostics.hpp"
#include "elf.hpp"

namespace rtld {

template <class T>
struct Table {  // a runtime array from the dynamic section
  const T* data = nullptr;
  size_t count = 0;
  const T* begin() const { return data; }
  const T* end() const { return data + count; }
  bool empty() const { return count == 0; }
};

struct DynamicInfo {
  // decode_dynamic copies three runs of these from its slots at once: each run's order is that
  // of its slots (checked there).
  const char* strtab = nullptr;
  const elf::Sym* symtab = nullptr;
  const uint32_t* sysv_hash = nullptr;
  const uint32_t* gnu_hash = nullptr;
  const uint16_t* versym = nullptr;
  const elf::Verdef* verdef = nullptr;
  const elf::Verneed* verneed = nullptr;
  uintptr_t init = 0, fini = 0;
  uintptr_t pltgot = 0;
  size_t verdefnum = 0, verneednum = 0;
  uint64_t flags = 0, flags_1 = 0;
  // DT_RELACOUNT/DT_RELCOUNT: the leading entries of rela/rel that the linker sorted there as
  // relative relocations (at most the table's size).
  size_t relative_count = 0;
  size_t strsz = 0;
  Table<elf::Rela> rela;
  Table<elf::Rel> rel;
  Table<elf::Relr> relr;
  Table<elf::Rela> plt_rela;  // DT_JMPREL, by DT_PLTREL
  Table<elf::Rel> plt_rel;
  Table<uintptr_t> init_array, fini_array, preinit_array;
  uint32_t soname = 0, rpath = 0, runpath = 0;  // string table offsets (0 = absent)
  bool has_soname = false, has_rpath = false, has_runpath = false;
  bool textrel = false, symbolic = false, bind_now = false;
  // One past the index of the last DT_NEEDED, DT_FILTER or DT_AUXILIARY entry (0: none), which is
  // also at least how many there are.
  size_t needed_end = 0;
  elf::Dyn* debug = nullptr;  // the DT_DEBUG entry, for r_debug
};

struct Image;

// Decodes `count` entries at `dyn` (runtime addresses = bias + d_ptr); checks that every pointer
// and table lies inside [span_start, span_end), and every table inside one of `image`'s readable
// segments when it is given. The DT_NEEDED names are walked separately (up to needed_end).
bool decode_dynamic(Diagnostics& diag, const char* name, const elf::Dyn* dyn, size_t count,
                    uintptr_t bias, uintptr_t span_start, uintptr_t span_end, DynamicInfo& out,
                    const Image* image = nullptr);

}  // namespace rtld
