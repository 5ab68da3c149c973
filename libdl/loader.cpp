#include "loader.hpp"

#include "arch/machine.hpp"
#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "rtld/symbols.hpp"

namespace dl {
namespace {

using rtld::Diagnostics;
using rtld::Module;

}  // namespace

// A small growable list of objects (arena memory), read and changed with the load lock held.
struct ModuleList {
  Module** items = nullptr;
  uint32_t count = 0, capacity = 0;

  bool contains(const Module* m) const {
    for (uint32_t i = 0; i < count; ++i)
      if (items[i] == m) return true;
    return false;
  }
  bool add(rtld::Arena& a, Module* m) {
    if (count == capacity) {
      uint32_t cap = capacity ? capacity * 2 : 4;
      auto** grown = a.make<Module*>(cap);
      if (!grown) return false;
      for (uint32_t i = 0; i < count; ++i) grown[i] = items[i];
      a.release(items);
      items = grown;
      capacity = cap;
    }
    items[count++] = m;
    return true;
  }
  void remove(const Module* m) {
    for (uint32_t i = 0; i < count;)
      if (items[i] == m) {
        for (uint32_t j = i; j + 1 < count; ++j) items[j] = items[j + 1];
        --count;
      } else {
        ++i;
      }
  }
};

// Bookkeeping glibc keeps in its link_maps: relocation dependencies (l_reldeps), the scopes
// of later dlopens an object also belongs to (l_scope beyond its first opener), the
// STB_GNU_UNIQUE table, and whether a dlclose is running (one asked for by a destructor then
// waits for it, as glibc's dl_close_state does).
struct State {
  struct Record {
    const Module* module;
    ModuleList used;   // dlopened objects it bound to outside its dependencies
    ModuleList roots;  // objects opened later whose dependencies include it (their scopes)
    Record* next;
  };
  struct Unique {
    const char* name;
    uint32_t hash;
    const Module* module;
    const rtld::elf::Sym* sym;
  };
  // Never released (lazy binding may be walking them without the lock): the record of an
  // unloaded object is left empty, for the next object to have one (module null).
  Record* records = nullptr;
  Unique* unique = nullptr;
  size_t unique_count = 0, unique_capacity = 0;
  int closing = 0;
  bool close_again = false;
  // Objects made NODELETE while an open relocates (glibc's l_nodelete_pending), for
  // LD_DEBUG=files' "activating NODELETE" once the open can no longer fail.
  bool relocating = false;
  ModuleList pending;
};

namespace {

State* state_of(Loader& loader) {
  if (!loader.state) loader.state = loader.set->arena->make<State>();
  return loader.state;
}

// What every namespace shares: the base loader's static TLS layout, module ids and surplus.
Loader& base_of(Loader& loader) { return loader.base ? *loader.base : loader; }
rtld::StaticTls& shared_tls(Loader& loader) { return base_of(loader).set->tls; }

State::Record* record_of(const State& st, const Module* m) {
  for (State::Record* r = __atomic_load_n(&st.records, __ATOMIC_ACQUIRE); r; r = r->next)
    if (r->module == m) return r;
  return nullptr;
}

State::Record* make_record(Loader& loader, const Module* m) {
  State* st = state_of(loader);
  if (!st) return nullptr;
  if (State::Record* r = record_of(*st, m)) return r;
  State::Record* r = record_of(*st, nullptr);  // left by an unloaded object
  if (!r) {
    r = loader.set->arena->make<State::Record>();
    if (!r) return nullptr;
    r->next = st->records;
    __atomic_store_n(&st->records, r, __ATOMIC_RELEASE);
  }
  __atomic_store_n(&r->module, m, __ATOMIC_RELEASE);
  return r;
}

// Takes an object that is being unloaded out of the loader's bookkeeping.
void forget(Loader& loader, const Module* m) {
  for (Module* o = loader.set->first; o; o = o->next)
    if (o->loader == m) o->loader = nullptr;  // glibc clears l_loader the same way
  State* st = loader.state;
  // An object whose first opener goes keeps the scope of the next one, or else gets a scope
  // of its own: itself and its dependencies (glibc's _dl_close_worker replaces the closed
  // object's search list in l_scope by the object's own).
  for (Module* o = loader.set->first; o; o = o->next) {
    if (o->scope_root != m || o == m) continue;
    State::Record* r = st ? record_of(*st, o) : nullptr;
    if (r && r->roots.count) {
      o->scope_root = r->roots.items[0];
      r->roots.remove(o->scope_root);
    } else {
      __atomic_store_n(&o->scope_root, rtld::build_closure(*loader.set, *o) ? o : nullptr,
                       __ATOMIC_RELEASE);
    }
  }
  if (!st) return;
  for (State::Record* r = st->records; r; r = r->next) {
    if (r->module == m) {
      r->module = nullptr;  // (see State::records)
      r->used.count = r->roots.count = 0;
    }
    r->used.remove(m);
    r->roots.remove(m);
  }
  for (size_t i = 0; i < st->unique_count;)
    if (st->unique[i].module == m) st->unique[i] = st->unique[--st->unique_count];
    else ++i;
}

// Whether `target` is `from` or among its DT_NEEDED dependencies (transitively).
bool depends_on(rtld::ObjectSet& set, const Module* from, const Module* target) {
  if (from == target) return true;
  uint32_t mark = 0;
  for (Module* o = set.first; o; o = o->next)
    if (o->visit_mark >= mark) mark = o->visit_mark + 1;
  Module** work = set.arena->make<Module*>(set.count ? set.count : 1);
  if (!work) return false;
  size_t n = 0;
  bool found = false;
  const_cast<Module*>(from)->visit_mark = mark;
  work[n++] = const_cast<Module*>(from);
  for (size_t i = 0; i < n && !found; ++i)
    for (size_t j = 0; j < work[i]->dep_count && !found; ++j) {
      Module* d = work[i]->deps[j];
      if (d == target) found = true;
      if (d->visit_mark == mark) continue;
      d->visit_mark = mark;
      work[n++] = d;
    }
  set.arena->release(work);
  return found;
}

// glibc's add_dependency: `referrer` bound to a symbol of the dlopened `definer`.
void note_pending(Loader& loader, Module& m) {
  if (loader.state && loader.state->relocating) loader.state->pending.add(*loader.set->arena, &m);
}

void add_dependency(Loader& loader, const Module& referrer, Module& definer) {
  if (!referrer.dynamic || referrer.nodelete) {
    if (loader.marking_nodelete) loader.marking_nodelete(definer, &referrer);
    note_pending(loader, definer);
    definer.nodelete = true;  // what cannot be unloaded keeps what it uses
    return;
  }
  State::Record* r = loader.state ? record_of(*loader.state, &referrer) : nullptr;
  if (r && r->used.contains(&definer)) return;
  if (depends_on(*loader.set, &referrer, &definer)) return;
  r = make_record(loader, &referrer);
  if (!r || !r->used.add(*loader.set->arena, &definer)) definer.nodelete = true;
}

// NODELETE: what this open's relocation pinned, and RTLD_NODELETE, reported once the open
// cannot fail any more (glibc's activate_nodelete), or at once for an object opened before.
[[gnu::noinline]] void report_nodelete(Loader& loader, Module* m, bool nodelete, bool first_open) {
  if (!first_open && nodelete && !m->nodelete) loader.nodelete_files(*m, false);
  for (Module* o = first_open ? loader.set->first : nullptr; o; o = o->next)
    if ((o == m && nodelete) || (loader.state && loader.state->pending.contains(o)))
      loader.nodelete_files(*o, true);
}

// The objects a newly opened `m` needs that were loaded before this open join m's scope:
// their lookups also search m's dependencies (glibc appends m's search list to l_scope).
// With `report`, each object of the closure that gets a new scope, or is new, is shown from
// that scope on (glibc's update_scopes under LD_DEBUG=scopes).
void join_scope(Loader& loader, Module* m, bool report) {
  for (size_t i = 0; i < m->closure_count; ++i) {
    Module* o = m->closure[i];
    size_t from = 0;
    // (m itself too when an earlier open loaded it: glibc gives it its own search list.)
    if (o->dynamic && o->init_done && o->scope_root != m) {
      State::Record* r = make_record(loader, o);
      if (r && r->roots.contains(m)) continue;
      if (report) from = scopes_of(loader, *o, nullptr, 0);
      if (r) r->roots.add(*loader.set->arena, m);
    }
    if (report) loader.show_scope(*o, from);
  }
}

// glibc's unique symbol table: the first definition of an STB_GNU_UNIQUE name is the one.
rtld::SymbolMatch unique_definition(Loader& loader, const rtld::SymbolName& name,
                                    rtld::SymbolMatch match) {
  State* st = state_of(loader);
  if (!st) return match;
  for (size_t i = 0; i < st->unique_count; ++i) {
    const State::Unique& u = st->unique[i];
    if (u.hash == name.gnu && rtld::str_eq(u.name, name.name)) return {u.sym, u.module};
  }
  // (the definition's own name is kept, in its object, which stays: a damaged object's name
  // outside its string table is not)
  if (match.sym->st_name >= match.module->dyn.strsz) return match;
  if (st->unique_count == st->unique_capacity) {
    size_t cap = st->unique_capacity ? st->unique_capacity * 2 : 16;
    auto* grown = loader.set->arena->make<State::Unique>(cap);
    if (!grown) return match;
    for (size_t i = 0; i < st->unique_count; ++i) grown[i] = st->unique[i];
    loader.set->arena->release(st->unique);
    st->unique = grown;
    st->unique_capacity = cap;
  }
  st->unique[st->unique_count++] = {match.module->str(match.sym->st_name), name.gnu, match.module, match.sym};
  if (match.module->dynamic && !match.module->nodelete) {
    if (loader.marking_nodelete) loader.marking_nodelete(*match.module, nullptr);
    note_pending(loader, *const_cast<Module*>(match.module));
    const_cast<Module*>(match.module)->nodelete = true;
  }
  return match;
}

// The arguments of an unloaded object's dynamic TLS descriptors (see Module::tls_desc_args).
void release_tls_desc_args(rtld::Arena& a, Module& m) {
  for (uintptr_t* b = m.tls_desc_args; b;) {
    auto* next = reinterpret_cast<uintptr_t*>(b[0]);
    a.release(b);
    b = next;
  }
  m.tls_desc_args = nullptr;
}

// Forgets the objects appended after `keep` (a failed open), newest first.
void roll_back(Loader& loader, Module* keep, bool announced) {
  rtld::ObjectSet& set = *loader.set;
  while (set.last && set.last != keep) {
    Module* m = set.last;
    if (m->is_ldso) {  // ld.so itself is never unmapped; it just leaves the list again
      // (another namespace's stand-in for it was announced as a new object)
      if (announced && loader.base && loader.hooks.removing) loader.hooks.removing(loader.hooks.context, *m);
      rtld::remove_module(set, m);
      m->global = false;
      continue;
    }
    if (announced && loader.hooks.removing) loader.hooks.removing(loader.hooks.context, *m);
    forget(loader, m);
    rtld::remove_module(set, m);
    rtld::retire_image(set, *m, false);
    release_tls_desc_args(*set.arena, *m);
  }
  rtld::build_global_scope(set);
}

// Whether an object has TLS descriptor relocations (-mtls-dialect=gnu2).
bool uses_tls_descriptors(const Module& m) {
  auto any = [](const rtld::Table<rtld::elf::Rela>& table) {
    for (const rtld::elf::Rela& r : table)
      if (arch::classify(rtld::elf::Native::r_type(r.r_info)).kind == rtld::RelocKind::TlsDesc)
        return true;
    return false;
  };
  return any(m.dyn.rela) || any(m.dyn.plt_rela);
}

// A module id for a newly opened object with TLS, and a static block if it needs one.
bool assign_tls(Diagnostics& diag, Loader& loader, Module& m) {
  if (!m.image.has_tls) return true;
  Loader& base = base_of(loader);
  rtld::StaticTls& tls = base.set->tls;
  // Reuse the lowest id no loaded object (of any namespace) holds.
  size_t id = 1;
  for (bool taken = true; taken; ++id) {
    taken = false;
    for (Loader* ns = &base; ns && !taken; ns = next_namespace(base, ns))
      for (Module* o = ns->set->first; o && !taken; o = o->next) taken = o != &m && o->tls.id == id;
    if (!taken) break;
  }
  if (m.dyn.flags & rtld::elf::DF_STATIC_TLS) {
    rtld::StaticTls trial = tls;
    rtld::assign_tls(trial, m, true);
    if (trial.size > base.static_tls_limit)
      return diag.fail(m.path, "cannot allocate memory in static TLS block");
    tls.size = trial.size;
    if (trial.align > tls.align) tls.align = trial.align;
  } else if (uses_tls_descriptors(m)) {
    // glibc's TRY_STATIC_TLS: TLS descriptors of a dlopened object use static TLS while the
    // optional part of the surplus (glibc.rtld.optional_static_tls) lasts.
    rtld::StaticTls trial = tls;
    rtld::assign_tls(trial, m, true);
    size_t use = trial.size - tls.size;
    size_t max_align = tls.align < 64 ? 64 : tls.align;  // GLRO(dl_tls_static_align)
    if (trial.size <= base.static_tls_limit && use <= base.static_tls_optional &&
        m.image.tls.align <= max_align) {
      base.static_tls_optional -= use;
      tls.size = trial.size;
    } else {
      m.tls.is_static = false;
      m.tls.tp_offset = 0;
    }
  }
  m.tls.id = id;
  if (id >= tls.next_id) tls.next_id = id + 1;
  ++tls.generation;
  return true;
}

bool relocate_new(Diagnostics& diag, Loader& loader, Module* first_new, int mode) {
  rtld::RelocationOptions options{{resolve_symbol, &loader}};
  if (!(mode & kNow) && loader.lazy) options.lazy = loader.lazy, options.lazy_entry = loader.lazy_entry;
  options.allocate = [](void* arena, size_t size) { return static_cast<rtld::Arena*>(arena)->allocate(size); };
  options.allocate_context = loader.set->arena;
  options.bound = loader.bound;
  if (!loader.looking) options.scope = loader.set->scope, options.scope_count = loader.set->scope_count;
  (void)first_new;
  // Dependencies before dependents, as at start-up.
  auto** order = loader.set->arena->make<Module*>(loader.set->count);
  if (!order) return diag.fail("", "cannot allocate memory");
  size_t count = rtld::initialization_order(*loader.set, order);
  bool ok = true;
  for (size_t i = 0; i < count && ok; ++i) {
    Module* m = order[i];
    if (m->relocated) continue;
    if (loader.relocating) loader.relocating(*m, options.lazy && !m->dyn.bind_now);
    ok = rtld::relocate_module(diag, *m, options);
    if (ok && !rtld::protect_relro(m->image))
      ok = diag.fail(m->path, "cannot apply additional memory protection after relocation");
  }
  loader.set->arena->release(order);
  return ok;
}

}  // namespace

namespace {

// resolve_symbol's lookup with LD_DEBUG=symbols: the same scopes in the same order (those
// scopes_of lists, as glibc's l_scope), object by object, telling loader.looking of each
// object searched (glibc's do_lookup_x names every one, bloom filter or not).
[[gnu::noinline]] rtld::SymbolMatch find_traced(const Loader& loader, const Module& referrer,
                                                uint32_t index, unsigned flags) {
  const rtld::elf::Sym& sym = referrer.dyn.symtab[index];
  rtld::SymbolName name(referrer.str(sym.st_name));
  const rtld::Version* want = rtld::version_of_reference(referrer, index);
  bool copy = (flags & rtld::kResolveCopy) != 0;
  ScopeList scopes[16];
  size_t n = scopes_of(loader, referrer, scopes, 16);
  auto lookup = [&](unsigned lookup_flags) -> rtld::SymbolMatch {
    for (size_t i = 0; i < n && i < 16; ++i)
      for (size_t j = 0; j < (scopes[i].only ? 1 : scopes[i].count); ++j) {
        const Module* m = scopes[i].only ? scopes[i].only : scopes[i].items[j];
        if (copy && m == loader.set->main) continue;  // a copy relocation skips the executable
        loader.looking(name.name, *m);
        if (const rtld::elf::Sym* s = rtld::find_in_module(*m, name, want, lookup_flags)) return {s, m};
      }
    return {};
  };
  unsigned lookup_flags = (flags & rtld::kResolveJumpSlot) ? unsigned{rtld::kLookupPlt} : 0u;
  rtld::SymbolMatch match = lookup(lookup_flags);
  if (!copy) match = rtld::bind_protected(referrer, index, match, [&] { return lookup(rtld::kLookupPlt); });
  return match;
}

// One of a reference's scopes searched (a COPY relocation's look-up skips the executable: by
// name, rare).
rtld::SymbolMatch search_in(Module* const* scope, size_t count, const Module& referrer,
                            uint32_t index, unsigned lookup_flags, const Module* skip) {
  return skip ? rtld::find_in_scope(scope, count, rtld::name_of_symbol(referrer, index),
                                    rtld::version_of_reference(referrer, index), lookup_flags, skip)
              : rtld::find_reference(scope, count, referrer, index, lookup_flags);
}

// A reference's scopes in order (those scopes_of lists); with `extra`, the scopes of later
// opens the referrer belongs to too (read with the load lock held).
rtld::SymbolMatch search_scopes(const Loader& loader, const Module& referrer, uint32_t index,
                                unsigned flags, unsigned lookup_flags, bool extra) {
  const Module* skip = (flags & rtld::kResolveCopy) ? loader.set->main : nullptr;
  const Module* root = __atomic_load_n(&referrer.scope_root, __ATOMIC_ACQUIRE);
  rtld::SymbolMatch match;
  if (referrer.dyn.symbolic && !skip) {
    Module* const self[] = {const_cast<Module*>(&referrer)};
    match = search_in(self, 1, referrer, index, lookup_flags, skip);
  }
  Module* const* own = root ? __atomic_load_n(&root->closure, __ATOMIC_ACQUIRE) : nullptr;
  if (!match && own && root->deepbind)
    match = search_in(own, root->closure_count, referrer, index, lookup_flags, skip);
  if (!match) {
    rtld::ScopeView global = rtld::global_scope(*loader.set);
    match = search_in(global.items, global.count, referrer, index, lookup_flags, skip);
  }
  if (!match && own)
    match = search_in(own, root->closure_count, referrer, index, lookup_flags, skip);
  if (!match && extra && loader.state)
    if (const State::Record* r = record_of(*loader.state, &referrer))
      for (uint32_t i = 0; i < r->roots.count && !match; ++i)
        if (const Module* o = r->roots.items[i]; o->closure)
          match = search_in(o->closure, o->closure_count, referrer, index, lookup_flags, skip);
  return match;
}

// The definition a reference binds to, before bound()'s bookkeeping (`trace`: as
// LD_DEBUG=symbols shows it; `extra`: see search_scopes).
rtld::SymbolMatch find_definition(const Loader& loader, const Module& referrer, uint32_t index,
                                  unsigned flags, bool trace, bool extra) {
  if (trace) [[unlikely]]
    return find_traced(loader, referrer, index, flags);
  const unsigned lookup_flags = (flags & rtld::kResolveJumpSlot) ? unsigned{rtld::kLookupPlt} : 0u;
  rtld::SymbolMatch match = search_scopes(loader, referrer, index, flags, lookup_flags, extra);
  if (!(flags & rtld::kResolveCopy))
    match = rtld::bind_protected(referrer, index, match, [&] {
      return search_scopes(loader, referrer, index, flags, rtld::kLookupPlt, extra);
    });
  return match;
}

// Whether bound() has bookkeeping to do for `match`: a unique symbol, or a definer that may be
// unloaded (dlopened, not NODELETE, not the referrer itself).
bool needs_bookkeeping(const Module& referrer, rtld::SymbolMatch match, unsigned flags) {
  return (rtld::elf::st_bind(match.sym->st_info) == rtld::elf::STB_GNU_UNIQUE &&
          !(flags & rtld::kResolveCopy)) ||
         (match.module != &referrer && match.module->dynamic && !match.module->nodelete);
}

}  // namespace

bool resolve_symbol(void* context, const Module& referrer, uint32_t index, unsigned flags,
                    rtld::Resolved& out) {
  Loader& loader = *static_cast<Loader*>(context);
  const bool trace = loader.looking != nullptr;
  bool locked = false;
  rtld::SymbolMatch match;
  // A lazy binding runs without the load lock: counted as a look-up, so that nothing it reads
  // is released under it. What it finds stays loaded while the referrer does, unless bound()
  // has bookkeeping to do: then the look-up is made again with the lock held, which keeps
  // dlopen and dlclose out (the count is dropped first: they wait for it holding the lock).
  // The scopes of later opens an object belongs to (its record's roots) are only read with
  // the lock held: such an object's look-ups are all made under it, and so are those that
  // LD_DEBUG=symbols shows.
  const bool lazy = (flags & rtld::kResolveLazy) != 0;
  const State::Record* r = lazy && loader.state ? record_of(*loader.state, &referrer) : nullptr;
  if (lazy && !trace && !(r && __atomic_load_n(&r->roots.count, __ATOMIC_RELAXED))) {
    rtld::begin_lookup(*loader.set);
    match = find_definition(loader, referrer, index, flags, false, false);
    const bool settled = !match || !needs_bookkeeping(referrer, match, flags);
    rtld::end_lookup(*loader.set);
    if (settled) {
      if (match) out = rtld::Resolved{match.module, match.sym, 0, true};
      return true;
    }
  }
  if (lazy && loader.hooks.lock) loader.hooks.lock(loader.hooks.context), locked = true;
  match = find_definition(loader, referrer, index, flags, trace, true);
  if (match && needs_bookkeeping(referrer, match, flags))
    match = bound(loader, &referrer, rtld::name_of_symbol(referrer, index), match, true,
                  (flags & rtld::kResolveCopy) != 0);
  if (locked) loader.hooks.unlock(loader.hooks.context);
  if (match) out = rtld::Resolved{match.module, match.sym, 0, true};
  return true;
}

rtld::SymbolMatch bound(Loader& loader, const Module* referrer, const rtld::SymbolName& name,
                        rtld::SymbolMatch match, bool add_dependency_, bool copy) {
  if (!match) return match;
  bool unique = !copy && rtld::elf::st_bind(match.sym->st_info) == rtld::elf::STB_GNU_UNIQUE;
  bool depend = add_dependency_ && referrer && match.module != referrer && match.module->dynamic &&
                !match.module->nodelete;
  if (!unique && !depend) return match;
  // Lazy binding gets here without the load lock.
  if (loader.hooks.lock) loader.hooks.lock(loader.hooks.context);
  if (unique) match = unique_definition(loader, name, match);
  if (depend && match.module->dynamic && !match.module->nodelete)
    add_dependency(loader, *referrer, *const_cast<Module*>(match.module));
  if (loader.hooks.unlock) loader.hooks.unlock(loader.hooks.context);
  return match;
}

namespace {

// RTLD_NOLOAD of a name that matches no loaded object: it is still looked up (a missing file
// is an error, as in glibc), and an object already loaded from the same file is the answer.
Module* loaded_file(Diagnostics& diag, Loader& loader, const char* name, Module* caller) {
  rtld::ObjectSet& set = *loader.set;
  rtld::OpenedFile file;
  if (!rtld::open_library(diag, *set.arena, *loader.search, name, caller, set.main, file))
    return nullptr;
  Module* found = nullptr;
  for (Module* o = set.first; o && !found; o = o->next)
    if (o->has_file_id && o->device == file.id.device && o->inode == file.id.inode) found = o;
  rtld::platform::close(file.fd);
  set.arena->release(file.path);
  return found;  // none: not an error, dlerror() stays empty
}

// What glibc refuses to map for dlopen (_dl_map_object_from_fd), or nullptr.
const char* not_loadable(const Module& m) {
  if (m.image.type != rtld::elf::ET_DYN) return "cannot dynamically load executable";
  if (m.dyn.flags_1 & rtld::elf::DF_1_PIE) return "cannot dynamically load position-independent executable";
  if (m.dyn.flags_1 & rtld::elf::DF_1_NOOPEN) return "shared object cannot be dlopen()ed";
  return nullptr;
}

}  // namespace

// Holds the embedder's TLS lock (glibc's dl_load_tls_lock) while the object list and the
// TLS modules change, so that a thread being created meanwhile sees a consistent set.
struct TlsLock {
  explicit TlsLock(Loader& l) : loader(l) {
    if (loader.hooks.lock_tls) loader.hooks.lock_tls(loader.hooks.context);
  }
  ~TlsLock() { release(); }
  void release() {
    if (held && loader.hooks.unlock_tls) loader.hooks.unlock_tls(loader.hooks.context);
    held = false;
  }
  Loader& loader;
  bool held = true;
};

namespace {

// dlopen up to the initialisers, with the TLS lock held.
Module* open_objects(Diagnostics& diag, Loader& loader, const char* name, int mode, Module* caller,
                     ModuleList& promoted) {
  rtld::ObjectSet& set = *loader.set;
  if (!(mode & (kLazy | kNow))) {
    diag.fail(name ? name : "", "invalid mode for dlopen()", "Invalid argument");
    return nullptr;
  }
  if (!name || !*name) return set.main;  // dlopen(NULL): libc passes "" for it
  // The first object opened in another namespace makes that namespace's global scope, with
  // its dependencies (glibc's l_scope[0] there is the first object's search list).
  bool first_in_namespace = loader.base && !set.first;
  Module* keep = set.last;
  Module* m;
  if (mode & kNoLoad) {
    m = rtld::find_loaded(set, name);
    if (!m) m = loaded_file(diag, loader, name, caller);
    if (!m) return nullptr;
  } else {
    m = rtld::load_object(diag, set, *loader.search, name, caller);
    if (!m) {
      roll_back(loader, keep, false);
      return nullptr;
    }
  }
  if (m == set.main && !m->is_ldso) {
    // glibc never matches the executable by name or file (its map has neither): opening its
    // file maps a new copy, which is refused as an executable.
    if (mode & kNoLoad) return nullptr;
    const char* why = not_loadable(*m);
    diag.fail(name, why ? why : "cannot dynamically load executable");
    return nullptr;
  }
  Module* first_new = keep ? keep->next : set.first;
  if (first_new && !rtld::load_dependencies(diag, set, *loader.search, first_new)) {
    roll_back(loader, keep, false);
    return nullptr;
  }
  first_new = keep ? keep->next : set.first;  // a filtee may have been placed before its filter
  for (Module* n = first_new; n; n = n->next) {
    // ld.so's stand-in in another namespace comes and goes with what needs it there.
    n->dynamic = !n->is_ldso || loader.base;
    n->scope_root = m;
    // ld.so in the base namespace is global once something needs it; elsewhere it is an
    // object of the namespace like any other (global only as part of the first open).
    if (!n->is_ldso || loader.base) n->global = false;
    if (n->dyn.flags_1 & rtld::elf::DF_1_NODELETE) n->nodelete = true;
    if (const char* why = n->is_ldso ? nullptr : not_loadable(*n)) {
      diag.fail(n->path, why);
      roll_back(loader, keep, false);
      return nullptr;
    }
    rtld::VersionReporter versions;
    versions.checking = loader.checking_version;
    if (!rtld::check_versions(diag, set, *n, versions)) {
      roll_back(loader, keep, false);
      return nullptr;
    }
  }
  if (first_new) m->deepbind = (mode & kDeepBind) != 0;
  bool first_open = !m->closure;  // glibc builds an object's search list at its first dlopen
  if (!rtld::build_closure(set, *m) || !rtld::build_global_scope(set)) {
    diag.fail(name, "cannot allocate memory");
    roll_back(loader, keep, false);
    return nullptr;
  }
  bool report_scopes = first_open && loader.show_scope;
  if (report_scopes) loader.show_scope(*m, 0);
  if (first_new) {
    if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 1);
    bool ok = true;
    Module* announced_to = nullptr;
    for (Module* n = first_new; n && ok; n = n->next) {
      if (n->is_ldso) {  // ld.so's stand-in in another namespace is new there
        if (loader.base && loader.hooks.added) ok = loader.hooks.added(loader.hooks.context, *n, diag);
        continue;
      }
      ok = assign_tls(diag, loader, *n) &&
           (!loader.hooks.added || loader.hooks.added(loader.hooks.context, *n, diag));
      if (ok) announced_to = n;
    }
    State* st = state_of(loader);
    if (st) st->relocating = true, st->pending.count = 0;
    if (ok) ok = relocate_new(diag, loader, first_new, mode);
    if (st) st->relocating = false;
    // Static TLS blocks in every running thread, from the relocated images (a .tdata pointer
    // has its RELATIVE relocation applied by now).
    for (Module* n = first_new; n && ok; n = n->next)
      if (!n->is_ldso && n->tls.id && n->tls.is_static && loader.init_static_tls_block)
        loader.init_static_tls_block(loader.hooks.context, *n);
    if (!ok) {
      (void)announced_to;
      roll_back(loader, keep, true);
      if (loader.hooks.scopes_changed) loader.hooks.scopes_changed(loader.hooks.context);
      if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 0);
      return nullptr;
    }
  }
  if (loader.nodelete_files) report_nodelete(loader, m, (mode & kNoDelete) != 0, first_open);
  if (loader.state) loader.state->pending.count = 0;
  // Scopes first, the global scope after (glibc's update_scopes, then add_to_global_update).
  join_scope(loader, m, report_scopes);
  if ((mode & kGlobal) || first_in_namespace) {
    for (size_t i = 0; i < m->closure_count; ++i) {
      Module* o = m->closure[i];
      if (!o->global && (mode & kGlobal) && loader.made_global) promoted.add(*set.arena, o);
      o->global = true;
    }
    rtld::build_global_scope(set, m->closure, m->closure_count);  // in m's search order
  }
  if (mode & kNoDelete) m->nodelete = true;
  for (size_t i = 0; i < m->closure_count; ++i)
    if (m->closure[i]->dynamic) ++m->closure[i]->refcount;
  ++m->direct_opens;
  if (loader.hooks.scopes_changed) loader.hooks.scopes_changed(loader.hooks.context);
  if (first_new && loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 0);
  return m;
}

}  // namespace

Module* open(Diagnostics& diag, Loader& loader, const char* name, int mode, Module* caller) {
  TlsLock tls(loader);
  ModuleList promoted;  // made global by this open (reported after the constructors, as glibc)
  Module* m = open_objects(diag, loader, name, mode, caller, promoted);
  tls.release();
  // Constructors run without the TLS lock: one may wait for a thread it creates.
  if (m && name && loader.hooks.initialize) loader.hooks.initialize(loader.hooks.context);
  for (uint32_t i = 0; i < promoted.count; ++i) loader.made_global(*promoted.items[i]);
  if (promoted.items) loader.set->arena->release(promoted.items);
  return m;
}

namespace {

// Unloads every dlopened object nothing holds any more: not opened (refcount), not NODELETE,
// not pinned, and not needed (DT_NEEDED or a relocation dependency) by anything that stays.
bool unload_unused(Diagnostics& diag, Loader& loader) {
  rtld::ObjectSet& set = *loader.set;
  rtld::Arena& a = *set.arena;
  Module** work = a.make<Module*>(set.count ? set.count : 1);
  if (!work) return diag.fail("", "cannot allocate memory");
  uint32_t mark = 0;
  for (Module* o = set.first; o; o = o->next)
    if (o->visit_mark >= mark) mark = o->visit_mark + 1;
  size_t used = 0;
  for (Module* o = set.first; o; o = o->next)
    if (!o->dynamic || o->refcount || o->nodelete ||
        (loader.hooks.pinned && loader.hooks.pinned(loader.hooks.context, *o))) {
      o->visit_mark = mark;
      work[used++] = o;
    }
  for (size_t i = 0; i < used; ++i) {
    Module* o = work[i];
    auto keep = [&](Module* d) {
      if (d->visit_mark == mark) return;
      d->visit_mark = mark;
      work[used++] = d;
    };
    for (size_t j = 0; j < o->dep_count; ++j) keep(o->deps[j]);
    if (State::Record* r = loader.state ? record_of(*loader.state, o) : nullptr)
      for (uint32_t j = 0; j < r->used.count; ++j) keep(r->used.items[j]);
  }
  size_t count = 0;
  for (Module* o = set.first; o; o = o->next)
    if (o->dynamic && o->visit_mark != mark) work[count++] = o;
  if (count) {
    // Finalised in glibc's order for dlclose: _dl_fini's sort over every object of the
    // namespace, keeping those that go.
    if (auto** order = a.make<Module*>(2 * set.count)) {
      size_t n = finalization_order(loader, order, order + set.count), k = 0;
      for (size_t i = 0; i < n; ++i)
        for (size_t j = k; j < count; ++j)
          if (work[j] == order[i]) {
            work[j] = work[k], work[k++] = order[i];
            break;
          }
      a.release(order);
    }
    if (loader.hooks.finalize) loader.hooks.finalize(loader.hooks.context, work, count);
    TlsLock tls_lock(loader);
    rtld::StaticTls& tls = shared_tls(loader);
    if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 2);
    for (size_t i = 0; i < count; ++i) work[i]->global = false;
    rtld::build_global_scope(set);
    // Static TLS blocks at the end of the used area are given back (glibc's _dl_close_worker
    // reclaims the chunk it frees there), so that opening and closing an initial-exec TLS
    // library again and again does not exhaust the surplus.
    for (bool shrunk = true; shrunk;) {
      shrunk = false;
      for (size_t i = 0; i < count; ++i) {
        Module* o = work[i];
        if (!o->tls.id || !o->tls.is_static) continue;
        auto offset = static_cast<size_t>(-o->tls.tp_offset);  // glibc's l_tls_offset
        if (offset != tls.size || offset < o->image.tls.mem_size) continue;
        tls.size = offset - o->image.tls.mem_size;
        o->tls.is_static = false;
        shrunk = true;
      }
    }
    // Out of every scope and record first; released once no look-up without the lock can still
    // be reading them (an object that stays may be binding a PLT slot meanwhile).
    for (size_t i = 0; i < count; ++i) {
      Module* o = work[i];
      if (loader.hooks.removing) loader.hooks.removing(loader.hooks.context, *o);
      forget(loader, o);
      rtld::remove_module(set, o);
    }
    rtld::wait_for_lookups(set);
    for (size_t i = 0; i < count; ++i) {
      Module* o = work[i];
      if (o->is_ldso) {  // ld.so's stand-in: nothing of it is unmapped or released (shared)
        o->global = false;
        a.release(o->closure);
        o->closure = nullptr;
        o->closure_count = 0;
        o->scope_root = nullptr;
        o->refcount = 0;
        continue;
      }
      if (o->tls.id) ++tls.generation;
      rtld::retire_image(set, *o, true);
      release_tls_desc_args(a, *o);
      a.release(o->closure);
      a.release(o->deps);
      a.release(o->versions);
      a.release(const_cast<char*>(o->path));
      a.release(const_cast<char*>(o->name));
      a.release(o);
    }
    if (loader.hooks.scopes_changed) loader.hooks.scopes_changed(loader.hooks.context);
    if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 0);
  }
  a.release(work);
  return true;
}

}  // namespace

size_t relocation_dependencies(const Loader& loader, const Module& m, Module* const** used) {
  const State::Record* r = loader.state ? record_of(*loader.state, &m) : nullptr;
  *used = r ? r->used.items : nullptr;
  return r ? r->used.count : 0;
}

namespace {

// glibc's _dl_sort_maps for _dl_fini (its depth-first variant): objects are walked from the
// last loaded to the first, each through its DT_NEEDED dependencies and then its relocation
// dependencies (newest first), and placed before everything they reach; the executable is
// never reached through a dependency (a library may need it by its SONAME: glibc's
// tst-dso-ordering10). When relocation dependencies took part, the walk is
// redone in the order found, through DT_NEEDED alone.
struct FiniSort {
  const Loader& loader;
  const Module* main;
  uint32_t mark;
  Module** head;  // filled from the end
  bool reldeps_seen = false;

  void visit(Module* m, bool with_reldeps) {
    if (m->visit_mark == mark) return;
    m->visit_mark = mark;
    for (size_t i = 0; i < m->dep_count; ++i)
      if (m->deps[i] != main) visit(m->deps[i], with_reldeps);
    if (with_reldeps) {
      Module* const* used;
      size_t n = relocation_dependencies(loader, *m, &used);
      reldeps_seen |= n != 0;
      for (size_t i = n; i-- > 0;)
        if (used[i] != main) visit(used[i], true);
    }
    *--head = m;
  }
};

}  // namespace

size_t finalization_order(const Loader& loader, Module** out, Module** scratch) {
  rtld::ObjectSet& set = *loader.set;
  uint32_t mark = 0;
  size_t n = 0;
  for (Module* o = set.first; o && n < set.count; o = o->next, ++n)
    if (o->visit_mark >= mark) mark = o->visit_mark + 1;
  FiniSort sort{loader, set.main, mark, scratch + n};
  for (Module* o = set.last; o; o = o->prev) sort.visit(o, true);
  if (!sort.reldeps_seen) {
    for (size_t i = 0; i < n; ++i) out[i] = scratch[i];
    return n;
  }
  sort.mark = mark + 1, sort.head = out + n;
  for (size_t i = n; i-- > 0;) sort.visit(scratch[i], false);
  return n;
}

size_t extra_scopes(const Loader& loader, const Module& m, Module* const** roots) {
  const State::Record* r = loader.state ? record_of(*loader.state, &m) : nullptr;
  *roots = r ? r->roots.items : nullptr;
  return r ? r->roots.count : 0;
}

size_t scopes_of(const Loader& loader, const Module& m, ScopeList* out, size_t max) {
  const Module* root = __atomic_load_n(&m.scope_root, __ATOMIC_ACQUIRE);
  bool deep = root && root->deepbind && root->closure;
  ScopeList own{root ? root->closure : nullptr, root ? root->closure_count : 0, nullptr};
  ScopeList self{nullptr, 0, &m};
  rtld::ScopeView scope = rtld::global_scope(*loader.set);  // (read as lazy binding does)
  ScopeList global{scope.items, scope.count, nullptr};
  ScopeList list[4];
  size_t n = 0;
  if (deep) list[n++] = own;
  else if (m.dyn.symbolic && !m.is_main && !m.is_vdso) list[n++] = self;
  list[n++] = global;
  if (!deep && own.items && root != loader.set->main) list[n++] = own;
  if (m.is_vdso) list[n++] = self;  // its own search list (nothing loaded it)
  Module* const* roots;
  size_t extra = extra_scopes(loader, m, &roots);
  for (size_t i = 0; i < n + extra && i < max; ++i)
    out[i] = i < n ? list[i] : ScopeList{roots[i - n]->closure, roots[i - n]->closure_count, nullptr};
  return n + extra;
}

void hold_all(Loader& loader) {
  if (!loader.set) return;
  for (Loader* ns = &loader; ns; ns = next_namespace(loader, ns))
    for (Module* o = ns->set->first; o; o = o->next)
      if (o->dynamic) ++o->refcount;
}

Loader* find_namespace(Loader& base, long id) {
  if (id == 0) return &base;
  if (id < 0 || static_cast<size_t>(id) >= base.max_namespaces || !base.namespaces) return nullptr;
  Loader* ns = base.namespaces[id];
  return ns && ns->set->first ? ns : nullptr;
}

Loader* next_namespace(Loader& base, const Loader* after) {
  if (!base.namespaces) return nullptr;
  for (size_t i = static_cast<size_t>(after->id) + 1; i < base.max_namespaces; ++i)
    if (Loader* ns = base.namespaces[i]; ns && ns->set->first) return ns;
  return nullptr;
}

Loader& namespace_of(Loader& base, const Module& m) {
  for (Loader* ns = next_namespace(base, &base); ns; ns = next_namespace(base, ns))
    for (Module* o = ns->set->first; o; o = o->next)
      if (o == &m) return *ns;
  return base;
}

Loader* new_namespace(Loader& base) {
  rtld::Arena& a = *base.set->arena;
  if (!base.namespaces && base.max_namespaces > 1) {
    base.namespaces = a.make<Loader*>(base.max_namespaces);
    if (!base.namespaces) return nullptr;
  }
  for (size_t i = 1; i < base.max_namespaces; ++i) {
    Loader*& ns = base.namespaces[i];
    if (ns && ns->set->first) continue;
    if (!ns) {
      auto* made = a.make<Loader>();
      auto* set = a.make<rtld::ObjectSet>();
      auto* lazy = base.lazy ? a.make<rtld::LazyBinding>() : nullptr;
      Module* self = base.set->ldso ? a.make<Module>() : nullptr;
      if (!made || !set || (base.lazy && !lazy) || (base.set->ldso && !self)) return nullptr;
      *made = base;
      made->set = set;
      made->state = nullptr;
      made->max_namespaces = 0;
      made->namespaces = nullptr;
      made->id = static_cast<long>(i);
      made->base = &base;
      set->arena = &a;
      // Searches still see the executable's RPATH (glibc's do in every namespace), and copy
      // relocations skip it; it is not one of this namespace's objects.
      set->main = base.set->main;
      set->loading = base.set->loading, set->searched = base.set->searched, set->loaded = base.set->loaded;
      if (self) {  // ld.so's stand-in: the same mapped tables, a record of this namespace
        *self = *base.set->ldso;
        self->next = self->prev = nullptr;
        self->listed = false;
        self->global = false;
        self->closure = nullptr;
        self->closure_count = 0;
        self->scope_root = nullptr;
        self->refcount = 0;
        self->client = nullptr;
        // The real ld.so is initialised and finalised in the base namespace, not here.
        self->init_started = self->init_done = self->fini_done = true;
        set->ldso = self;
      }
      if (lazy) {  // PLT slots of this namespace's objects bind within it
        *lazy = *base.lazy;
        lazy->resolver.context = made;
        made->lazy = lazy;
      }
      ns = made;
    }
    return ns;
  }
  return nullptr;
}

bool close(Diagnostics& diag, Loader& loader, Module* m) {
  if (!m->dynamic) return true;  // start-up objects stay for the life of the process
  if (m->refcount == 0) return diag.fail(m->path, "shared object not open");
  if (m->direct_opens && !m->nodelete) --m->direct_opens;  // glibc leaves a NODELETE one alone
  for (size_t i = 0; i < m->closure_count; ++i)
    if (m->closure[i]->dynamic && m->closure[i]->refcount) --m->closure[i]->refcount;
  State* st = state_of(loader);
  if (st && st->closing) {  // a destructor's dlclose: the running one unloads it afterwards
    st->close_again = true;
    return true;
  }
  if (st) ++st->closing;
  bool ok = true;
  do {
    if (st) st->close_again = false;
    ok = unload_unused(diag, loader) && ok;
  } while (st && st->close_again);
  if (st) --st->closing;
  return ok;
}

}  // namespace dl
