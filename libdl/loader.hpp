// Opening and closing objects at run time, over the core loader: the object set, reference
// counts, scopes, dynamic TLS module ids, relocation and initialisation of what an open adds,
// and unloading what a close leaves unreferenced. The embedder (ld.so) supplies the hooks
// that mirror each change into its own records and that run constructors.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rtld/diagnostics.hpp"
#include "rtld/graph.hpp"
#include "rtld/relocate.hpp"
#include "rtld/search.hpp"
#include "rtld/symbols.hpp"

namespace dl {

// RTLD_* mode bits (as <dlfcn.h> defines them on Linux).
enum Mode : int {
  kLazy = 0x1, kNow = 0x2, kNoLoad = 0x4, kDeepBind = 0x8, kGlobal = 0x100, kNoDelete = 0x1000
};

struct Hooks {
  void* context = nullptr;
  // A new object was mapped and joined the set (before relocation).
  bool (*added)(void* context, rtld::Module& m, rtld::Diagnostics& diag) = nullptr;
  // The global scope or an object's local scope changed.
  void (*scopes_changed)(void* context) = nullptr;
  // Runs the initialisers of every object not yet initialised.
  void (*initialize)(void* context) = nullptr;
  // Runs the finalisers of the objects about to be unloaded (count of them in `list`).
  void (*finalize)(void* context, rtld::Module** list, size_t count) = nullptr;
  // An object is about to be unmapped and forgotten.
  void (*removing)(void* context, rtld::Module& m) = nullptr;
  // Debugger protocol: RT_ADD (1), RT_DELETE (2), RT_CONSISTENT (0).
  void (*debug_state)(void* context, int state) = nullptr;
  // Whether an object must stay loaded for now (e.g. thread_local destructors pending).
  bool (*pinned)(void* context, const rtld::Module& m) = nullptr;
  // The embedder's recursive load lock, for bookkeeping done outside dlopen/dlclose
  // (a lazily bound PLT slot that binds to a dlopened object).
  void (*lock)(void* context) = nullptr;
  void (*unlock)(void* context) = nullptr;
  // The embedder's TLS lock, held while the object list and TLS modules change (threads
  // being created read them).
  void (*lock_tls)(void* context) = nullptr;
  void (*unlock_tls)(void* context) = nullptr;
};

struct State;  // loader.cpp: direct opens, relocation dependencies, unique symbols

// A Loader is one link-map namespace (dlmopen): its own object set, global scope, unique-symbol
// table and bookkeeping; a symbol reference is only ever resolved inside its namespace. The
// base namespace (id 0) is the Loader the embedder sets up; it holds the others, which share
// its search configuration, hooks, static TLS and lazy-binding setup, and which start empty
// (ld.so itself joins one as a stand-in record, a copy of the base set's ldso module).
struct Loader {
  rtld::ObjectSet* set = nullptr;
  const rtld::SearchConfig* search = nullptr;
  Hooks hooks;
  // Static TLS still free for objects opened later (variant II: bytes below the used part).
  size_t static_tls_limit = 0;
  // Of that, what objects that merely prefer static TLS (TLS descriptors) may still take.
  size_t static_tls_optional = 0;
  // Told of each object relocated and each binding made (LD_DEBUG=reloc, bindings); may be null.
  void (*relocating)(const rtld::Module& m, bool lazy) = nullptr;
  void (*bound)(const rtld::Module& referrer, uint32_t index, const rtld::Resolved& def) = nullptr;
  // Told of each object a symbol lookup searches (LD_DEBUG=symbols); may be null. When set,
  // resolve_symbol takes a slower path that walks the scopes object by object.
  void (*looking)(const char* name, const rtld::Module& m) = nullptr;
  // LD_DEBUG=scopes: an object's scopes from number `from` on (at dlopen, as glibc shows
  // them), and an object made global by RTLD_GLOBAL.
  void (*show_scope)(const rtld::Module& m, size_t from) = nullptr;
  void (*made_global)(const rtld::Module& m) = nullptr;
  // LD_DEBUG=bindings: a dlopened object becomes NODELETE because `from` (which cannot be
  // unloaded) bound to it, or (from null) because it defines a unique symbol.
  void (*marking_nodelete)(const rtld::Module& m, const rtld::Module* from) = nullptr;
  // LD_DEBUG=files: an object made NODELETE by an open (`activating`: after its relocation).
  void (*nodelete_files)(const rtld::Module& m, bool activating) = nullptr;
  // Told of each needed version checked in a newly opened object (LD_DEBUG=versions).
  void (*checking_version)(const rtld::Module& target, const char* version, const rtld::Module& requirer) = nullptr;
  // Lazy binding of PLT slots (unless RTLD_NOW or the object asks for BIND_NOW).
  const rtld::LazyBinding* lazy = nullptr;
  uintptr_t lazy_entry = 0;
  // Initialises a static TLS block of a newly opened object in every running thread.
  void (*init_static_tls_block)(void* context, const rtld::Module& m) = nullptr;
  State* state = nullptr;  // created on first use

  // Namespaces. In the base: how many may exist at once (itself included) and the others by
  // id (made on first use). In the others: their id and the base.
  size_t max_namespaces = 1;
  Loader** namespaces = nullptr;
  long id = 0;
  Loader* base = nullptr;
};

// The namespace `id` of the base loader `base` (0: base itself) if it holds objects, or null.
Loader* find_namespace(Loader& base, long id);

// An empty namespace (the lowest id not in use), set up like the base one; null when all
// base.max_namespaces are in use. It is in use (and keeps its id) once an open succeeds in it,
// and free again when its last object is unloaded. Its hooks are the base's (the embedder may
// give it a context of its own).
Loader* new_namespace(Loader& base);

// The namespace whose object set lists `m` (the base when none does).
Loader& namespace_of(Loader& base, const rtld::Module& m);

// The namespaces holding objects after `after`, in id order: for (Loader* l = &base; l;
// l = next_namespace(base, l)) visits every one (the base always).
Loader* next_namespace(Loader& base, const Loader* after);

// dlopen: the object named `name` (with its dependencies), relocated and initialised;
// `caller` is the object whose RPATH/RUNPATH and $ORIGIN apply.
rtld::Module* open(rtld::Diagnostics& diag, Loader& loader, const char* name, int mode,
                   rtld::Module* caller);

// dlclose: drops one reference; unloads whatever no longer has any.
bool close(rtld::Diagnostics& diag, Loader& loader, rtld::Module* m);

// The dlopened objects `m` bound symbols to outside its dependencies, oldest first.
size_t relocation_dependencies(const Loader& loader, const rtld::Module& m, rtld::Module* const** used);

// The order in which the loader's objects are finalised at exit, as glibc's _dl_fini sorts them
// (dependents first, relocation dependencies included): into out, with `scratch` of the same
// size (set->count each).
size_t finalization_order(const Loader& loader, rtld::Module** out, rtld::Module** scratch);

// The objects opened after `m`'s first opener whose dependencies include `m`: their
// dependencies are searched too, after m's first opener's (glibc's l_scope beyond [1]).
size_t extra_scopes(const Loader& loader, const rtld::Module& m, rtld::Module* const** roots);

// One list of objects a lookup searches: `items` (count of them), or the single object `only`.
struct ScopeList {
  rtld::Module* const* items;
  size_t count;
  const rtld::Module* only;
};

// glibc's l_scope of an object: the lists its symbol lookups search, in order (DT_SYMBOLIC's
// own, the global scope, the local scope of the open that loaded it, those of later opens
// that include it; DEEPBIND's first). Fills up to `max`; returns how many there are.
size_t scopes_of(const Loader& loader, const rtld::Module& m, ScopeList* out, size_t max);

// At exit (glibc's _dl_fini, which bumps every l_direct_opencount): nothing is unloaded any
// more, not even by a dlclose in a destructor (in any namespace of the base `loader`).
void hold_all(Loader& loader);

// What glibc's lookup does after finding `match` for a reference from `referrer`: an
// STB_GNU_UNIQUE symbol binds to the process's first definition (and makes a dlopened definer
// NODELETE); with `add_dependency`, a dlopened definer outside the referrer's dependencies
// stays loaded while the referrer is (or forever, when the referrer cannot be unloaded).
rtld::SymbolMatch bound(Loader& loader, const rtld::Module* referrer, const rtld::SymbolName& name,
                        rtld::SymbolMatch match, bool add_dependency, bool copy = false);

// Symbol resolution for relocating an object (context: the Loader): its own scope rules
// (DF_SYMBOLIC, DEEPBIND), the global scope, then its local scope.
bool resolve_symbol(void* context, const rtld::Module& referrer, uint32_t index, unsigned flags,
                    rtld::Resolved& out);

}  // namespace dl
