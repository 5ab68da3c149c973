// Symbol lookup: GNU hash with its bloom filter, SysV hash, and version matching.
#pragma once
#include <cstddef>
#include <cstdint>

#include "module.hpp"

namespace rtld {

uint32_t gnu_hash(const char* name, size_t* length = nullptr);  // length: strlen(name), if asked for
uint32_t image_gnu_hash(const char* name);  // for a name inside a loaded image (faster)
// The ELF (SysV) hash; constexpr, so that a literal's is worked out at compile time.
constexpr uint32_t sysv_hash(const char* name) {
  uint32_t h = 0;
  for (const char* p = name; *p; ++p) {
    h = (h << 4) + static_cast<unsigned char>(*p);
    uint32_t g = h & 0xf0000000u;
    h ^= g >> 24;
    h &= ~g;
  }
  return h;
}
// gnu_hash by its definition, a byte at a time: for names known at compile time.
constexpr uint32_t gnu_hash_of(const char* name) {
  uint32_t h = 5381;
  for (const char* p = name; *p; ++p) h = h * 33 + static_cast<unsigned char>(*p);
  return h;
}

// A name with its hashes computed once per lookup, not once per object.
struct SymbolName {
  explicit SymbolName(const char* n) : name(n), gnu(gnu_hash(n, &length)) {}
  SymbolName(const char* n, uint32_t gnu_hash_value, bool image)
      : name(n), gnu(gnu_hash_value), in_image(image) {}
  const char* name;
  size_t length = 0;  // strlen(name), when the name was hashed here (else 0)
  uint32_t gnu;
  // The name, and the version asked for with it, are strings of a loaded image (a relocation's
  // symbol): they may be compared a word at a time (image_str_eq).
  bool in_image = false;
  uint32_t sysv() const {
    if (!sysv_known_) sysv_ = sysv_hash(name), sysv_known_ = true;
    return sysv_;
  }

 private:
  mutable uint32_t sysv_ = 0;
  mutable bool sysv_known_ = false;
};

// The name of symbol `index` of `m`, with its GNU hash: read back from m's own GNU hash table
// when the symbol is in it (most references of a large library are to its own symbols, and
// hashing long C++ names is the single largest cost of a lookup), else computed.
SymbolName name_of_symbol(const Module& m, uint32_t index);

enum LookupFlags : unsigned {
  kLookupDefault = 0,
  kLookupNewest = 1,  // unversioned request from dlsym: take the default version
  // A PLT (or TLS) reference. Other references also accept an undefined symbol that has an
  // address: a non-PIE executable's PLT entry standing for a library function, whose address
  // it is for everyone (glibc's ELF_RTYPE_CLASS_PLT).
  kLookupPlt = 2,
};

struct SymbolMatch {
  const elf::Sym* sym = nullptr;
  const Module* module = nullptr;
  explicit operator bool() const { return sym != nullptr; }
};

// Whether an object's GNU bloom filter proves it does not define the name (cheap; inlined into
// scope walks so that most objects cost no call).
// The parts of the bloom test that depend on the name only, computed once for a scope walk.
struct BloomProbe {
  static constexpr uint32_t kBits = sizeof(uintptr_t) * 8;
  explicit BloomProbe(uint32_t gnu) : hash(gnu), word(gnu / kBits), first(uintptr_t{1} << (gnu % kBits)) {}
  [[gnu::always_inline]] bool rejects(const Module& m) const {
    const GnuHash& g = m.gnu;  // (an object without a filter has one that lets all through)
    uintptr_t mask = first | (uintptr_t{1} << ((hash >> g.bloom_shift) % kBits));
    return (g.bloom[word & g.bloom_mask] & mask) != mask;
  }
  uint32_t hash, word;
  uintptr_t first;
};

[[gnu::always_inline]] inline bool bloom_rejects(const Module& m, const SymbolName& name) {
  return BloomProbe(name.gnu).rejects(m);
}

// Binding classes check_symbol accepts for a definition: the caller of own_definition may leave
// unique symbols out (to settle them some other way).
constexpr unsigned kDefinableBinds =
    (1u << elf::STB_GLOBAL) | (1u << elf::STB_WEAK) | (1u << elf::STB_GNU_UNIQUE);
constexpr unsigned kDefinableTypes = (1u << elf::STT_NOTYPE) | (1u << elf::STT_OBJECT) |
                                     (1u << elf::STT_FUNC) | (1u << elf::STT_COMMON) |
                                     (1u << elf::STT_TLS) | (1u << elf::STT_GNU_IFUNC);

// Whether symbol `index` of `m` is a definition that m's own reference to it (a relocation)
// accepts, global or weak (unique symbols are left to the resolver): what a search of m's GNU
// hash table for its name and version would find, since an object defines a name once per
// version. The version asked for is the symbol's own (reference_version), so only an
// unversioned reference has one to check.
[[gnu::always_inline]] inline bool own_definition(const Module& m, uint32_t index, unsigned flags) {
  if (index < m.gnu.symoffset || index >= m.gnu.symbol_end) return false;  // not in the chains
  const elf::Sym& s = m.dyn.symtab[index];
  // The binding and the type at once, as st_info holds them (binding << 4 | type): global (1) or
  // weak (2) with a definable type.
  constexpr uint64_t kGlobalOrWeak = uint64_t{kDefinableTypes} << (16 * elf::STB_GLOBAL) |
                                     uint64_t{kDefinableTypes} << (16 * elf::STB_WEAK);
  if (s.st_shndx == elf::SHN_UNDEF || s.st_info >= 64 || !((kGlobalOrWeak >> s.st_info) & 1) ||
      (s.st_value == 0 && s.st_shndx != elf::SHN_ABS && elf::st_type(s.st_info) != elf::STT_TLS))
    return false;
  if (const uint16_t* versym = m.dyn.versym) {
    // A version index of the object's own (reference_version gives it): the one asked for.
    // Otherwise the reference is unversioned, which a non-default version does not satisfy.
    const uint16_t v = versym[index] & elf::VERSYM_INDEX;
    if (v >= ((flags & kLookupNewest) ? 2 : 3) &&
        !(m.versions && v < m.version_count && m.versions[v].name))
      return false;
  }
  return true;
}

// Whether `m` defines the name of the referrer's symbol `index` for its reference (its version),
// once m's bloom filter has let bits 31..1 of the hash through.
bool defines_reference(const Module& m, const Module& referrer, uint32_t index, unsigned flags);

// Whether none of `ahead` (the objects a lookup asks before the referrer) defines the name of
// the referrer's symbol `index`, one of its GNU hash table's. Bits 31..1 of the hash are in the
// referrer's chain: the bloom filters are asked with either value of bit 0, and an object whose
// filter lets the name through is searched.
[[gnu::always_inline]] inline bool none_ahead_defines(Module* const* ahead, size_t count,
                                                      const Module& referrer, uint32_t index,
                                                      unsigned flags) {
  constexpr uint32_t kBits = BloomProbe::kBits;
  const uint32_t h = referrer.gnu.chain[index - referrer.gnu.symoffset] & ~1u;
  const uint32_t word = h / kBits;
  const uintptr_t pair = uintptr_t{3} << (h % kBits);
  for (Module *const *p = ahead, *const *end = ahead + count; p != end; ++p) {
    const GnuHash& g = (*p)->gnu;  // (an object without a filter has one that lets all through)
    const uintptr_t w = g.bloom[word & g.bloom_mask];
    if ((w & pair) && ((w >> ((h >> g.bloom_shift) % kBits)) & 1) &&
        defines_reference(**p, referrer, index, flags))
      return false;
  }
  return true;
}

// The definition of `name` in one object, honouring the requested version (or none).
const elf::Sym* find_in_module(const Module& m, const SymbolName& name, const Version* want,
                               unsigned flags);

// The first definition along a scope (an array of objects), skipping `skip` if given.
SymbolMatch find_in_scope(Module* const* scope, size_t count, const SymbolName& name,
                          const Version* want, unsigned flags, const Module* skip = nullptr);

// find_in_scope for the reference of relocation symbol `index` of `referrer`, for the version
// it asks for (reference_version), its name and hash read from the referrer's tables. (The
// relocation driver settles references to the referrer's own definitions before this, with
// own_definition and none_ahead_defines.)
SymbolMatch find_reference(Module* const* scope, size_t count, const Module& referrer,
                           uint32_t index, unsigned flags);

// glibc's rule for a reference to a symbol that the referring object itself defines with
// protected visibility: it binds to that definition, unless what the scope found first is an
// executable's PLT entry standing for this very function (the first real definition, which
// `first_real()` looks up with kLookupPlt, being the referrer's): function addresses stay equal.
template <class Lookup>
SymbolMatch bind_protected(const Module& referrer, uint32_t index, SymbolMatch found,
                           Lookup first_real) {
  const elf::Sym& ref = referrer.dyn.symtab[index];
  if (elf::st_visibility(ref.st_other) != elf::STV_PROTECTED || ref.st_shndx == elf::SHN_UNDEF ||
      found.module == &referrer)
    return found;
  if (found && found.sym->st_shndx == elf::SHN_UNDEF && first_real().module == &referrer)
    return found;
  return {&ref, &referrer};
}

// The version a reference in `m` to symbol `index` asks for, or nullptr.
[[gnu::always_inline]] inline const Version* reference_version(const Module& m, uint32_t index) {
  if (!m.dyn.versym || !m.versions) return nullptr;
  uint16_t v = m.dyn.versym[index] & elf::VERSYM_INDEX;
  if (v < 2 || v >= m.version_count || !m.versions[v].name) return nullptr;
  return &m.versions[v];
}
// The same, out of line (reference_version is inlined where every instruction counts).
inline const Version* version_of_reference(const Module& m, uint32_t index) {
  return reference_version(m, index);
}

}  // namespace rtld
