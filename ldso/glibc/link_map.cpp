// glibc's struct link_map, one per loaded object, mirroring the loader's Module records: the
// chain libc walks (_ns_loaded), l_info, hash tables for _dl_addr, scopes, TLS fields.
#include <asm/unistd.h>

#include "arch/machine.hpp"
#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "ldso/startup.hpp"
#include "libdl/loader.hpp"
#include "rtld/search.hpp"
#include "rtld/string.hpp"
#include "state.hpp"

namespace ldso::glibc {
namespace {

namespace lm = L::link_map;
namespace rg_ = L::rtld_global;

// A link_map is followed by a pointer back to its Module.
struct Trailer {
  rtld::Module* module;
};

// Where glibc keeps dynamic tag t in l_info (x86_64, 2.36: DT_NUM = 38).
int info_index(int64_t t) {
  using namespace rtld::elf;
  if (t >= 0 && t < DT_NUM) return static_cast<int>(t);
  if (t >= DT_VERSYM && t <= DT_VERNEEDNUM) return 38 + static_cast<int>(DT_VERNEEDNUM - t);
  if (t >= 0x6ffffd00 && t <= 0x6ffffdff) return 57 + static_cast<int>(0x6ffffdff - t);
  if (t >= 0x6ffffe00 && t <= 0x6ffffeff) return 69 + static_cast<int>(0x6ffffeff - t);
  return -1;
}

uint64_t next_serial = 0;

}  // namespace

rtld::Module* module_of(const void* map) {
  if (!map) return nullptr;
  return reinterpret_cast<const Trailer*>(static_cast<const char*>(map) + lm::kSize)->module;
}

long namespace_id(const rtld::Module& m) {
  return m.client ? at<lm::l_ns, long>(m.client) : 0;
}

size_t namespace_capacity() { return L::rtld_global::dl_ns::size / kNamespaceSize; }

void* namespace_first(long ns) { return at<rg_::dl_ns0_ns_loaded, void*>(namespace_record(ns)); }

void* namespace_debug(long ns) { return address_of<rg_::dl_ns0_ns_debug>(namespace_record(ns)); }

void* make_link_map(rtld::Module& m, int type, long ns) {
  void* l = runtime.arena.allocate(lm::kSize + sizeof(Trailer));
  if (!l) return nullptr;
  reinterpret_cast<Trailer*>(static_cast<char*>(l) + lm::kSize)->module = &m;
  m.client = l;
  at<lm::l_addr, uintptr_t>(l) = m.bias();
  const char* name = m.is_main ? "" : m.path;  // the vDSO's path is "linux-vdso.so.1"
  at<lm::l_name, const char*>(l) = name;
  at<lm::l_ld, const void*>(l) = m.image.dynamic;
  at<lm::l_real, void*>(l) = l;
  at<lm::l_ns, long>(l) = ns;
  // l_libname: {name, next, dont_free}
  auto* libname = static_cast<char*>(runtime.arena.allocate(L::libname_list::kSize));
  if (libname) {
    at<L::libname_list::name, const char*>(libname) = m.soname ? m.soname : name;
    at<L::libname_list::dont_free, int>(libname) = 1;
    at<lm::l_libname, void*>(l) = libname;
  }
  auto* info = static_cast<const rtld::elf::Dyn**>(address_of<lm::l_info>(l));
  // (the bounds in locals: the stores to info could alias them)
  // (a loop tested at its foot: one jump an entry)
  if (const rtld::elf::Dyn* d = m.image.dynamic; d && m.image.dynamic_count) {
    const rtld::elf::Dyn* end = d + m.image.dynamic_count;
    do {
      const uint64_t tag = static_cast<uint64_t>(d->d_tag);
      if (tag - 1 < rtld::elf::DT_NUM - 1) {  // (the common tags first; DT_NULL, 0, ends)
        info[tag] = d;
      } else {
        if (tag == rtld::elf::DT_NULL) break;
        int idx = info_index(d->d_tag);
        if (idx >= 0 && idx < 80) info[idx] = d;
      }
    } while (++d != end);
  }
  at<lm::l_phdr, const void*>(l) = m.image.phdr;
  at<lm::l_phnum, uint16_t>(l) = static_cast<uint16_t>(m.image.phnum);
  at<lm::l_entry, uintptr_t>(l) = m.is_main ? m.image.entry : 0;
  if (m.gnu.buckets) {
    at<lm::l_nbuckets, uint32_t>(l) = m.gnu.nbuckets;
    at<lm::l_gnu_bitmask_idxbits, uint32_t>(l) = m.gnu.bloom_mask;
    at<lm::l_gnu_shift, uint32_t>(l) = m.gnu.bloom_shift;
    at<lm::l_gnu_bitmask, const void*>(l) = m.gnu.bloom;
    at<lm::l_gnu_buckets, const void*>(l) = m.gnu.buckets;
    at<lm::l_gnu_chain_zero, const void*>(l) = m.gnu.chain - m.gnu.symoffset;
  } else if (m.sysv.buckets) {
    at<lm::l_nbuckets, uint32_t>(l) = m.sysv.nbucket;
    at<lm::l_gnu_buckets, const void*>(l) = m.sysv.chain;     // l_chain
    at<lm::l_gnu_chain_zero, const void*>(l) = m.sysv.buckets;  // l_buckets
  }
  set_bits<lm::l_type>(l, static_cast<unsigned>(type));  // (l_relocated: 0, as allocated)
  set_bits<lm::l_contiguous>(l, 1);
  set_bits<lm::l_ld_readonly>(l, 1);  // .dynamic is left as the file has it: libc adds l_addr
  set_bits<lm::l_global>(l, m.global ? 1 : 0);
  // As glibc's: the executable's once worked out (at once when ld.so opened it); none for the
  // vDSO and ld.so (their link_maps are not made from a file it opens) and for ldd's stand-in
  // for a missing object.
  at<lm::l_origin, const char*>(l) =
      m.is_main  ? (m.image.kernel_mapped ? main_origin_if_known() : main_origin())
      : m.origin ? m.origin
      : m.path && !m.is_vdso && !m.is_ldso ? rtld::origin_of(runtime.arena, m.path)
                                           : nullptr;
  // The object whose DT_NEEDED loaded it (dlsym(RTLD_NEXT) walks these to the root).
  if (m.loader && m.loader->client) at<lm::l_loader, void*>(l) = m.loader->client;
  at<lm::l_map_start, uintptr_t>(l) = m.image.start;
  at<lm::l_map_end, uintptr_t>(l) = m.image.start + m.image.size;
  if (m.image.relro_end > m.image.relro_start) {
    at<lm::l_relro_addr, uintptr_t>(l) = m.image.relro_start;
    at<lm::l_relro_size, size_t>(l) = m.image.relro_end - m.image.relro_start;
  }
  at<lm::l_serial, uint64_t>(l) = next_serial++;
  at<lm::l_direct_opencount, uint32_t>(l) = m.is_main ? 1 : 0;
  if (m.image.has_tls) {
    const rtld::TlsSegment& t = m.image.tls;
    at<lm::l_tls_initimage, uintptr_t>(l) = t.init_image;
    at<lm::l_tls_initimage_size, size_t>(l) = t.init_size;
    at<lm::l_tls_blocksize, size_t>(l) = t.mem_size;
    at<lm::l_tls_align, size_t>(l) = t.align;
    at<lm::l_tls_firstbyte_offset, size_t>(l) = t.first_byte_offset;
    at<lm::l_tls_offset, size_t>(l) = m.tls.is_static ? static_cast<size_t>(-m.tls.tp_offset) : 0;
    at<lm::l_tls_modid, size_t>(l) = m.tls.id;
  }
  return l;
}

// GL(dl_nns): one more than the highest namespace id in use.
void count_namespaces() {
  size_t nns = 1;
  for (size_t id = 1; id < namespace_capacity(); ++id)
    if (namespace_first(static_cast<long>(id))) nns = id + 1;
  at<rg_::dl_nns, size_t>(rg()) = nns;
}

// Links the records of a namespace in load order and publishes the namespace to libc.
// libc's GL(dl_load_write_lock): its dl_iterate_phdr walks the link maps holding it, so the
// chain changes (and a removed map is released) under it.
struct WriteLock {
  WriteLock() { lock_with_libc(lock()); }
  ~WriteLock() {
    if (libc.mutex_unlock) libc.mutex_unlock(lock());
  }
  static void* lock() { return address_of<L::rtld_global::dl_load_write_lock>(rg()); }
};

void link_chain(const rtld::ObjectSet& set, long ns) {
  WriteLock held;
  void* prev = nullptr;
  void* first = nullptr;
  unsigned n = 0;
  for (rtld::Module* m = set.first; m; m = m->next) {
    void* l = link_map_of(*m);
    if (!l) continue;  // mapped by an open still in progress: joins the chain when announced
    at<lm::l_prev, void*>(l) = prev;
    at<lm::l_next, void*>(l) = nullptr;
    if (prev) at<lm::l_next, void*>(prev) = l;
    else first = l;
    prev = l;
    ++n;
  }
  void* record = namespace_record(ns);
  at<rg_::dl_ns0_ns_loaded, void*>(record) = first;
  at<rg_::dl_ns0_ns_nloaded, unsigned>(record) = n;
  count_namespaces();
  // dlpi_adds: every object ever added (dlpi_subs = adds - loaded); object_added counts on.
  uint64_t& adds = at<rg_::dl_load_adds, uint64_t>(rg());
  if (ns == 0 && adds < n) adds = n;
}

void link_chain(Runtime& rt) { link_chain(rt.objects, 0); }

void* first_link_map() {
  return runtime.objects.first ? link_map_of(*runtime.objects.first) : nullptr;
}

// r_scope_elem {link_map** r_list; unsigned r_nlist}: the main search list (the global scope)
// and each object's local scope (itself).
bool build_scopes(Runtime& rt) {
  const rtld::ObjectSet& set = rt.objects;
  void* main = link_map_of(*set.main);
  auto** list = static_cast<void**>(rt.arena.allocate(sizeof(void*) * (set.scope_count + 1)));
  if (!list) return false;
  for (size_t i = 0; i < set.scope_count; ++i) list[i] = link_map_of(*set.scope[i]);
  void* searchlist = address_of<lm::l_searchlist>(main);
  at<L::r_scope_elem::r_list, void**>(searchlist) = list;
  at<L::r_scope_elem::r_nlist, unsigned>(searchlist) = static_cast<unsigned>(set.scope_count);
  at<rg_::dl_ns0_ns_main_searchlist, void*>(rg()) = searchlist;
  rtld::mem_copy(address_of<L::rtld_global_ro::dl_initial_searchlist>(ro()), searchlist,
                 L::r_scope_elem::kSize);
  // Every start-up object resolves through the global scope (l_scope = {main searchlist}).
  auto** scope = static_cast<void**>(rt.arena.allocate(sizeof(void*) * 2));
  if (!scope) return false;
  scope[0] = searchlist;
  for (rtld::Module* m = set.first; m; m = m->next) {
    void* l = link_map_of(*m);
    at<lm::l_scope, void**>(l) = scope;
    auto** local = static_cast<void**>(address_of<lm::l_local_scope>(l));
    if (m->is_main) {
      local[0] = searchlist;
    } else {
      // Its own search list: the object alone until dlopen asks for its dependencies.
      void* own = address_of<lm::l_searchlist>(l);
      auto** one = static_cast<void**>(rt.arena.allocate(sizeof(void*)));
      if (!one) return false;
      one[0] = l;
      at<L::r_scope_elem::r_list, void**>(own) = one;
      at<L::r_scope_elem::r_nlist, unsigned>(own) = 1;
      local[0] = own;
    }
  }
  return true;
}

void mark_initialized(const rtld::Module& m) {
  if (void* l = link_map_of(m)) set_bits<lm::l_init_called>(l, 1);
}

void main_origin_known(const char* origin) {
  if (void* l = runtime.objects.main ? link_map_of(*runtime.objects.main) : nullptr)
    at<lm::l_origin, const char*>(l) = origin;
}

void mark_relocated(const rtld::Module& m) {
  if (void* l = link_map_of(m)) set_bits<lm::l_relocated>(l, 1);
}

}  // namespace ldso::glibc

namespace ldso::glibc {

void set_tls_slot(size_t id, void* map, size_t generation);  // tls.cpp
void libc_removing(void* map);                               // libc.cpp

namespace {

// Sets a searchlist (r_scope_elem) to the link_maps of `list`.
bool set_searchlist(void* elem, rtld::Module* const* list, size_t n) {
  auto** maps = static_cast<void**>(runtime.arena.allocate(sizeof(void*) * (n ? n : 1)));
  if (!maps) return false;
  for (size_t i = 0; i < n; ++i) maps[i] = link_map_of(*list[i]);
  runtime.arena.release(at<L::r_scope_elem::r_list, void**>(elem));
  at<L::r_scope_elem::r_list, void**>(elem) = maps;
  at<L::r_scope_elem::r_nlist, unsigned>(elem) = static_cast<unsigned>(n);
  return true;
}

}  // namespace

// Each other namespace's global scope (its _ns_main_searchlist): the r_scope_elem that its
// objects' l_scope[0] points to.
alignas(8) static unsigned char namespace_scopes[L::rtld_global::dl_ns::size / kNamespaceSize][L::r_scope_elem::kSize];

bool object_added(const dl::Loader& ns, rtld::Module& m, rtld::Diagnostics& diag) {
  if (m.is_ldso) {
    // ld.so in another namespace: a record of that namespace referring to the real one
    // (l_real), as glibc's _dl_map_object_from_fd makes it.
    void* l = make_link_map(m, 1, ns.id);
    if (!l) return diag.fail(m.path, "cannot allocate link map");
    if (rtld::Module* self = runtime.objects.ldso; self && self->client) at<lm::l_real, void*>(l) = self->client;
    set_bits<lm::l_relocated>(l, 1);
    set_bits<lm::l_init_called>(l, 1);
    rtld::Module* one = &m;
    void* own = address_of<lm::l_searchlist>(l);
    if (!set_searchlist(own, &one, 1)) return diag.fail(m.path, "cannot allocate scope");
    static_cast<void**>(address_of<lm::l_local_scope>(l))[0] = own;
    ++at<rg_::dl_load_adds, uint64_t>(rg());
    link_chain(*ns.set, ns.id);
    return true;
  }
  if (!require_stack_flags(m, diag)) return false;  // PT_GNU_STACK with PF_X (or none)
  void* l = make_link_map(m, 2, ns.id);
  if (!l) return diag.fail(m.path, "cannot allocate link map");
  // A namespace's libc.so.6 (by SONAME, as glibc recognises it).
  void* record = namespace_record(ns.id);
  if (!at<rg_::dl_ns0_libc_map, void*>(record) && m.soname && rtld::str_eq(m.soname, "libc.so.6"))
    at<rg_::dl_ns0_libc_map, void*>(record) = l;
  if (m.scope_root == &m) at<lm::l_loader, void*>(l) = nullptr;  // dlopen's own object
  rtld::Module* self = &m;
  void* own = address_of<lm::l_searchlist>(l);
  if (!set_searchlist(own, &self, 1)) return diag.fail(m.path, "cannot allocate scope");
  static_cast<void**>(address_of<lm::l_local_scope>(l))[0] = own;
  ++at<rg_::dl_load_adds, uint64_t>(rg());
  link_chain(*ns.set, ns.id);
  if (m.tls.id) set_tls_slot(m.tls.id, l, runtime.objects.tls.generation);
  return true;
}

void scopes_changed(const dl::Loader& ns) {
  const rtld::ObjectSet& set = *ns.set;
  void* main = link_map_of(*set.main);
  void* global;
  if (ns.id == 0) {
    global = address_of<lm::l_searchlist>(main);
    set_searchlist(global, set.scope, set.scope_count);
    rtld::mem_copy(address_of<L::rtld_global_ro::dl_initial_searchlist>(ro()), global,
                   L::r_scope_elem::kSize);
  } else {
    global = namespace_scopes[ns.id];
    set_searchlist(global, set.scope, set.scope_count);
    at<rg_::dl_ns0_ns_main_searchlist, void*>(namespace_record(ns.id)) = set.first ? global : nullptr;
  }
  for (rtld::Module* m = set.first; m; m = m->next) {
    void* l = link_map_of(*m);
    if (!l) continue;
    if (m->closure && !m->is_main) set_searchlist(address_of<lm::l_searchlist>(l), m->closure, m->closure_count);
    set_bits<lm::l_global>(l, m->global ? 1 : 0);
    if (!m->dynamic && ns.id == 0) continue;  // start-up objects share the base's l_scope
    // Objects loaded by dlopen resolve through the global scope, then their opener's, then
    // those of later opens that needed them too. The array is preceded by its capacity; one
    // that is outgrown stays allocated (libc's dlsym may be reading it without the lock).
    rtld::Module* const* extra = nullptr;
    size_t extras = dl::extra_scopes(ns, *m, &extra);
    size_t need = 3 + extras;
    auto** scope = at<lm::l_scope, void**>(l);
    if (!scope || scope == at<lm::l_scope, void**>(main) ||
        reinterpret_cast<size_t>(scope[-1]) < need) {
      auto** base = static_cast<void**>(runtime.arena.allocate(sizeof(void*) * (need + 1)));
      if (!base) continue;
      base[0] = reinterpret_cast<void*>(need);
      scope = base + 1;
    }
    size_t n = 0;
    scope[n++] = global;
    if (m->scope_root)
      if (void* root = link_map_of(*m->scope_root)) {
        scope[n++] = address_of<lm::l_searchlist>(root);
        if (m->scope_root->deepbind) scope[0] = scope[1], scope[1] = global;
      }
    for (size_t i = 0; i < extras; ++i)
      if (void* r = link_map_of(*extra[i])) scope[n++] = address_of<lm::l_searchlist>(r);
    scope[n] = nullptr;
    at<lm::l_scope, void**>(l) = scope;
  }
}

void object_removing(const dl::Loader& ns, rtld::Module& m) {
  void* l = link_map_of(m);
  if (!l) return;
  WriteLock held;
  void* prev = at<lm::l_prev, void*>(l);
  void* next = at<lm::l_next, void*>(l);
  void* record = namespace_record(ns.id);
  if (prev) at<lm::l_next, void*>(prev) = next;
  else if (at<rg_::dl_ns0_ns_loaded, void*>(record) == l) at<rg_::dl_ns0_ns_loaded, void*>(record) = next;
  if (next) at<lm::l_prev, void*>(next) = prev;
  --at<rg_::dl_ns0_ns_nloaded, unsigned>(record);
  if (at<rg_::dl_ns0_libc_map, void*>(record) == l) at<rg_::dl_ns0_libc_map, void*>(record) = nullptr;
  count_namespaces();
  for (rtld::Module* o = ns.set->first; o; o = o->next)
    if (void* ol = link_map_of(*o); ol && at<lm::l_loader, void*>(ol) == l) at<lm::l_loader, void*>(ol) = nullptr;
  if (m.tls.id) set_tls_slot(m.tls.id, nullptr, runtime.objects.tls.generation + 1);
  libc_removing(l);
  runtime.arena.release(at<L::r_scope_elem::r_list, void**>(address_of<lm::l_searchlist>(l)));
  auto** scope = at<lm::l_scope, void**>(l);
  if (scope && scope != at<lm::l_scope, void**>(link_map_of(*runtime.objects.main)))
    runtime.arena.release(scope - 1);  // scopes_changed keeps the capacity in front
  runtime.arena.release(const_cast<char*>(at<lm::l_origin, const char*>(l)));
  runtime.arena.release(at<lm::l_libname, void*>(l));
  runtime.arena.release(l);
  m.client = nullptr;
}

bool object_pinned(const rtld::Module& m) {
  void* l = link_map_of(m);
  return l && at<lm::l_tls_dtor_count, size_t>(l) > 0;
}

}  // namespace ldso::glibc
