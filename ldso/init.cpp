// Initialisers at start-up and the fini function handed to the program.
#include "glibc/glibc.hpp"
#include "rtld/graph.hpp"
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
}  // namespace

void run_initializers(rtld::Diagnostics& diag) {
  Runtime& rt = runtime;
  const Process& p = rt.process;
  rt.init_order = rt.arena.make<rtld::Module*>(rt.objects.count);
  if (!rt.init_order) {
    diag.fail("", "cannot allocate memory");
    fatal(diag);
  }
  rt.init_count = rtld::initialization_order(rt.objects, rt.init_order);
  call_array(rt.objects.main->dyn.preinit_array, p);
  for (size_t i = 0; i < rt.init_count; ++i) {
    rtld::Module* m = rt.init_order[i];
    // The executable's own initialisers are its libc's to run, as with glibc's ld.so; its
    // finalisers are ours (glibc's _dl_fini runs them), so it counts as initialised.
    if (m->is_main && !m->init_started) m->init_started = m->init_done = true;
    if (m->is_main || m->is_ldso || m->init_started) continue;
    m->init_started = true;
    if (m->dyn.init) reinterpret_cast<InitFn>(m->dyn.init)(p.argc, p.argv, p.envp);
    call_array(m->dyn.init_array, p);
    m->init_done = true;
  }
}

extern "C" void run_finalizers() {
  Runtime& rt = runtime;
  for (size_t i = rt.init_count; i-- > 0;) {
    rtld::Module* m = rt.init_order[i];
    if (!m->init_done || m->fini_done) continue;
    m->fini_done = true;
    const rtld::Table<uintptr_t>& fa = m->dyn.fini_array;
    for (size_t j = fa.count; j-- > 0;)
      if (fa.data[j] != 0 && fa.data[j] != ~uintptr_t{0}) reinterpret_cast<FiniFn>(fa.data[j])();
    if (m->dyn.fini) reinterpret_cast<FiniFn>(m->dyn.fini)();
  }
}

}  // namespace ldso
