// Run-time loading: the loader's hooks (mirroring into glibc's records, constructors,
// debugger notifications) and the open/close operations the dlfcn entry points use.
#include "arch/machine.hpp"
#include "glibc/glibc.hpp"
#include "rtld/relocate.hpp"
#include "debug_log.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {
namespace {

// Each namespace's hooks have its Loader as their context.
const dl::Loader& ns_of(void* context) { return *static_cast<const dl::Loader*>(context); }

bool added(void* ns, rtld::Module& m, rtld::Diagnostics& diag) { return glibc::object_added(ns_of(ns), m, diag); }
void scopes_changed(void* ns) { glibc::scopes_changed(ns_of(ns)); }
void initialize(void* ns) {
  glibc::namespace_ready(ns_of(ns));
  run_pending_initializers(*ns_of(ns).set);
}
void finalize(void*, rtld::Module** list, size_t count) { run_finalizers_of(list, count); }
void removing(void* ns, rtld::Module& m) {
  if (debug::on(debug::kFiles)) debug::print("\nfile=%s [%lu];  destroying link map", m.path, ns_of(ns).id);
  glibc::object_removing(ns_of(ns), m);
}
void report_state(void* ns, int state) { debug_state(state, ns_of(ns).id); }
bool pinned(void*, const rtld::Module& m) { return glibc::object_pinned(m); }
void init_static_block(void*, const rtld::Module& m) { glibc::init_static_tls_block(m); }
void lock(void*) { glibc::lock_loading(); }
void unlock(void*) { glibc::unlock_loading(); }
void lock_tls(void*) { glibc::lock_tls(); }
void unlock_tls(void*) { glibc::unlock_tls(); }

[[noreturn]] void lazy_binding_failed(const rtld::Diagnostics& diag) { fatal(diag); }

rtld::LazyBinding lazy_binding;

}  // namespace

void setup_run_time_loading() {
  Runtime& rt = runtime;
  dl::Loader& l = rt.loader;
  l.set = &rt.objects;
  // Small objects opened from now on are kept mapped after their last dlclose, for a reopen.
  rt.objects.keep_limit = 16384;
  l.search = &rt.search;
  l.static_tls_limit = rt.objects.tls.size + glibc::static_tls_surplus();
  l.static_tls_optional = glibc::static_tls_optional();
  l.init_static_tls_block = init_static_block;
  l.max_namespaces = glibc::namespace_capacity();
  l.hooks = dl::Hooks{&l,      added,  scopes_changed, initialize, finalize,
                      removing, report_state, pinned,         lock,       unlock,
                      lock_tls, unlock_tls};
  lazy_binding = rtld::LazyBinding{{dl::resolve_symbol, &l}, lazy_binding_failed, rt.options.bind_not};
  lazy_binding.stats = &debug::relocations;
  if (debug::on(debug::kBindings))
    lazy_binding.bound = l.bound = debug::report_binding, l.marking_nodelete = debug::report_nodelete;
  if (debug::on(debug::kSymbols)) l.looking = debug::report_lookup;
  if (debug::on(debug::kFiles)) l.nodelete_files = debug::report_nodelete_files;
  if (debug::on(debug::kScopes)) l.show_scope = debug::show_scope, l.made_global = debug::report_made_global;
  if (debug::on(debug::kVersions)) l.checking_version = debug::report_version_check;
  if (debug::on(debug::kReloc)) l.relocating = debug::report_relocation;
  l.lazy = &lazy_binding;
  l.lazy_entry = arch::init_lazy_binding(glibc::remembered_cpuid);
}

rtld::Module* open_object(rtld::Diagnostics& diag, dl::Loader& ns, const char* name, int mode,
                          rtld::Module* caller) {
  return dl::open(diag, ns, name, mode, caller);
}

bool close_object(rtld::Diagnostics& diag, dl::Loader& ns, rtld::Module* m) {
  return dl::close(diag, ns, m);
}

dl::Loader* new_namespace() {
  dl::Loader* ns = dl::new_namespace(runtime.loader);
  if (ns) ns->hooks.context = ns;
  return ns;
}

}  // namespace ldso
