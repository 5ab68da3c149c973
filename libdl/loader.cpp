#include "loader.hpp"

#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "rtld/symbols.hpp"

namespace dl {
namespace {

using rtld::Diagnostics;
using rtld::Module;

struct RelocContext {
  Loader* loader;
};

// Forgets the objects appended after `keep` (a failed open), newest first.
void roll_back(Loader& loader, Module* keep, bool announced) {
  rtld::ObjectSet& set = *loader.set;
  while (set.last && set.last != keep) {
    Module* m = set.last;
    if (m->is_ldso) {  // ld.so itself is never unmapped; it just leaves the list again
      rtld::remove_module(set, m);
      m->global = false;
      continue;
    }
    if (announced && loader.hooks.removing) loader.hooks.removing(loader.hooks.context, *m);
    rtld::remove_module(set, m);
    rtld::unmap_image(m->image);
  }
  rtld::build_global_scope(set);
}

// A module id for a newly opened object with TLS, and a static block if it needs one.
bool assign_tls(Diagnostics& diag, Loader& loader, Module& m) {
  if (!m.image.has_tls) return true;
  rtld::StaticTls& tls = loader.set->tls;
  // Reuse the lowest id no loaded object holds.
  size_t id = 1;
  for (bool taken = true; taken; ++id) {
    taken = false;
    for (Module* o = loader.set->first; o && !taken; o = o->next) taken = o != &m && o->tls.id == id;
    if (!taken) break;
  }
  bool needs_static = (m.dyn.flags & rtld::elf::DF_STATIC_TLS) != 0;
  if (needs_static) {
    rtld::StaticTls trial = tls;
    rtld::assign_tls(trial, m, true);
    if (trial.size > loader.static_tls_limit)
      return diag.fail(m.path, "cannot allocate memory in static TLS block");
    tls.size = trial.size;
    if (trial.align > tls.align) tls.align = trial.align;
  }
  m.tls.id = id;
  if (id >= tls.next_id) tls.next_id = id + 1;
  ++tls.generation;
  if (needs_static && loader.init_static_tls_block)
    loader.init_static_tls_block(loader.hooks.context, m);
  return true;
}

bool relocate_new(Diagnostics& diag, Loader& loader, Module* first_new) {
  RelocContext ctx{&loader};
  rtld::RelocationOptions options{{resolve_symbol, &ctx}};
  (void)first_new;
  // Dependencies before dependents, as at start-up.
  auto** order = loader.set->arena->make<Module*>(loader.set->count);
  if (!order) return diag.fail("", "cannot allocate memory");
  size_t count = rtld::initialization_order(*loader.set, order);
  bool ok = true;
  for (size_t i = 0; i < count && ok; ++i) {
    Module* m = order[i];
    if (m->relocated) continue;
    ok = rtld::relocate_module(diag, *m, options);
    if (ok && !rtld::protect_relro(m->image))
      ok = diag.fail(m->path, "cannot apply additional memory protection after relocation");
  }
  loader.set->arena->release(order);
  return ok;
}

}  // namespace

bool resolve_symbol(void* context, const Module& referrer, uint32_t index, unsigned flags,
                    rtld::Resolved& out) {
  const rtld::ObjectSet& set = *static_cast<RelocContext*>(context)->loader->set;
  const rtld::elf::Sym& sym = referrer.dyn.symtab[index];
  rtld::SymbolName name(referrer.str(sym.st_name));
  const rtld::Version* want = rtld::version_of_reference(referrer, index);
  const Module* skip = (flags & rtld::kResolveCopy) ? set.main : nullptr;
  const Module* root = referrer.scope_root;
  rtld::SymbolMatch match;
  if (referrer.dyn.symbolic && !(flags & rtld::kResolveCopy))
    if (const rtld::elf::Sym* s = rtld::find_in_module(referrer, name, want, 0)) match = {s, &referrer};
  if (!match && root && root->deepbind)
    match = rtld::find_in_scope(root->closure, root->closure_count, name, want, 0, skip);
  if (!match) match = rtld::find_in_scope(set.scope, set.scope_count, name, want, 0, skip);
  if (!match && root && root->closure)
    match = rtld::find_in_scope(root->closure, root->closure_count, name, want, 0, skip);
  if (match) out = rtld::Resolved{match.module, match.sym, 0, true};
  return true;
}

Module* open(Diagnostics& diag, Loader& loader, const char* name, int mode, Module* caller) {
  rtld::ObjectSet& set = *loader.set;
  if (!name) return set.main;
  Module* keep = set.last;
  Module* m;
  if (mode & kNoLoad) {
    m = rtld::find_loaded(set, name);
    if (!m) return nullptr;  // not an error: dlerror() stays empty
  } else {
    m = rtld::load_object(diag, set, *loader.search, name, caller);
    if (!m) {
      roll_back(loader, keep, false);
      return nullptr;
    }
  }
  Module* first_new = keep ? keep->next : set.first;
  if (first_new && !rtld::load_dependencies(diag, set, *loader.search, first_new)) {
    roll_back(loader, keep, false);
    return nullptr;
  }
  for (Module* n = first_new; n; n = n->next) {
    n->dynamic = !n->is_ldso;
    n->scope_root = m;
    if (!n->is_ldso) n->global = false;
    if (n->dyn.flags_1 & rtld::elf::DF_1_NODELETE) n->nodelete = true;
    if (!rtld::check_versions(diag, set, *n)) {
      roll_back(loader, keep, false);
      return nullptr;
    }
  }
  if (first_new) m->deepbind = (mode & kDeepBind) != 0;
  if (!rtld::build_closure(set, *m) || !rtld::build_global_scope(set)) {
    diag.fail(name, "cannot allocate memory");
    roll_back(loader, keep, false);
    return nullptr;
  }
  if (first_new) {
    if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 1);
    bool ok = true;
    Module* announced_to = nullptr;
    for (Module* n = first_new; n && ok; n = n->next) {
      if (n->is_ldso) continue;
      ok = assign_tls(diag, loader, *n) &&
           (!loader.hooks.added || loader.hooks.added(loader.hooks.context, *n, diag));
      if (ok) announced_to = n;
    }
    if (ok) ok = relocate_new(diag, loader, first_new);
    if (!ok) {
      (void)announced_to;
      roll_back(loader, keep, true);
      if (loader.hooks.scopes_changed) loader.hooks.scopes_changed(loader.hooks.context);
      if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 0);
      return nullptr;
    }
  }
  if (mode & kGlobal) {
    for (size_t i = 0; i < m->closure_count; ++i) m->closure[i]->global = true;
    rtld::build_global_scope(set);
  }
  if (mode & kNoDelete) m->nodelete = true;
  for (size_t i = 0; i < m->closure_count; ++i)
    if (m->closure[i]->dynamic) ++m->closure[i]->refcount;
  if (loader.hooks.scopes_changed) loader.hooks.scopes_changed(loader.hooks.context);
  if (first_new && loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 0);
  if (loader.hooks.initialize) loader.hooks.initialize(loader.hooks.context);
  return m;
}

bool close(Diagnostics& diag, Loader& loader, Module* m) {
  rtld::ObjectSet& set = *loader.set;
  if (!m->dynamic) return true;  // start-up objects stay for the life of the process
  if (m->refcount == 0) return diag.fail(m->path, "shared object not open");
  for (size_t i = 0; i < m->closure_count; ++i)
    if (m->closure[i]->dynamic && m->closure[i]->refcount) --m->closure[i]->refcount;
  // What no open holds any more, except what must stay (and everything it needs).
  size_t n = 0;
  for (Module* o = set.first; o; o = o->next) ++n;
  Module** doomed = set.arena->make<Module*>(n ? n : 1);
  if (!doomed) return diag.fail(m->path, "cannot allocate memory");
  bool changed = true;
  while (changed) {  // a pinned object keeps its dependencies
    changed = false;
    for (Module* o = set.first; o; o = o->next) {
      bool keep = !o->dynamic || o->refcount || o->nodelete ||
                  (loader.hooks.pinned && loader.hooks.pinned(loader.hooks.context, *o));
      if (!keep || !o->closure) continue;
      for (size_t i = 0; i < o->closure_count; ++i) {
        Module* d = o->closure[i];
        if (d->dynamic && !d->refcount && !d->nodelete) {
          d->refcount = 1;  // held by the object that stays
          changed = true;
        }
      }
    }
  }
  size_t count = 0;
  for (Module* o = set.first; o; o = o->next)
    if (o->dynamic && !o->refcount && !o->nodelete &&
        !(loader.hooks.pinned && loader.hooks.pinned(loader.hooks.context, *o)))
      doomed[count++] = o;
  if (count) {
    if (loader.hooks.finalize) loader.hooks.finalize(loader.hooks.context, doomed, count);
    if (loader.hooks.debug_state) loader.hooks.debug_state(loader.hooks.context, 2);
    for (size_t i = 0; i < count; ++i) doomed[i]->global = false;
    rtld::build_global_scope(set);
    for (size_t i = 0; i < count; ++i) {
      Module* o = doomed[i];
      if (loader.hooks.removing) loader.hooks.removing(loader.hooks.context, *o);
      rtld::remove_module(set, o);
      if (o->tls.id) ++set.tls.generation;
      rtld::unmap_image(o->image);
      rtld::Arena& a = *set.arena;
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
  set.arena->release(doomed);
  return true;
}

}  // namespace dl
