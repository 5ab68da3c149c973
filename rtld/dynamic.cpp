#include "dynamic.hpp"

#include <cstddef>

#include "readable.hpp"
#include "string.hpp"

namespace rtld {
namespace {

// Where the loop keeps what it reads: a slot per value, addresses (bias added) first, then sizes
// and other numbers, then tags that only need to be seen.
enum Slot : uint8_t {
  kNone,
  kStrtab,
  kSymtab,
  kHash,
  kGnuHash,
  kRela,
  kRel,
  kRelr,
  kJmprel,
  kInitArray,
  kFiniArray,
  kPreinitArray,
  kVersym,
  kVerdef,
  kVerneed,
  kInit,
  kFini,
  kPltgot,
  kLastAddress = kPltgot,
  kStrsz,
  kRelasz,
  kRelsz,
  kRelrsz,
  kPltrelsz,
  kInitArraysz,
  kFiniArraysz,
  kPreinitArraysz,
  kPltrel,
  kVerdefnum,
  kVerneednum,
  kFlags,
  kFlags1,
  kRelativeCount,
  kSoname,
  kRpath,
  kRunpath,
  kSymbolic,
  kTextrel,
  kBindNow,
  kSlots
};
static_assert(kSlots <= 64);

// The slot of each tag below DT_NUM, and of each from DT_VERSYM to DT_VERNEEDNUM (kNone: the
// tag is ignored or handled by the switch in decode_dynamic).
constexpr uint8_t kLowSlots[elf::DT_NUM] = {
    kNone,        kNone,    kPltrelsz, kPltgot,  kHash,         kStrtab,         kSymtab,
    kRela,        kRelasz,  kNone,     kStrsz,   kNone,         kInit,           kFini,
    kSoname,      kRpath,   kSymbolic, kRel,     kRelsz,        kNone,           kPltrel,
    kNone,        kTextrel, kJmprel,   kBindNow, kInitArray,    kFiniArray,      kInitArraysz,
    kFiniArraysz, kRunpath, kFlags,    kNone,    kPreinitArray, kPreinitArraysz, kNone,
    kRelrsz,      kRelr,    kNone,
};
static_assert(kLowSlots[elf::DT_RUNPATH] == kRunpath && kLowSlots[elf::DT_RELR] == kRelr);
constexpr uint8_t kHighSlots[16] = {
    kVersym, kNone,          kNone,          kNone,   kNone,   kNone,      kNone,    kNone,
    kNone,   kRelativeCount, kRelativeCount, kFlags1, kVerdef, kVerdefnum, kVerneed, kVerneednum,
};
static_assert(kHighSlots[elf::DT_VERNEEDNUM - elf::DT_VERSYM] == kVerneednum);

// The bounds checks, in the order they are reported: the address's slot and the size it must
// have inside the object, a slot (kSized: a table, checked when it has an address or a size)
// or a constant (kConstant | bytes). Check i reports the i-th name of kCheckNames.
constexpr uint8_t kSized = 0x40, kConstant = 0x80;
struct Check {
  uint8_t address, size;
};
constexpr Check kChecks[] = {
    {kStrtab, kStrsz},
    {kSymtab, kConstant | sizeof(elf::Sym)},
    {kHash, kConstant | 8},
    {kGnuHash, kConstant | 16},
    {kRela | kSized, kRelasz},
    {kRel | kSized, kRelsz},
    {kRelr | kSized, kRelrsz},
    {kJmprel | kSized, kPltrelsz},
    {kInitArray | kSized, kInitArraysz},
    {kFiniArray | kSized, kFiniArraysz},
    {kPreinitArray | kSized, kPreinitArraysz},
    {kVersym, kConstant | 2},
    {kVerdef, kConstant | sizeof(elf::Verdef)},
    {kVerneed, kConstant | sizeof(elf::Verneed)},
    {kInit, kConstant | 1},
    {kFini, kConstant | 1},
};
constexpr size_t kCheckStrtab = 0, kCheckSymtab = 1, kCheckRela = 4, kCheckVersym = 11,
                 kCheckPltrel = sizeof(kChecks) / sizeof(Check);
static_assert(kChecks[kCheckRela].address == (kRela | kSized) &&
              kChecks[kCheckVersym].address == kVersym);
constexpr unsigned kSizeShift = kRelasz - kCheckRela;
static_assert(
    [] {
      for (size_t i = 0; i < kCheckPltrel; ++i) {
        const Check& c = kChecks[i];
        if ((c.address & ~kSized) != i + 1) return false;
        if (c.address & kSized && c.size != i + kSizeShift) return false;
      }
      return true;
    }(),
    "check i is of address slot i + 1 (and size slot i + kSizeShift)");
// One name per check, then DT_PLTREL's.
constexpr char kCheckNames[] =
    "DT_STRTAB\0DT_SYMTAB\0DT_HASH\0DT_GNU_HASH\0DT_RELA\0DT_REL\0DT_RELR\0DT_JMPREL\0"
    "DT_INIT_ARRAY\0DT_FINI_ARRAY\0DT_PREINIT_ARRAY\0DT_VERSYM\0DT_VERDEF\0DT_VERNEED\0DT_INIT\0"
    "DT_FINI\0DT_PLTREL";

template <class T>
Table<T> table(uintptr_t address, size_t bytes) {
  return {reinterpret_cast<const T*>(address), bytes / sizeof(T)};
}

}  // namespace

bool decode_dynamic(Diagnostics& diag, const char* name, const elf::Dyn* dyn, size_t count,
                    uintptr_t bias, uintptr_t span_start, uintptr_t span_end, DynamicInfo& out,
                    const Image* image) {
  using namespace elf;
  // (every other field is set below, whatever the entries: no cleared copy of out first)
  out.needed_end = 0, out.debug = nullptr;
  // (zero where a value is read: not kNone's slot, nor those of the tags only seen)
  static_assert(kSymbolic + 3 == kSlots && kBindNow + 1 == kSlots);
  uintptr_t raw[kSlots];
  __builtin_memset(raw + 1, 0, (kSymbolic - 1) * sizeof(uintptr_t));
  raw[kPltrel] = DT_RELA;
  uint64_t seen = 0;
  // (DT_NULL has no slot: the loop looks for it only among the entries that have none; a
  // loop tested at its foot, with the slotted entries' branch straight through to it)
  if (count) {
    const Dyn *d = dyn, *end = dyn + count;
    do {
      const auto tag = d->d_tag;
      const auto v = d->d_val;
      unsigned slot = kNone;
      if (static_cast<uint64_t>(tag) < DT_NUM)
        slot = kLowSlots[tag];
      else if (static_cast<uint64_t>(tag) - DT_VERSYM < 16)
        slot = kHighSlots[tag - DT_VERSYM];
      else if (tag == DT_GNU_HASH)
        slot = kGnuHash;
      if (slot != kNone) [[likely]] {
        raw[slot] = slot <= kLastAddress ? bias + v : v;
        seen |= uint64_t{1} << slot;
        continue;
      }
      if (tag == DT_NULL) break;
      if (tag == DT_NEEDED || (tag | 2) == DT_FILTER)
        out.needed_end = static_cast<size_t>(d - dyn) + 1;  // (or DT_AUXILIARY)
      switch (tag) {
        case DT_SYMENT:
          if (v != sizeof(Sym)) return diag.fail(name, "unexpected DT_SYMENT");
          break;
        case DT_RELAENT:
          if (v != sizeof(Rela)) return diag.fail(name, "unexpected DT_RELAENT");
          break;
        case DT_RELENT:
          if (v != sizeof(Rel)) return diag.fail(name, "unexpected DT_RELENT");
          break;
        case DT_RELRENT:
          if (v != sizeof(Relr)) return diag.fail(name, "unexpected DT_RELRENT");
          break;
        case DT_DEBUG:
          out.debug = const_cast<Dyn*>(d);
          break;
        default:
          break;
      }
    } while (++d != end);
  }
  // Three runs of fields, each in the order of its slots (see DynamicInfo).
  static_assert(kSymtab == kStrtab + 1 && kHash == kStrtab + 2 && kGnuHash == kStrtab + 3 &&
                offsetof(DynamicInfo, gnu_hash) ==
                    offsetof(DynamicInfo, strtab) + 3 * sizeof(uintptr_t));
  static_assert(
      kVerdef == kVersym + 1 && kVerneed == kVersym + 2 && kInit == kVersym + 3 &&
      kFini == kVersym + 4 && kPltgot == kVersym + 5 &&
      offsetof(DynamicInfo, verdef) == offsetof(DynamicInfo, versym) + sizeof(uintptr_t) &&
      offsetof(DynamicInfo, verneed) == offsetof(DynamicInfo, versym) + 2 * sizeof(uintptr_t) &&
      offsetof(DynamicInfo, init) == offsetof(DynamicInfo, versym) + 3 * sizeof(uintptr_t) &&
      offsetof(DynamicInfo, fini) == offsetof(DynamicInfo, versym) + 4 * sizeof(uintptr_t) &&
      offsetof(DynamicInfo, pltgot) == offsetof(DynamicInfo, versym) + 5 * sizeof(uintptr_t));
  static_assert(
      kVerneednum == kVerdefnum + 1 && kFlags == kVerdefnum + 2 && kFlags1 == kVerdefnum + 3 &&
      kRelativeCount == kVerdefnum + 4 &&
      offsetof(DynamicInfo, verneednum) == offsetof(DynamicInfo, verdefnum) + sizeof(uintptr_t) &&
      offsetof(DynamicInfo, flags) == offsetof(DynamicInfo, verdefnum) + 2 * sizeof(uintptr_t) &&
      offsetof(DynamicInfo, flags_1) == offsetof(DynamicInfo, verdefnum) + 3 * sizeof(uintptr_t) &&
      offsetof(DynamicInfo, relative_count) ==
          offsetof(DynamicInfo, verdefnum) + 4 * sizeof(uintptr_t));
  __builtin_memcpy(&out.strtab, &raw[kStrtab], 4 * sizeof(uintptr_t));  // (inline word moves)
  __builtin_memcpy(&out.versym, &raw[kVersym], 6 * sizeof(uintptr_t));
  __builtin_memcpy(&out.verdefnum, &raw[kVerdefnum], 5 * sizeof(uintptr_t));
  out.strsz = raw[kStrsz];
  out.soname = static_cast<uint32_t>(raw[kSoname]);
  out.rpath = static_cast<uint32_t>(raw[kRpath]);
  out.runpath = static_cast<uint32_t>(raw[kRunpath]);
  out.has_soname = seen >> kSoname & 1;
  out.has_rpath = seen >> kRpath & 1;
  out.has_runpath = seen >> kRunpath & 1;
  out.symbolic = (seen >> kSymbolic & 1) || (out.flags & DF_SYMBOLIC);
  out.textrel = (seen >> kTextrel & 1) || (out.flags & DF_TEXTREL);
  out.bind_now = (seen >> kBindNow & 1) || (out.flags & DF_BIND_NOW) || (out.flags_1 & DF_1_NOW);

  size_t bad = kCheckPltrel + 1;  // above every name's index: all in bounds
  // The relocation tables and initializer arrays also in a readable segment (the span may have
  // gaps, or a damaged segment end early). prepare_module checks the symbol, string, hash and
  // version tables so; DT_INIT and DT_FINI are code, which need not be readable.
  Readable readable(image);
  // Only the checks of tables an entry named (the others' slots are 0, and skipped): check i
  // reads address slot i + 1, and a sized one size slot i + kSizeShift.
  uint64_t to_check = (seen >> 1 | seen >> kSizeShift) & ((uint64_t{1} << kCheckPltrel) - 1);
  if (to_check) do {
      const size_t i = static_cast<size_t>(__builtin_ctzll(to_check));
      const Check& c = kChecks[i];
      uintptr_t address = raw[c.address & ~kSized];
      size_t bytes = c.size & kConstant ? c.size & ~kConstant : raw[c.size];
      if (!address && !(c.address & kSized && bytes)) continue;
      if (address < span_start || address > span_end || bytes > span_end - address ||
          (image && i - kCheckRela < kCheckVersym - kCheckRela &&
           readable.room(reinterpret_cast<const void*>(address), bytes) < bytes)) {
        bad = i;
        break;
      }
    } while (to_check &= to_check - 1);
  if (bad > kCheckPltrel && raw[kPltrel] != DT_RELA && raw[kPltrel] != DT_REL) bad = kCheckPltrel;
  if (bad > kCheckPltrel && out.strsz && !out.strtab) bad = kCheckStrtab;
  if (bad > kCheckPltrel && (out.sysv_hash || out.gnu_hash) && !out.symtab) bad = kCheckSymtab;
  if (bad <= kCheckPltrel) {
    const char* what = kCheckNames;
    while (bad--) what += str_len(what) + 1;
    return diag.fail(name, "dynamic entry points outside the object", what);
  }
  out.rela = table<Rela>(raw[kRela], raw[kRelasz]);
  out.rel = table<Rel>(raw[kRel], raw[kRelsz]);
  out.relr = table<Relr>(raw[kRelr], raw[kRelrsz]);
  const bool plt_rela = raw[kPltrel] == DT_RELA;
  out.plt_rela = table<Rela>(plt_rela ? raw[kJmprel] : 0, plt_rela ? raw[kPltrelsz] : 0);
  out.plt_rel = table<Rel>(plt_rela ? 0 : raw[kJmprel], plt_rela ? 0 : raw[kPltrelsz]);
  out.init_array = table<uintptr_t>(raw[kInitArray], raw[kInitArraysz]);
  out.fini_array = table<uintptr_t>(raw[kFiniArray], raw[kFiniArraysz]);
  out.preinit_array = table<uintptr_t>(raw[kPreinitArray], raw[kPreinitArraysz]);
  if ((out.soname && out.soname >= out.strsz) || (out.rpath && out.rpath >= out.strsz) ||
      (out.runpath && out.runpath >= out.strsz))
    return diag.fail(name, "dynamic entry points outside the object", "string table offset");
  if (out.needed_end && !out.strtab) return diag.fail(name, "DT_NEEDED without DT_STRTAB");
  return true;
}

}  // namespace rtld
