// The glibc 2.36 private ABI (Debian 12, x86_64): the only code that knows glibc's internal
// layouts. The rest of ld.so calls these hooks at the points where glibc's own ld.so does the
// corresponding work; everything here mirrors the loader's neutral state into glibc's records.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rtld/diagnostics.hpp"
#include "rtld/module.hpp"
#include "rtld/tls.hpp"

namespace ldso {
struct Runtime;
}
namespace dl {
struct Loader;
}

namespace ldso::glibc {

// Size of glibc's struct pthread, which the thread pointer addresses.
inline constexpr size_t kTcbSize = 2368;
inline constexpr size_t kTcbAlign = 64;

// Start-up, before anything is loaded: process facts, tunables, CPU features.
void init_process(Runtime& rt);
// --list-tunables: every tunable with its value and bounds, as glibc's ld.so prints them.
void print_tunables();

// The static TLS surplus glibc reserves for objects opened later, and the part of it that
// objects without DF_STATIC_TLS may take (glibc.rtld.optional_static_tls).
size_t static_tls_surplus();
size_t static_tls_optional();

// cpuid, answered from what start-up has asked already (each cpuid traps in a virtual machine).
void remembered_cpuid(uint32_t leaf, uint32_t sub, uint32_t regs[4]);

// After the initial objects are loaded and TLS is laid out, before relocation: refuses an
// unknown libc.so.6 build, builds the link_map records and fills _rtld_global(_ro).
bool prepare_objects(rtld::Diagnostics& diag, Runtime& rt);

// The initial thread's struct pthread (tp is its address), before relocation.
void init_initial_thread(Runtime& rt, uintptr_t tp, void* dtv);

// After relocation and TLS images: switch to libc's allocator, run __libc_early_init.
void after_relocation(Runtime& rt);
// Finds the vDSO's functions glibc's libc asks ld.so for; returns its clock_gettime (or null).
void* find_vdso_functions(const rtld::Module& vdso);

// Marks an object's link_map as initialised (l_init_called).
void mark_initialized(const rtld::Module& m);
// The executable's $ORIGIN, once worked out: its link_map's l_origin (if it has one yet).
void main_origin_known(const char* origin);

// Run-time loading: mirror an opened object, scope changes and an unloaded object, each in
// its namespace (GL(dl_ns)[ns.id], l_ns).
bool object_added(const dl::Loader& ns, rtld::Module& m, rtld::Diagnostics& diag);
void scopes_changed(const dl::Loader& ns);
void object_removing(const dl::Loader& ns, rtld::Module& m);
// The namespace id glibc records in an object's link_map (l_ns; 0 before it has one).
long namespace_id(const rtld::Module& m);
// How many namespaces glibc has room for (DL_NNS), the base one included.
size_t namespace_capacity();
// Before the initialisers of an open: a libc.so.6 new in another namespace gets its
// __libc_early_init(false), as glibc's dl_open_worker does.
void namespace_ready(const dl::Loader& ns);
// The r_debug_extended record of namespace `ns` (not 0): GL(dl_ns)[ns]._ns_debug.
void* namespace_debug(long ns);
// The first link_map of namespace `ns`, or null (r_debug.r_map).
void* namespace_first(long ns);
bool object_pinned(const rtld::Module& m);  // thread_local destructors still registered
void init_static_tls_block(const rtld::Module& m);  // in every thread

// GL(dl_load_lock), libc's recursive mutex (no-ops before libc is relocated).
void lock_loading();
void unlock_loading();
// GL(dl_load_tls_lock): held while the object list and TLS modules change, and by
// _dl_allocate_tls_init and the __tls_get_addr slow path that read them.
void lock_tls();
void unlock_tls();

// __tls_get_addr's slow path (out-of-date DTV, block not yet allocated).
void* tls_get_addr_slow(const rtld::TlsIndex* index);

// The first link_map of the chain (what r_debug.r_map shows debuggers).
void* first_link_map();

}  // namespace ldso::glibc
