// Initialisers (at start-up and after dlopen) and finalisers (the fini function handed to
// the program, and dlclose).
#include "glibc/glibc.hpp"
#include "rtld/graph.hpp"
#include "debug_log.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {
namespace {
using InitFn = void (*)(int, char**, char**);
using FiniFn = void (*)();

void call_array(const rtld::Table<uintptr_t>& array, const Process& p) {
  for (uintptr_t f : array)
    if (f != 0 && f != ~uintptr_t{0}) reinterpret_cast<InitFn>(f)(p.argc, p.argv, p.envp);
}

bool remember_initialized(rtld::Module* m) {
  Runtime& rt = runtime;
  if (rt.initialized_count == rt.initialized_capacity) {
    size_t cap = rt.initialized_capacity ? rt.initialized_capacity * 2 : 64;
    auto* grown = rt.arena.make<rtld::Module*>(cap);
    if (!grown) return false;
    for (size_t i = 0; i < rt.initialized_count; ++i) grown[i] = rt.initialized[i];
    rt.arena.release(rt.initialized);
    rt.initialized = grown;
    rt.initialized_capacity = cap;
  }
  rt.initialized[rt.initialized_count++] = m;
  return true;
}

void run_fini(rtld::Module* m) {
  if (!m->init_done || m->fini_done) return;
  m->fini_done = true;
  // As glibc 2.36 (Debian) words it: every initialised object, with finalisers or not, by
  // its l_name (empty for the executable).
  if (debug::impcalls() && !m->is_vdso) debug::print("\ncalling fini: %s [%lu]\n", m->is_main ? "" : m->path,
                                                    static_cast<unsigned long>(glibc::namespace_id(*m)));
  const rtld::Table<uintptr_t>& fa = m->dyn.fini_array;
  for (size_t j = fa.count; j-- > 0;)
    if (fa.data[j] != 0 && fa.data[j] != ~uintptr_t{0}) reinterpret_cast<FiniFn>(fa.data[j])();
  if (m->dyn.fini) reinterpret_cast<FiniFn>(m->dyn.fini)();
}
}  // namespace

void run_initializers(rtld::Diagnostics&) {
  const rtld::Module& main = *runtime.objects.main;
  if (debug::impcalls() && !main.dyn.preinit_array.empty())
    debug::print("\ncalling preinit: %s\n", runtime.program_name);
  call_array(main.dyn.preinit_array, runtime.process);
  run_pending_initializers(runtime.objects);
}

void run_pending_initializers(rtld::ObjectSet& set) {
  Runtime& rt = runtime;
  const Process& p = rt.process;
  auto** order = rt.arena.make<rtld::Module*>(set.count);
  if (!order) return;
  size_t n = rtld::initialization_order(set, order);
  for (size_t i = 0; i < n; ++i) {
    rtld::Module* m = order[i];
    if (m->init_started) continue;
    m->init_started = true;
    remember_initialized(m);
    glibc::mark_initialized(*m);
    // The executable's own initialisers are its libc's to run, as with glibc's ld.so; its
    // finalisers are ours (glibc's _dl_fini runs them), so it counts as initialised.
    // glibc names every object but the executable, with initialisers or not (ld.so too).
    if (!m->is_main && !m->is_vdso && debug::impcalls()) debug::print("\ncalling init: %s\n", m->path);
    if (!m->is_main && !m->is_ldso) {
      if (m->dyn.init) reinterpret_cast<InitFn>(m->dyn.init)(p.argc, p.argv, p.envp);
      call_array(m->dyn.init_array, p);
    }
    m->init_done = true;
  }
  rt.arena.release(order);
}

void run_finalizers_of(rtld::Module** list, size_t count) {
  Runtime& rt = runtime;
  for (size_t j = 0; j < count; ++j) {  // in the order given (dl::finalization_order's)
    for (size_t i = rt.initialized_count; i-- > 0;) {
      if (rt.initialized[i] != list[j]) continue;
      for (size_t k = i; k + 1 < rt.initialized_count; ++k) rt.initialized[k] = rt.initialized[k + 1];
      --rt.initialized_count;
    }
    run_fini(list[j]);
  }
}

extern "C" void run_finalizers() {
  Runtime& rt = runtime;
  dl::hold_all(rt.loader);  // a destructor's dlclose must not unmap what is finalised here
  debug::print_statistics(true);
  // glibc's _dl_fini sorts every loaded object, in load order, dependents before their
  // dependencies (_dl_sort_maps for fini: the reverse of the initialisation order computed
  // over the whole list now), the executable first. That differs from the reverse of the
  // order initialisers actually ran once something was dlopened: a library loaded at
  // start-up is finalised before an unrelated dlopened one.
  // Other namespaces first, the highest id first (as glibc's _dl_fini walks GL(dl_ns)).
  // (none but the first unless one was ever made)
  for (auto id = static_cast<long>(rt.loader.namespaces ? rt.loader.max_namespaces : 1); id-- > 0;) {
    dl::Loader* ns = id ? dl::find_namespace(rt.loader, id) : &rt.loader;
    if (!ns) continue;
    size_t count = ns->set->count;
    if (auto** order = rt.arena.make<rtld::Module*>(2 * count)) {
      size_t n = dl::finalization_order(*ns, order, order + count);
      if (!id) run_fini(rt.objects.main);  // the executable first (glibc's force_first)
      for (size_t i = 0; i < n; ++i) run_fini(order[i]);
    }
  }
  for (size_t i = rt.initialized_count; i-- > 0;) run_fini(rt.initialized[i]);
}

}  // namespace ldso
