#include "symbols.hpp"

#include "string.hpp"

namespace rtld {

uint32_t gnu_hash(const char* name, size_t* length) {
  // Four bytes a step, h * 33^4 + (c0 * 33^3 + c1 * 33^2 + c2 * 33 + c3): one multiplication on
  // the dependency chain per four bytes instead of four.
  uint32_t h = 5381;
  auto* p = reinterpret_cast<const unsigned char*>(name);
  for (;; p += 4) {
    uint32_t c0 = p[0], c1, c2, c3;
    if (!c0) break;
    if (!(c1 = p[1])) {
      h = h * 33 + c0, p += 1;
      break;
    }
    if (!(c2 = p[2])) {
      h = h * 1089 + c0 * 33 + c1, p += 2;
      break;
    }
    if (!(c3 = p[3])) {
      h = h * 35937 + c0 * 1089 + c1 * 33 + c2, p += 3;
      break;
    }
    h = h * 1185921 + c0 * 35937 + c1 * 1089 + c2 * 33 + c3;
  }
  if (length) *length = static_cast<size_t>(p - reinterpret_cast<const unsigned char*>(name));
  return h;
}

// gnu_hash of a name inside a loaded image (see image_str_eq), whole words at a time while
// they hold no NUL, the tail byte by byte: C++ names are long.
constexpr uint32_t kPow33_8 = 33u * 33 * 33 * 33 * 33 * 33 * 33 * 33;  // (mod 2^32)

[[gnu::no_sanitize_address]] uint32_t image_gnu_hash(const char* name) {
  uint32_t h = 5381;
  auto* p = reinterpret_cast<const unsigned char*>(name);
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    while ((reinterpret_cast<uintptr_t>(p) & 4095) <= 4096 - sizeof(uint64_t)) {
      uint64_t w;
      __builtin_memcpy(&w, p, sizeof w);
      if ((w - kOnes) & ~w & kHighs) break;
      // h * 33^8 + c0 * 33^7 + ... + c7, the eight bytes combined in pairs, then pairs of
      // pairs, in the lanes of one word (no lane overflows: 255 * 33 + 255 < 2^16, and
      // 8670 * 33^2 + 8670 < 2^32).
      constexpr uint64_t kBytes = 0x00ff00ff00ff00ffull, kHalves = 0x0000ffff0000ffffull;
      w = (w & kBytes) * 33 + (w >> 8 & kBytes);
      w = (w & kHalves) * (33 * 33) + (w >> 16 & kHalves);
      h = h * kPow33_8 + static_cast<uint32_t>(w) * (33u * 33 * 33 * 33) +
          static_cast<uint32_t>(w >> 32);
      p += sizeof w;
    }
  }
  for (; *p; ++p) h = h * 33 + *p;
  return h;
}

SymbolName name_of_symbol(const Module& m, uint32_t index) {
  // (a name outside the string table, in a corrupt object, is looked up as "": never found)
  const uint32_t at = m.dyn.symtab[index].st_name;
  const char* name = at < m.dyn.strsz ? m.str(at) : "";
  const GnuHash& g = m.gnu;
  // The chain keeps bits 31..1 of each hash (bit 0 marks the end of a bucket's run). Bit 0 is
  // the one that puts the symbol in the bucket whose run holds it: of the two buckets the two
  // values give (adjacent ones), the one whose run starts last at or before `index`. Runs are
  // laid out in bucket order, so in a consistent table that is the run holding the symbol.
  if (!g.buckets || index < g.symoffset || index >= g.symbol_end || g.nbuckets < 2)
    return SymbolName(name, image_gnu_hash(name), true);
  const uint32_t high = g.chain[index - g.symoffset] & ~1u;
  const uint32_t b0 = high % g.nbuckets, b1 = b0 + 1 == g.nbuckets ? 0 : b0 + 1;
  uint32_t s0 = g.buckets[b0], s1 = g.buckets[b1];
  bool ok0 = s0 >= g.symoffset && s0 <= index, ok1 = s1 >= g.symoffset && s1 <= index;
  if (ok1 && (!ok0 || s1 > s0)) return SymbolName(name, high | 1, true);
  if (ok0) return SymbolName(name, high, true);
  return SymbolName(name, image_gnu_hash(name), true);  // a table that does not hold together
}

namespace {

// State of one object's scan for an unversioned request: glibc accepts a lone non-default
// version when nothing better exists.
struct Candidate {
  const elf::Sym* versioned = nullptr;
  int count = 0;
};

// Whether symbol `index` of `m` is a definition of `name` acceptable for `want`.
// Returns 1 to accept, 0 to reject, -1 for "remember as a versioned candidate".
[[gnu::always_inline]] inline int check_symbol(const Module& m, uint32_t index, const SymbolName& name,
                                             const Version* want, unsigned flags) {
  const elf::Sym& s = m.dyn.symtab[index];
  unsigned char type = elf::st_type(s.st_info);
  if ((s.st_value == 0 && s.st_shndx != elf::SHN_ABS && type != elf::STT_TLS) ||
      (s.st_shndx == elf::SHN_UNDEF && (s.st_value == 0 || (flags & kLookupPlt))) ||
      !((1u << type) & kDefinableTypes))
    return 0;
  if (!((1u << elf::st_bind(s.st_info)) & kDefinableBinds)) return 0;
  if (s.st_name >= m.dyn.strsz) return 0;
  // A reference to one of the object's own definitions names it with the very same string.
  if (const char* have = m.str(s.st_name); have != name.name &&
      (name.in_image ? !image_str_eq(have, name.name) : !str_eq(have, name.name)))
    return 0;
  const uint16_t* versym = m.dyn.versym;
  if (want) {
    if (!versym) return 1;  // an unversioned object satisfies any version
    uint16_t v = versym[index];
    uint16_t ndx = v & elf::VERSYM_INDEX;
    const Version* have = ndx < m.version_count ? &m.versions[ndx] : nullptr;
    bool same = have && (have == want || __atomic_load_n(&want->matched, __ATOMIC_RELAXED) == have);
    if (!same && have && have->name && have->hash == want->hash) {
      same = name.in_image ? image_str_eq(have->name, want->name) : str_eq(have->name, want->name);
      if (same) __atomic_store_n(&want->matched, have, __ATOMIC_RELAXED);
    }
    if (!same && (want->hidden || (have && have->hash) || (v & elf::VERSYM_HIDDEN))) return 0;
    return 1;
  }
  if (!versym) return 1;
  uint16_t v = versym[index];
  if ((v & elf::VERSYM_INDEX) >= ((flags & kLookupNewest) ? 2 : 3)) {
    return (v & elf::VERSYM_HIDDEN) ? 0 : -1;
  }
  return 1;
}

}  // namespace

namespace {

// find_in_module once the bloom filter (if any) has let the name through.
const elf::Sym* search_module(const Module& m, const SymbolName& name, const Version* want,
                              unsigned flags) {
  Candidate cand;
  auto consider = [&](uint32_t index) -> const elf::Sym* {
    int r = check_symbol(m, index, name, want, flags);
    if (r > 0) return &m.dyn.symtab[index];
    if (r < 0 && cand.count++ == 0) cand.versioned = &m.dyn.symtab[index];
    return nullptr;
  };
  if (m.gnu.buckets) {
    const GnuHash& g = m.gnu;
    uint32_t i = g.buckets[name.gnu % g.nbuckets];
    if (i < g.symoffset || i >= g.symbol_end) return nullptr;  // (0: an empty bucket)
    for (const uint32_t* chain = g.chain - g.symoffset;; ++i) {
      uint32_t h = chain[i];
      if (((h ^ name.gnu) >> 1) == 0)
        if (const elf::Sym* s = consider(i)) return s;
      if (h & 1) break;
    }
  } else if (m.sysv.buckets) {
    const SysvHash& h = m.sysv;
    uint32_t steps = 0;
    // Every entry of a SysV chain is compared by name: check_symbol inlined here.
    for (uint32_t i = h.buckets[name.sysv() % h.nbucket]; i != 0 && i < h.nchain && steps++ < h.nchain;
         i = h.chain[i]) {
      int r = check_symbol(m, i, name, want, flags);
      if (r > 0) return &m.dyn.symtab[i];
      if (r < 0 && cand.count++ == 0) cand.versioned = &m.dyn.symtab[i];
    }
  }
  return cand.count == 1 ? cand.versioned : nullptr;
}

}  // namespace

const elf::Sym* find_in_module(const Module& m, const SymbolName& name, const Version* want,
                               unsigned flags) {
  if (bloom_rejects(m, name)) return nullptr;
  return search_module(m, name, want, flags);
}

SymbolMatch find_in_scope(Module* const* scope, size_t count, const SymbolName& name,
                          const Version* want, unsigned flags, const Module* skip) {
  const BloomProbe probe(name.gnu);
  if (count)
    for (Module *const *it = scope, *const *end = scope + count;;) {
      const Module* m = *it;
      // Most objects of a scope do not define the name: their bloom filter says so without a call
      // (and first: `skip` matters only for an object it lets through).
      if (!probe.rejects(*m) && m != skip)
        if (const elf::Sym* s = search_module(*m, name, want, flags)) return {s, m};
      if (++it == end) break;  // (tested at the foot)
    }
  return {};
}

bool defines_reference(const Module& m, const Module& referrer, uint32_t index, unsigned flags) {
  return find_in_module(m, name_of_symbol(referrer, index), version_of_reference(referrer, index),
                        flags);
}

SymbolMatch find_reference(Module* const* scope, size_t count, const Module& referrer,
                           uint32_t index, unsigned flags) {
  return find_in_scope(scope, count, name_of_symbol(referrer, index),
                       version_of_reference(referrer, index), flags);
}

}  // namespace rtld
