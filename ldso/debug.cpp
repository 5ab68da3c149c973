// What debuggers read: _r_debug (reached through the executable's DT_DEBUG or by name), in the
// <link.h> r_debug_extended layout, and the function they break on, _dl_debug_state.
#include "glibc/glibc.hpp"
#include "runtime.hpp"
#include "startup.hpp"

extern "C" {
struct RDebugExtended {
  int r_version;
  void* r_map;
  uintptr_t r_brk;
  int r_state;  // RT_CONSISTENT 0, RT_ADD 1, RT_DELETE 2
  uintptr_t r_ldbase;
  RDebugExtended* r_next;
};
static_assert(sizeof(RDebugExtended) == 48);

__attribute__((visibility("default"))) RDebugExtended _r_debug;

__attribute__((visibility("default"), noinline)) void _dl_debug_state() { __asm__ volatile(""); }
}

namespace ldso {

void publish_debug_state() {
  _r_debug.r_version = 1;
  _r_debug.r_brk = reinterpret_cast<uintptr_t>(&_dl_debug_state);
  _r_debug.r_ldbase = runtime.objects.ldso ? runtime.objects.ldso->bias() : 0;
  _r_debug.r_map = glibc::first_link_map();
  if (rtld::elf::Dyn* d = runtime.objects.main->dyn.debug) d->d_val = reinterpret_cast<uintptr_t>(&_r_debug);
}

void debug_state(int state, long ns) {
  RDebugExtended* r = &_r_debug;
  if (ns != 0) {
    // Another namespace's record (GL(dl_ns)[ns]._ns_debug): chained after the base one the
    // first time (and never unchained), which makes the protocol version 2.
    r = static_cast<RDebugExtended*>(glibc::namespace_debug(ns));
    if (!r->r_brk) {
      r->r_version = 2;
      r->r_ldbase = _r_debug.r_ldbase;
      r->r_brk = _r_debug.r_brk;
      r->r_next = nullptr;
      RDebugExtended** link = &_r_debug.r_next;
      while (*link && *link != r) link = &(*link)->r_next;
      *link = r;
      _r_debug.r_version = 2;
    }
    r->r_map = glibc::namespace_first(ns);
  } else {
    r->r_map = glibc::first_link_map();
  }
  r->r_state = state;
  _dl_debug_state();
}

}  // namespace ldso
