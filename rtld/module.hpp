// One loaded ELF object: where it is, what its dynamic section says, its symbol tables,
// TLS module and dependencies. The central record of the core loader.
#pragma once
#include <cstddef>
#include <cstdint>

#include "dynamic.hpp"
#include "image.hpp"
#include "memory.hpp"

namespace rtld {

struct LazyBinding;  // relocate.hpp

struct Version {  // one entry of an object's version index (VERDEF and VERNEED)
  const char* name = nullptr;
  uint32_t hash = 0;
  bool hidden = false;
  const char* file = nullptr;  // VERNEED: the file that should define it
  // VERNEED: the last definition found to be this version (by name), so that the next lookup
  // asking for it compares a pointer, not a string. Read and written atomically (lazy binding
  // runs in any thread); a stale value only costs the string comparison.
  mutable const Version* matched = nullptr;
};
// (matched, mutable, cannot be read here: its initialiser above is nullptr too)
template <>
inline constexpr bool kZeroConstructed<Version> = [] {
  Version v;
  return !v.name && !v.hash && !v.hidden && !v.file;
}();
static_assert(kZeroConstructed<Version> &&
              sizeof(Version) == 3 * sizeof(void*) + 8);  // (a new member: check it above)

inline constexpr uintptr_t kBloomPassAll = ~uintptr_t{0};

struct GnuHash {
  uint32_t nbuckets = 0, symoffset = 0;
  uint32_t symbol_end = 0;  // one past the last symbol the chains hold (symbol_count may be more: DT_HASH's)
  // The bloom filter: bloom_mask + 1 words. Objects without one (no GNU hash table, or a
  // shift of 0) get a word that lets every name through, so scope walks need no test for it.
  uint32_t bloom_mask = 0, bloom_shift = 0;
  // Whether a symbol the chains hold may be found by a lookup (an executable's may hold only
  // undefined ones): else searching the object finds nothing.
  bool holds_definitions = false;
  const uintptr_t* bloom = &kBloomPassAll;
  const uint32_t* buckets = nullptr;
  const uint32_t* chain = nullptr;  // indexed by symbol index - symoffset
};

struct SysvHash {
  uint32_t nbucket = 0, nchain = 0;
  const uint32_t* buckets = nullptr;
  const uint32_t* chain = nullptr;
};

struct TlsModule {
  size_t id = 0;          // 0: no TLS
  intptr_t tp_offset = 0;  // block address minus the thread pointer (static TLS)
  bool is_static = false;
};

struct Module {
  const char* path = nullptr;     // as opened (or as the kernel/argv named it)
  const char* name = nullptr;     // the name it was asked for
  const char* soname = nullptr;   // DT_SONAME, if any
  const char* origin = nullptr;   // what $ORIGIN expands to (absolute)
  Image image;
  DynamicInfo dyn;
  GnuHash gnu;
  SysvHash sysv;
  Version* versions = nullptr;  // indexed by VERSYM values
  size_t version_count = 0;
  TlsSegment tls_segment;
  TlsModule tls;
  uint64_t device = 0, inode = 0;
  bool has_file_id = false;

  Module** deps = nullptr;  // DT_NEEDED, in order, resolved
  size_t dep_count = 0;
  uint64_t filtee_deps = 0;  // bit j: deps[j] is a DT_FILTER/DT_AUXILIARY filtee (j < 64)
  Module* loader = nullptr;  // the object whose DT_NEEDED brought it in
  Module* next = nullptr;  // load order
  Module* prev = nullptr;

  bool is_main = false, is_ldso = false, is_vdso = false;
  bool missing = false;  // a placeholder for a library that was not found (trace mode)
  bool listed = false;  // in the object set's load order
  bool global = true;   // part of the global scope
  // The {module, offset} arguments of this object's TLS descriptors that resolve through the
  // dynamic TLS path: blocks of RelocationOptions::allocate, each [next, module id, offset],
  // chained here so that whoever unloads the object can release them.
  uintptr_t* tls_desc_args = nullptr;
  struct KeptImage* kept =
      nullptr;  // its writable pages as first mapped (see ObjectSet::keep_limit)
  bool relocated = false, init_started = false, init_done = false, fini_done = false;
  bool versions_checked = false;
  // Run-time loading (dlopen): objects it brought in can be unloaded again.
  bool dynamic = false;    // loaded after start-up
  bool nodelete = false;   // RTLD_NODELETE or DF_1_NODELETE
  bool deepbind = false;   // RTLD_DEEPBIND: its own scope before the global one
  uint32_t refcount = 0;   // opens whose dependency closure includes it
  uint32_t direct_opens = 0;  // opens of this very object (glibc's l_direct_opencount)
  Module* scope_root = nullptr;   // the object whose open loaded it (its local scope)
  Module** closure = nullptr;     // itself and its dependencies, breadth-first
  size_t closure_count = 0;
  uint32_t visit_mark = 0;  // traversal scratch
  const LazyBinding* lazy = nullptr;  // set when its PLT is bound lazily
  void* client = nullptr;   // the embedder's record for this object (ld.so: glibc's link_map)

  uintptr_t bias() const { return image.bias; }
  const char* str(uint32_t offset) const { return dyn.strtab + offset; }
  // Number of symbols in the dynamic symbol table (derived from the hash tables).
  size_t symbol_count = 0;
};
// A Module's defaults that are not zero (its ~800 bytes are otherwise written twice).
template <>
inline void construct_over_zeroes<Module>(Module* m) {
  construct_over_zeroes(&m->image);
  m->tls_segment.align = 1;
  m->gnu.bloom = &kBloomPassAll;
  m->global = true;
}

// Fills the hash table views, the version index and the symbol count from the dynamic info.
bool prepare_module(Diagnostics& diag, Arena& arena, Module& m);

}  // namespace rtld
