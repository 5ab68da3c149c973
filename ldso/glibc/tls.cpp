// TLS as libc sees it: the initial thread's struct pthread, the DTV slotinfo list, static TLS
// sizes, and the entry points pthread_create and thread exit call.
#include <asm/unistd.h>

#include "arch/machine.hpp"
#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "rtld/string.hpp"
#include "rtld/tls.hpp"
#include "state.hpp"

extern "C" {
extern ptrdiff_t __rseq_offset;
extern unsigned int __rseq_size;
extern bool __nptl_initial_report_events;
extern void* __libc_stack_end;
}

namespace ldso::glibc {
namespace {

namespace pt = L::pthread;
namespace ro_ = L::rtld_global_ro;
namespace rg_ = L::rtld_global;

constexpr size_t kSlotinfoSurplus = 62;
constexpr size_t kDtvSurplus = 14;
void* const kUnallocated = reinterpret_cast<void*>(-1);

long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0) {
  return arch::syscall6(n, a, b, c, d);
}

size_t max_module_id() { return runtime.objects.tls.next_id - 1; }

// Fills the DTV and static blocks of the thread whose TCB is `tcb` (glibc's
// _dl_allocate_tls_init).
void init_thread_tls(void* tcb) {
  auto* dtv = at<pt::header_dtv, rtld::DtvEntry*>(tcb);
  size_t capacity = dtv[-1].counter;
  for_each_object([&](rtld::Module& m) {
    if (!m.tls.id || m.tls.id > capacity) return;
    if (!m.tls.is_static) {
      dtv[m.tls.id].pointer = {kUnallocated, nullptr};
      return;
    }
    char* block = static_cast<char*>(tcb) + m.tls.tp_offset;
    dtv[m.tls.id].pointer = {block, nullptr};
    const rtld::TlsSegment& t = m.image.tls;
    rtld::mem_copy(block, reinterpret_cast<const void*>(t.init_image), t.init_size);
    rtld::mem_zero(block + t.init_size, t.mem_size - t.init_size);
  });
  dtv[0].counter = runtime.objects.tls.generation;
}

}  // namespace

size_t static_tls_surplus() {
  // glibc: (nns - 1) * 144 + nns * 144 + optional_static_tls + 144 (1664 by default).
  auto nns = static_cast<size_t>(tunable_value("glibc.rtld.nns"));
  auto optional = static_cast<size_t>(tunable_value("glibc.rtld.optional_static_tls"));
  return (nns - 1) * 144 + nns * 144 + optional + 144;
}

void lock_tls() { lock_with_libc(address_of<rg_::dl_load_tls_lock>(rg())); }

void unlock_tls() {
  if (libc.mutex_unlock) libc.mutex_unlock(address_of<rg_::dl_load_tls_lock>(rg()));
}

size_t static_tls_optional() {
  return static_cast<size_t>(tunable_value("glibc.rtld.optional_static_tls"));
}

void publish_static_tls(Runtime& rt, void* initial_dtv) {
  const rtld::StaticTls& tls = rt.objects.tls;
  size_t align = tls.align < kTcbAlign ? kTcbAlign : tls.align;
  size_t surplus = static_tls_surplus();
  void* r = ro();
  at<ro_::dl_tls_static_size, size_t>(r) = rtld::align_up(tls.size + surplus, align) + kTcbSize;
  at<ro_::dl_tls_static_align, size_t>(r) = align;
  at<ro_::dl_tls_static_surplus, size_t>(r) = surplus;
  void* g = rg();
  size_t max_id = max_module_id();
  at<rg_::dl_tls_max_dtv_idx, size_t>(g) = max_id;
  at<rg_::dl_tls_static_used, size_t>(g) = tls.size;
  at<rg_::dl_tls_static_optional, size_t>(g) = static_cast<size_t>(tunable_value("glibc.rtld.optional_static_tls"));
  at<rg_::dl_initial_dtv, void*>(g) = initial_dtv;
  at<rg_::dl_tls_generation, size_t>(g) = tls.generation;
  // The slotinfo list: {len, next, {gen, map}[len]}.
  size_t len = max_id + 1 + kSlotinfoSurplus;
  auto* list = static_cast<size_t*>(rt.arena.allocate(L::dtv_slotinfo_list::kSize + len * L::dtv_slotinfo::kSize));
  if (!list) return;
  list[0] = len;
  list[1] = 0;
  auto* slots = reinterpret_cast<uintptr_t(*)[2]>(list + 2);
  size_t nelem = 0;
  for (rtld::Module* m = rt.objects.first; m; m = m->next) {
    if (!m->tls.id) continue;
    slots[m->tls.id][0] = tls.generation;
    slots[m->tls.id][1] = reinterpret_cast<uintptr_t>(link_map_of(*m));
    ++nelem;
  }
  at<rg_::dl_tls_dtv_slotinfo_list, void*>(g) = list;
  at<rg_::dl_tls_static_nelem, size_t>(g) = nelem;
}

void init_initial_thread(Runtime& rt, uintptr_t tp, void* dtv) {
  void* pd = reinterpret_cast<void*>(tp);
  at<pt::header_tcb, void*>(pd) = pd;
  at<pt::header_self, void*>(pd) = pd;
  at<pt::header_dtv, void*>(pd) = dtv;
  if (rt.process.at_random) {
    uintptr_t guards[2];
    rtld::mem_copy(guards, reinterpret_cast<const void*>(rt.process.at_random), sizeof guards);
    at<pt::header_stack_guard, uintptr_t>(pd) = guards[0] & ~uintptr_t{0xff};
    at<pt::header_pointer_guard, uintptr_t>(pd) = guards[1];
  }
  // The main thread is on GL(dl_stack_user).
  void* user = address_of<rg_::dl_stack_user>(rg());
  auto* node = static_cast<void**>(address_of<pt::list>(pd));
  auto** head = static_cast<void**>(user);
  node[0] = head[0];  // next
  node[1] = head;     // prev
  static_cast<void**>(head[0])[1] = node;
  head[0] = node;
  at<pt::tid, int>(pd) = static_cast<int>(sys(__NR_set_tid_address, reinterpret_cast<long>(address_of<pt::tid>(pd))));
  auto* specific = static_cast<void**>(address_of<pt::specific>(pd));
  specific[0] = address_of<pt::specific_1stblock>(pd);
  at<pt::user_stack, bool>(pd) = true;
  at<pt::report_events, bool>(pd) = __nptl_initial_report_events;
  // Robust mutex list: an empty circular list, registered with the kernel.
  auto* robust = static_cast<char*>(address_of<pt::robust_head>(pd));
  at<pt::robust_prev, void*>(pd) = robust;
  *reinterpret_cast<void**>(robust) = robust;                 // list
  *reinterpret_cast<long*>(robust + 8) = -32;                 // futex_offset
  *reinterpret_cast<void**>(robust + 16) = nullptr;           // list_op_pending
  sys(__NR_set_robust_list, reinterpret_cast<long>(robust), 24);
  // rseq: register the area unless glibc.pthread.rseq=0.
  auto* rseq = static_cast<char*>(address_of<pt::rseq_area>(pd));
  __rseq_offset = static_cast<ptrdiff_t>(pt::rseq_area::offset);
  bool registered = false;
  if (tunable_value("glibc.pthread.rseq")) {
    *reinterpret_cast<int32_t*>(rseq + 4) = -1;  // cpu_id: RSEQ_CPU_ID_UNINITIALIZED
    registered = sys(__NR_rseq, reinterpret_cast<long>(rseq), 32, 0, 0x53053053) == 0;
  }
  if (registered) {
    __rseq_size = 20;
  } else {
    *reinterpret_cast<int32_t*>(rseq + 4) = -2;  // RSEQ_CPU_ID_REGISTRATION_FAILED
    __rseq_size = 0;
  }
  at<pt::stackblock_size, size_t>(pd) = reinterpret_cast<size_t>(__libc_stack_end);
  publish_static_tls(rt, dtv);
}

}  // namespace ldso::glibc

using namespace ldso::glibc;
#define EXPORT extern "C" __attribute__((visibility("default")))

EXPORT void* _dl_allocate_tls_init(void* tcb, bool init_tls) {
  if (!tcb) return nullptr;
  // dlopen and dlclose change the module list and ids under this lock (glibc bug 19924).
  struct Held {
    Held() { lock_tls(); }
    ~Held() { unlock_tls(); }
  } held;
  auto*& dtv = at<pt::header_dtv, rtld::DtvEntry*>(tcb);
  size_t need = max_module_id();
  if (dtv[-1].counter < need) {  // grow (libc's allocator: libc may free these)
    size_t capacity = need + kDtvSurplus;
    auto* fresh = static_cast<rtld::DtvEntry*>(allocate((capacity + 2) * sizeof(rtld::DtvEntry)));
    if (!fresh) return nullptr;
    // libc's malloc does not zero: the new slots must not hold stale to_free pointers (libc
    // frees every dtv[i].to_free when it reuses the stack).
    rtld::mem_zero(fresh, (capacity + 2) * sizeof(rtld::DtvEntry));
    rtld::mem_copy(fresh, dtv - 1, (dtv[-1].counter + 2) * sizeof(rtld::DtvEntry));
    fresh[0].counter = capacity;
    if (dtv - 1 != at<rg_::dl_initial_dtv, rtld::DtvEntry*>(rg()) - 1) release(dtv - 1);
    dtv = fresh + 1;
  }
  init_thread_tls(tcb);  // glibc 2.36 copies the images whatever init_tls says
  thread_tls_reset(tcb);
  return tcb;
}

EXPORT void* _dl_allocate_tls(void* mem) {
  if (!mem) return nullptr;  // libc always passes its struct pthread
  size_t capacity = max_module_id() + kDtvSurplus;
  auto* dtv = static_cast<rtld::DtvEntry*>(allocate((capacity + 2) * sizeof(rtld::DtvEntry)));
  if (!dtv) return nullptr;
  rtld::mem_zero(dtv, (capacity + 2) * sizeof(rtld::DtvEntry));
  dtv[0].counter = capacity;
  at<pt::header_dtv, rtld::DtvEntry*>(mem) = dtv + 1;
  return _dl_allocate_tls_init(mem, true);
}

EXPORT void _dl_deallocate_tls(void* tcb, bool dealloc_tcb) {
  thread_tls_released(tcb);
  auto* dtv = at<pt::header_dtv, rtld::DtvEntry*>(tcb);
  for (size_t i = 1; i <= dtv[-1].counter; ++i) release(dtv[i].pointer.to_free);
  if (dtv != at<rg_::dl_initial_dtv, rtld::DtvEntry*>(rg())) release(dtv - 1);
  if (dealloc_tcb) release(*reinterpret_cast<void**>(static_cast<char*>(tcb) + kTcbSize));
}

EXPORT void _dl_get_tls_static_info(size_t* size, size_t* align) {
  *size = at<ro_::dl_tls_static_size, size_t>(ro());
  *align = at<ro_::dl_tls_static_align, size_t>(ro());
}

// GLRO(dl_tls_get_addr_soft): the calling thread's block of an object, never allocating.
void* ldso::glibc::tls_get_addr_soft(void* map) {
  rtld::Module* m = module_of(map);
  if (!m || !m->tls.id) return nullptr;
  auto* dtv = reinterpret_cast<rtld::DtvEntry*>(reinterpret_cast<uintptr_t*>(arch::thread_pointer())[1]);
  if (m->tls.id > dtv[-1].counter) return nullptr;
  void* p = dtv[m->tls.id].pointer.value;
  return p == kUnallocated ? nullptr : p;
}

EXPORT int __nptl_change_stack_perm(void* pd) {
  auto* base = at<pt::stackblock, char*>(pd);
  size_t size = at<pt::stackblock_size, size_t>(pd);
  size_t guard = at<pt::guardsize, size_t>(pd);
  long r = arch::syscall6(__NR_mprotect, reinterpret_cast<long>(base + guard),
                          static_cast<long>(size - guard), 7 /* PROT_READ|WRITE|EXEC */);
  return r < 0 ? static_cast<int>(-r) : 0;
}

namespace ldso::glibc {

// _dl_make_stacks_executable: once an object needs an executable stack, the main thread's
// (from the page of __libc_stack_end down: PROT_GROWSDOWN) and every stack libc has made for
// threads, in use or cached; threads created later get PROT_EXEC from dl_stack_flags.
int make_stacks_executable() {
  void* g = rg();
  uintptr_t page = reinterpret_cast<uintptr_t>(__libc_stack_end) & ~(runtime.process.page_size - 1);
  constexpr long kProt = 7 | 0x01000000;  // PROT_READ|WRITE|EXEC|PROT_GROWSDOWN
  long r = sys(__NR_mprotect, static_cast<long>(page), static_cast<long>(runtime.process.page_size), kProt);
  if (r < 0) return static_cast<int>(-r);
  at<rg_::dl_stack_flags, int>(g) |= 1;  // PF_X
  // lll_lock (GL(dl_stack_cache_lock)): 0 free, 1 taken, 2 taken with waiters.
  int* lock = &at<rg_::dl_stack_cache_lock, int>(g);
  constexpr long kFutexWaitPrivate = 128, kFutexWakePrivate = 129;
  int expected = 0;
  if (!__atomic_compare_exchange_n(lock, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    while (__atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE) != 0)
      sys(__NR_futex, reinterpret_cast<long>(lock), kFutexWaitPrivate, 2, 0);
  int err = 0;
  char* heads[] = {static_cast<char*>(address_of<rg_::dl_stack_used>(g)),
                   static_cast<char*>(address_of<rg_::dl_stack_cache>(g))};
  for (char* head : heads) {
    for (char* run = *reinterpret_cast<char**>(head); run != head && err == 0;
         run = *reinterpret_cast<char**>(run))
      err = __nptl_change_stack_perm(run - pt::list::offset);
    if (err) break;
  }
  if (__atomic_exchange_n(lock, 0, __ATOMIC_RELEASE) == 2)
    sys(__NR_futex, reinterpret_cast<long>(lock), kFutexWakePrivate, 1, 0);
  return err;
}

}  // namespace ldso::glibc

namespace ldso::glibc {

// Records (or clears) module id `id` in the slotinfo list, growing it when needed.
void set_tls_slot(size_t id, void* map, size_t generation) {
  void* g = rg();
  auto*& list = at<rg_::dl_tls_dtv_slotinfo_list, size_t*>(g);
  if (!list || id >= list[0]) {
    size_t len = id + 1 + kSlotinfoSurplus;
    auto* grown = static_cast<size_t*>(runtime.arena.allocate(16 + len * 16));
    if (!grown) return;
    if (list) rtld::mem_copy(grown + 2, list + 2, list[0] * 16);
    grown[0] = len;
    grown[1] = 0;
    list = grown;  // the old chunk stays: a concurrent reader may still look at it
  }
  auto* slots = reinterpret_cast<uintptr_t(*)[2]>(list + 2);
  slots[id][0] = generation;
  slots[id][1] = reinterpret_cast<uintptr_t>(map);
  size_t& max = at<rg_::dl_tls_max_dtv_idx, size_t>(g);
  if (map && id > max) max = id;
  at<rg_::dl_tls_generation, size_t>(g) = runtime.objects.tls.generation;
}

void init_static_tls_block(const rtld::Module& m) {
  const rtld::TlsSegment& t = m.image.tls;
  auto init_list = [&](void* head) {
    for (void** node = static_cast<void**>(static_cast<void**>(head)[0]); node != head;
         node = static_cast<void**>(node[0])) {
      char* pd = reinterpret_cast<char*>(node) - pt::list::offset;
      char* block = pd + m.tls.tp_offset;
      rtld::mem_copy(block, reinterpret_cast<const void*>(t.init_image), t.init_size);
      rtld::mem_zero(block + t.init_size, t.mem_size - t.init_size);
    }
  };
  init_list(address_of<rg_::dl_stack_user>(rg()));
  init_list(address_of<rg_::dl_stack_used>(rg()));
}

// __tls_get_addr when the DTV is out of date or the block not allocated yet: bring the DTV up
// to the current generation, then allocate the block (with libc's malloc: libc frees it).
void* tls_get_addr_slow(const rtld::TlsIndex* index) {
  void* tcb = reinterpret_cast<void*>(arch::thread_pointer());
  void* lock = address_of<rg_::dl_load_tls_lock>(rg());
  lock_with_libc(lock);
  auto*& dtv = at<pt::header_dtv, rtld::DtvEntry*>(tcb);
  size_t generation = runtime.objects.tls.generation;
  auto* list = at<rg_::dl_tls_dtv_slotinfo_list, size_t*>(rg());
  size_t max_id = at<rg_::dl_tls_max_dtv_idx, size_t>(rg());
  if (dtv[-1].counter < max_id) {
    size_t capacity = max_id + kDtvSurplus;
    auto* fresh = static_cast<rtld::DtvEntry*>(allocate((capacity + 2) * sizeof(rtld::DtvEntry)));
    rtld::mem_zero(fresh, (capacity + 2) * sizeof(rtld::DtvEntry));
    rtld::mem_copy(fresh + 1, dtv, (dtv[-1].counter + 1) * sizeof(rtld::DtvEntry));
    for (size_t i = dtv[-1].counter + 1; i <= capacity; ++i) fresh[i + 1].pointer = {kUnallocated, nullptr};
    fresh[0].counter = capacity;
    if (dtv != at<rg_::dl_initial_dtv, rtld::DtvEntry*>(rg())) release(dtv - 1);
    dtv = fresh + 1;
  }
  if (dtv[0].counter != generation && list) {
    auto* slots = reinterpret_cast<uintptr_t(*)[2]>(list + 2);
    for (size_t id = 1; id < list[0] && id <= dtv[-1].counter; ++id) {
      if (slots[id][0] <= dtv[0].counter) continue;
      release(dtv[id].pointer.to_free);  // the module behind this id changed
      dtv[id].pointer = {kUnallocated, nullptr};
      rtld::Module* m = module_of(reinterpret_cast<void*>(slots[id][1]));
      if (m && m->tls.is_static) dtv[id].pointer.value = static_cast<char*>(tcb) + m->tls.tp_offset;
    }
    dtv[0].counter = generation;
  }
  rtld::DtvEntry& e = dtv[index->module];
  if (e.pointer.value == kUnallocated || !e.pointer.value) {
    rtld::Module* m = nullptr;
    if (list && index->module < list[0])
      m = module_of(reinterpret_cast<void*>(reinterpret_cast<uintptr_t(*)[2]>(list + 2)[index->module][1]));
    if (m) {
      const rtld::TlsSegment& t = m->image.tls;
      auto* raw = static_cast<char*>(allocate(t.mem_size + t.align));
      char* block = reinterpret_cast<char*>(rtld::align_up(reinterpret_cast<uintptr_t>(raw), t.align));
      rtld::mem_copy(block, reinterpret_cast<const void*>(t.init_image), t.init_size);
      rtld::mem_zero(block + t.init_size, t.mem_size - t.init_size);
      e.pointer = {block, raw};
    }
  }
  void* result = static_cast<char*>(e.pointer.value) + index->offset;
  if (libc.mutex_unlock) libc.mutex_unlock(lock);
  return result;
}

}  // namespace ldso::glibc
