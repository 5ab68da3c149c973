// State shared by the files of the glibc layer.
#pragma once
#include <cstddef>
#include <cstdint>

#include "field.hpp"
#include "rtld/module.hpp"
#include "rtld/symbols.hpp"

extern "C" {
extern unsigned char _rtld_global[];
extern unsigned char _rtld_global_ro[];
}

namespace ldso {
struct Runtime;
}

namespace ldso::glibc {

inline void* rg() { return _rtld_global; }
inline void* ro() { return _rtld_global_ro; }

// GL(dl_ns)[id], the record of a link-map namespace: its fields are at the dl_ns0_* offsets
// from there. The array's length is glibc's DL_NNS.
inline constexpr size_t kNamespaceSize =
    L::rtld_global::dl_ns0_ns_debug::offset + L::rtld_global::dl_ns0_ns_debug::size;
static_assert(L::rtld_global::dl_ns::size % kNamespaceSize == 0);
inline void* namespace_record(long id) {
  return static_cast<char*>(rg()) + L::rtld_global::dl_ns::offset + static_cast<size_t>(id) * kNamespaceSize;
}

// libc's functions, once libc.so.6 is relocated (null before, or without libc).
// (the first six in the order libc.cpp looks them up)
struct LibcFunctions {
  void (*free)(void*) = nullptr;
  void* (*malloc)(size_t) = nullptr;
  int (*catch_exception)(void*, void (*)(void*), void*) = nullptr;
  void (*signal_exception)(int, void*, const char*) = nullptr;
  void (*signal_error)(int, const char*, const char*, const char*) = nullptr;
  int (*catch_error)(const char**, const char**, bool*, void (*)(void*), void*) = nullptr;
  int (*mutex_lock)(void*) = nullptr;
  int (*mutex_unlock)(void*) = nullptr;
};
extern LibcFunctions libc;
// Locks `mutex` with libc's pthread_mutex_lock (nothing without libc), looked up on first use.
void lock_with_libc(void* mutex);

// The link_map record glibc's libc reads for an object, and back.
inline void* link_map_of(const rtld::Module& m) { return m.client; }
rtld::Module* module_of(const void* link_map);
void* make_link_map(rtld::Module& m, int type, long ns = 0);  // type: 0 executable, 1 library, 2 dlopened

// Memory that libc may later free (or that outlives start-up): libc's malloc when it is
// there, the loader's arena before.
void* allocate(size_t size);
void release(void* p);

// The TLS generation counter and module table as glibc keeps them.
void register_tls_module(rtld::Module& m);

void init_tunables(Runtime& rt);          // tunables.cpp
void init_cpu_features(Runtime& rt);      // cpu_features.cpp
// A tunable named at compile time: tunable_value(TunableId("glibc.rtld.nns")) costs no lookup.
struct TunableId {
  consteval TunableId(const char* name) : index(find(name)) {}
  size_t index;

 private:
  static void unknown_tunable();  // not constexpr: naming an unknown tunable fails to compile
  static consteval size_t find(const char* name) {
    for (const char* p = L::kTunablePrefix; *p; ++p, ++name)
      if (*p != *name) unknown_tunable();
    const char* a = L::kTunableNames;
    for (size_t i = 0; i < sizeof(L::kTunables) / sizeof(L::kTunables[0]); ++i) {
      const char* b = name;
      while (*a && *a == *b) ++a, ++b;
      if (*a == *b) return i;
      while (*a++) {
      }
    }
    unknown_tunable();
    return 0;
  }
};
int64_t tunable_value(TunableId id);      // current value (the default unless set)
const char* tunable_string(TunableId id);  // a string tunable's value, null unless set
// glibc's TUNABLE_SET_WITH_BOUNDS for an unsigned tunable: bounds only ever narrowed (both
// dropped when they cross), and the value taken only when within them.
void set_tunable_with_bounds(TunableId id, uint64_t value, uint64_t min, uint64_t max);
void* tls_get_addr_soft(void* map);       // tls.cpp: GLRO(dl_tls_get_addr_soft)
// A name ld.so looks up, with its GNU hash worked out at compile time.
struct Named {
  const char* name;
  uint32_t hash;
};
consteval Named named(const char* name) { return {name, rtld::gnu_hash_of(name)}; }
void* libc_function(Named name);   // libc.cpp: a function of the global scope, or null
void thread_tls_reset(void* tcb);        // exports.cpp: per-thread dlerror() state of a TCB
void thread_tls_released(void* tcb);

// Executable stacks (libc.cpp, tls.cpp): an object's PT_GNU_STACK flags (PF_R|PF_W|PF_X
// without one); making every stack executable once an object needs it, as glibc's
// _dl_map_object_from_fd does (0, or an errno value).
unsigned stack_flags_of(const rtld::Module& m);
bool require_stack_flags(const rtld::Module& m, rtld::Diagnostics& diag);
int make_stacks_executable();


}  // namespace ldso::glibc
