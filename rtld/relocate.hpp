// The architecture-neutral relocation driver: REL, RELA and RELR tables, each entry's type
// classified by arch/ into a generic kind, applied with a caller-supplied symbol resolver.
#pragma once
#include <cstddef>
#include <cstdint>

#include "diagnostics.hpp"
#include "module.hpp"
#include "symbols.hpp"

namespace rtld {

// What a symbol reference resolved to: a definition in a loaded object, or (for embedders that
// supply their own symbols) a plain address.
struct Resolved {
  const Module* module = nullptr;
  const elf::Sym* sym = nullptr;
  uintptr_t address = 0;  // used when module is null
  bool found = false;
};

enum ResolveFlags : unsigned {
  kResolveCopy = 1,      // for a COPY relocation: skip the executable itself
  kResolveJumpSlot = 2,  // a PLT reference
  kResolveLazy = 4,      // a lazy binding: the caller holds no lock (see rtld::begin_lookup)
};

// Finds the definition for symbol `index` of `referrer` (name, version and binding are read
// from its tables). Returns false only for an error the caller wants reported as is.
struct SymbolResolver {
  bool (*resolve)(void* context, const Module& referrer, uint32_t index, unsigned flags,
                  Resolved& out);
  void* context;
};

// Counts for LD_DEBUG=statistics: symbol lookups, lookups served by the one-entry cache,
// and relative relocations.
struct RelocationStats {
  uint64_t lookups = 0, cache_hits = 0, relative = 0;
};

// Lazy binding: how a PLT slot is bound at its first call, and what an unresolvable one does.
struct LazyBinding {
  SymbolResolver resolver;
  [[noreturn]] void (*fail)(const Diagnostics& diag);
  bool bind_not = false;  // LD_BIND_NOT: resolve each call, never update the slot
  RelocationStats* stats = nullptr;
  // Told of each binding (LD_DEBUG=bindings); may be null.
  void (*bound)(const Module& referrer, uint32_t index, const Resolved& def) = nullptr;
};

struct RelocationOptions {
  SymbolResolver resolver;
  bool defer_irelative = true;
  // With a binding and an entry point, JUMP_SLOTs are left for their first call.
  const LazyBinding* lazy = nullptr;
  uintptr_t lazy_entry = 0;
  RelocationStats* stats = nullptr;
  // A COPY relocation whose definition is larger than the executable's room for it (only that
  // much is copied); glibc warns "Symbol `NAME' has different size in shared object, ...".
  void (*copy_size_warning)(void* context, const char* symbol) = nullptr;
  void* warning_context = nullptr;
  // Memory for the {module, offset} argument of TLS descriptors resolved dynamically (objects
  // whose TLS is not in the static block); without it such descriptors are an error.
  void* (*allocate)(void* context, size_t size) = nullptr;
  void* allocate_context = nullptr;
  // ldd's relocation: IFUNC resolvers are not called (their objects may not be relocated);
  // the resolver's own address is written instead.
  bool skip_ifunc = false;
  // Told of each symbol binding (LD_DEBUG=bindings); may be null.
  void (*bound)(const Module& referrer, uint32_t index, const Resolved& def) = nullptr;
  // The scope the resolver searches first: the driver walks it itself, then the object's local
  // scope (its scope_root's closure), for objects the resolver searches in no other way first
  // (no DT_SYMBOLIC, no RTLD_DEEPBIND), and calls the resolver only for what those walks cannot
  // settle: a name not found there, a protected symbol, a unique one, a definition in another
  // object that may be unloaded. Null: the resolver for every lookup.
  Module* const* scope = nullptr;
  size_t scope_count = 0;
};

// Called by the architecture's PLT entry point: binds relocation `index` of the object whose
// handle (its Module) the PLT pushed, and returns the target.
extern "C" uintptr_t rtld_lazy_bind(Module* m, uintptr_t arg);

// Applies RELR, then REL/RELA, then the PLT table, then (deferred) IRELATIVE.
bool relocate_module(Diagnostics& diag, Module& m, const RelocationOptions& options);

// Only RELR and RELATIVE entries: for ld.so relocating itself before anything else works.
// Must be inlined into its caller: nothing may be called through the GOT yet.
template <class Rela, class Relr>
__attribute__((always_inline)) inline void relocate_relative(uintptr_t base, const Rela* rela,
                                                             size_t rela_count, uint32_t relative_type,
                                                             const Relr* relr, size_t relr_count) {
  for (size_t i = 0; i < rela_count; ++i) {
    if ((rela[i].r_info & 0xffffffff) != relative_type) continue;
    *reinterpret_cast<uintptr_t*>(base + rela[i].r_offset) = base + rela[i].r_addend;
  }
  uintptr_t* where = nullptr;
  for (size_t i = 0; i < relr_count; ++i) {
    Relr e = relr[i];
    if ((e & 1) == 0) {
      where = reinterpret_cast<uintptr_t*>(base + e);
      *where++ += base;
    } else {  // a bitmap of the next 63 (31) words: only its set bits cost anything
      if (Relr bits = e >> 1) do  // (tested at the foot)
          where[__builtin_ctzll(bits)] += base;
        while (bits &= bits - 1);
      where += sizeof(Relr) * 8 - 1;
    }
  }
}

// Address of a defined symbol, IFUNC resolvers called.
uintptr_t symbol_address(const Resolved& r);

}  // namespace rtld
