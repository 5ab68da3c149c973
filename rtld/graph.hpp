// The set of loaded objects: loading the DT_NEEDED graph breadth-first, deduplicated by name,
// SONAME and (device, inode); the global scope; version checks; init and fini order.
#pragma once
#include <cstddef>
#include <cstdint>

#include "diagnostics.hpp"
#include "memory.hpp"
#include "module.hpp"
#include "search.hpp"
#include "tls.hpp"

namespace rtld {

// An object's writable segments as first mapped, before relocation. After the object's last
// dlclose its mapping is kept with them, and a reopen of the same file (same device, inode,
// size and change time) puts them back (their bss zeroed) and relocates it again instead of
// mapping it anew.
struct KeptImage {
  KeptImage* next = nullptr;
  platform::FileId id;
  Image image;
  uint8_t* initial = nullptr;  // their bytes from the file, segment after segment (after it)
  const char* path = nullptr;  // the file's path as it was opened (after those)
};

struct ObjectSet {
  Arena* arena = nullptr;
  Module* first = nullptr;  // load order; the executable first
  Module* last = nullptr;
  size_t count = 0;
  Module* main = nullptr;
  Module* ldso = nullptr;
  Module** scope = nullptr;  // the global scope as a flat array, in load order (see global_scope)
  size_t scope_count = 0;
  uint32_t lookups = 0;  // look-ups under way without the embedder's lock (see begin_lookup)
  StaticTls tls;
  // LD_DEBUG: told when load_object goes looking for `name` for `requester` (not loaded
  // yet), when a search by name (no slash) is over, and of each object it maps as it joins
  // the set. Each may be null.
  void (*loading)(const char* name, const Module* requester) = nullptr;
  void (*searched)() = nullptr;
  void (*loaded)(const Module& m) = nullptr;
  // Objects that load_object maps get a KeptImage when their writable segments take at most
  // keep_limit bytes of memory (0: none do); retire_image keeps the last kMaxKept mapped.
  size_t keep_limit = 0;
  KeptImage* kept = nullptr;  // newest first
  static constexpr size_t kMaxKept = 4;
};

// An unloaded object's mapping: kept (see KeptImage) when it has a KeptImage and no text
// relocations (its code is as mapped) and `keep`, else unmapped.
void retire_image(ObjectSet& set, Module& m, bool keep);

void append_module(ObjectSet& set, Module* m);
// Unlinks m from the load order (m->next is left: see the function).
void remove_module(ObjectSet& set, Module* m);

// Fills m.closure: m and its dependencies, breadth-first, each once.
bool build_closure(ObjectSet& set, Module& m);

// The loaded object known by `name` (its requested name, path or SONAME), or nullptr.
Module* find_loaded(const ObjectSet& set, const char* name);

// Makes a Module for an already mapped image: decodes PT_DYNAMIC and prepares the symbol
// tables. The module is not yet in the set.
Module* make_module(Diagnostics& diag, ObjectSet& set, const Image& image, const char* path,
                    const char* name);

// Finds `name` (already loaded, or on the search path), maps it and appends it to the set.
Module* load_object(Diagnostics& diag, ObjectSet& set, const SearchConfig& config,
                    const char* name, Module* requester);

// Loads the DT_NEEDED closure breadth-first, starting from `from` and walking the set in load
// order (so preloads appended after the executable come before its dependencies).
// With `tolerate_missing` (ldd's trace mode) a library that cannot be found becomes a
// placeholder module marked `missing` instead of an error.
bool load_dependencies(Diagnostics& diag, ObjectSet& set, const SearchConfig& config,
                       Module* from, bool tolerate_missing = false);

// Receives each version problem as glibc's ld.so prints it at start-up: the object that should
// define the version, the message, and whether it is fatal (false for the warnings).
struct VersionReporter {
  void (*report)(void* context, const char* object, const char* message, bool fatal) = nullptr;
  void* context = nullptr;
  // Told of each needed version before it is looked for in `target` (LD_DEBUG=versions).
  void (*checking)(const Module& target, const char* version, const Module& requirer) = nullptr;
};

// Every VERNEED of `m` must be defined by the named object (weak ones excepted). Without a
// reporter the first missing version fails into `diag`; with one, every problem (and glibc's
// warnings: no version information, weak version missing) is reported and the check goes on.
// False if a version is missing.
bool check_versions(Diagnostics& diag, const ObjectSet& set, Module& m,
                    const VersionReporter& reporter = {});

// Rebuilds the flat global scope: the objects it had that are still global, in the order they
// had, then those newly global: first as listed in `added` (count of them), then in load order.
// (glibc appends to its global scope; an object keeps its place.)
bool build_global_scope(ObjectSet& set, Module* const* added = nullptr, size_t added_count = 0);

// Look-ups made without the embedder's lock (lazy binding, in any thread) read the global
// scope, the objects' local scopes and the objects themselves while dlopen and dlclose, in
// another thread, change them. Each such look-up is counted in set.lookups from before its
// first read to after its last; whatever is taken out of their reach (a replaced scope array,
// an unloaded object) is released only after wait_for_lookups, which returns once every
// look-up that may still hold it is over (glibc's THREAD_GSCOPE_WAIT). Changes are published
// with release stores: a look-up sees an array only after its contents.
inline void begin_lookup(ObjectSet& set) {
  __atomic_fetch_add(&set.lookups, 1, __ATOMIC_SEQ_CST);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // its reads come after the count is seen
}
inline void end_lookup(ObjectSet& set) { __atomic_fetch_sub(&set.lookups, 1, __ATOMIC_RELEASE); }
void wait_for_lookups(ObjectSet& set);

// The global scope as such a look-up reads it: the array and its length, which is kept in the
// word before the array so that the two always match.
struct ScopeView {
  Module* const* items;
  size_t count;
};
[[gnu::always_inline]] inline ScopeView global_scope(const ObjectSet& set) {
  Module* const* items = __atomic_load_n(&set.scope, __ATOMIC_ACQUIRE);
  return {items, items ? reinterpret_cast<const size_t*>(items)[-1] : 0};
}

// Fills `out` (set.count entries) with the objects in initialisation order: dependencies before
// their dependents, as glibc's depth-first sort orders them. Returns the number written.
size_t initialization_order(ObjectSet& set, Module** out);

// The display name glibc uses for an object in messages.
const char* display_name(const Module& m);

}  // namespace rtld
