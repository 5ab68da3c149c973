// The initial thread: its thread control block, DTV and static TLS blocks, and
// __tls_get_addr.
#include "arch/machine.hpp"
#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "rtld/tls.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {
namespace {

// Room for glibc's struct pthread, which starts with the TCB header (tcbhead_t) that the
// x86_64 ABI fixes: self pointer at 0, DTV at 8, stack guard at 0x28, pointer guard at 0x30.
constexpr size_t kTcbSize = 2368;
constexpr size_t kDtvSlot = 1, kSelfSlot = 2, kStackGuardSlot = 5, kPointerGuardSlot = 6;

rtld::DtvEntry* initial_dtv = nullptr;
size_t initial_dtv_length = 0;

}  // namespace

void setup_initial_thread(rtld::Diagnostics& diag) {
  Runtime& rt = runtime;
  const rtld::StaticTls& tls = rt.objects.tls;
  size_t align = tls.align < 64 ? 64 : tls.align;
  size_t below = rtld::align_up(tls.size, align);
  size_t total = rtld::align_up(below + align + kTcbSize, rt.process.page_size);
  intptr_t area = rtld::platform::map_zero(0, total, rtld::platform::kRead | rtld::platform::kWrite);
  size_t modules = tls.next_id - 1;
  size_t dtv_length = modules + 14;  // spare slots for objects opened later
  auto* dtv_raw = rt.arena.make<rtld::DtvEntry>(dtv_length + 2);
  if (rtld::platform::is_error(area) || !dtv_raw) {
    diag.fail("", "cannot allocate TLS data structures for initial thread");
    fatal(diag);
  }
  uintptr_t tp = rtld::align_up(static_cast<uintptr_t>(area) + below, align);
  dtv_raw[0].counter = dtv_length;
  rtld::DtvEntry* dtv = dtv_raw + 1;
  dtv[0].counter = tls.generation;
  auto* tcb = reinterpret_cast<uintptr_t*>(tp);
  tcb[0] = tp;
  tcb[kDtvSlot] = reinterpret_cast<uintptr_t>(dtv);
  tcb[kSelfSlot] = tp;
  if (rt.process.at_random) {
    uintptr_t guards[2];
    rtld::mem_copy(guards, reinterpret_cast<const void*>(rt.process.at_random), sizeof guards);
    tcb[kStackGuardSlot] = guards[0] & ~uintptr_t{0xff};  // a zero low byte stops string overruns
    tcb[kPointerGuardSlot] = guards[1];
  }
  initial_dtv = dtv;
  initial_dtv_length = dtv_length;
  rt.thread_pointer = tp;
  if (!arch::set_thread_pointer(tp)) {
    diag.fail("", "cannot set up thread-local storage");
    fatal(diag);
  }
}

void fill_initial_tls() {
  rtld::init_static_tls(runtime.thread_pointer, runtime.objects.first, initial_dtv,
                        initial_dtv_length);
}

}  // namespace ldso

// The general-dynamic TLS access function. Its callers may not keep the stack aligned.
extern "C" __attribute__((visibility("default"), force_align_arg_pointer)) void* __tls_get_addr(
    rtld::TlsIndex* index) {
  auto* dtv = reinterpret_cast<rtld::DtvEntry*>(reinterpret_cast<uintptr_t*>(arch::thread_pointer())[1]);
  return static_cast<char*>(dtv[index->module].pointer.value) + index->offset;
}
