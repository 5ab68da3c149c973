// Symbol lookup: GNU hash with its bloom filter, SysV hash, and version matching.
#pragma once
#include <cstddef>
#include <cstdint>

#include "module.hpp"

namespace rtld {

uint32_t gnu_hash(const char* name);
uint32_t sysv_hash(const char* name);

// A name with its hashes computed once per lookup, not once per object.
struct SymbolName {
  explicit SymbolName(const char* n) : name(n), gnu(gnu_hash(n)) {}
  const char* name;
  uint32_t gnu;
  uint32_t sysv() const {
    if (!sysv_known_) sysv_ = sysv_hash(name), sysv_known_ = true;
    return sysv_;
  }

 private:
  mutable uint32_t sysv_ = 0;
  mutable bool sysv_known_ = false;
};

enum LookupFlags : unsigned {
  kLookupDefault = 0,
  kLookupNewest = 1,  // unversioned request from dlsym: take the default version
};

struct SymbolMatch {
  const elf::Sym* sym = nullptr;
  const Module* module = nullptr;
  explicit operator bool() const { return sym != nullptr; }
};

// The definition of `name` in one object, honouring the requested version (or none).
const elf::Sym* find_in_module(const Module& m, const SymbolName& name, const Version* want,
                               unsigned flags);

// The first definition along a scope (an array of objects), skipping `skip` if given.
SymbolMatch find_in_scope(Module* const* scope, size_t count, const SymbolName& name,
                          const Version* want, unsigned flags, const Module* skip = nullptr);

// The version a reference in `m` to symbol `index` asks for, or nullptr.
inline const Version* version_of_reference(const Module& m, uint32_t index) {
  if (!m.dyn.versym || !m.versions) return nullptr;
  uint16_t v = m.dyn.versym[index] & elf::VERSYM_INDEX;
  if (v < 2 || v >= m.version_count || !m.versions[v].name) return nullptr;
  return &m.versions[v];
}

}  // namespace rtld
