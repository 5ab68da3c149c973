// Run-time loading: the loader's hooks (mirroring into glibc's records, constructors,
// debugger notifications) and the open/close operations the dlfcn entry points use.
#include "glibc/glibc.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {
namespace {

bool added(void*, rtld::Module& m, rtld::Diagnostics& diag) { return glibc::object_added(m, diag); }
void scopes_changed(void*) { glibc::scopes_changed(); }
void initialize(void*) { run_pending_initializers(); }
void finalize(void*, rtld::Module** list, size_t count) { run_finalizers_of(list, count); }
void removing(void*, rtld::Module& m) { glibc::object_removing(m); }
void debug(void*, int state) { debug_state(state); }
bool pinned(void*, const rtld::Module& m) { return glibc::object_pinned(m); }
void init_static_block(void*, const rtld::Module& m) { glibc::init_static_tls_block(m); }

}  // namespace

void setup_run_time_loading() {
  Runtime& rt = runtime;
  dl::Loader& l = rt.loader;
  l.set = &rt.objects;
  l.search = &rt.search;
  l.static_tls_limit = rt.objects.tls.size + glibc::static_tls_surplus();
  l.init_static_tls_block = init_static_block;
  l.hooks = dl::Hooks{nullptr, added, scopes_changed, initialize, finalize, removing, debug, pinned};
}

rtld::Module* open_object(rtld::Diagnostics& diag, const char* name, int mode, rtld::Module* caller) {
  return dl::open(diag, runtime.loader, name, mode, caller);
}

bool close_object(rtld::Diagnostics& diag, rtld::Module* m) {
  return dl::close(diag, runtime.loader, m);
}

}  // namespace ldso
