// The initial thread: its thread control block, DTV and static TLS blocks, and
// __tls_get_addr.
#include "arch/machine.hpp"
#include "glibc/glibc.hpp"
#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "rtld/tls.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {
namespace {

rtld::DtvEntry* initial_dtv = nullptr;
size_t initial_dtv_length = 0;

}  // namespace

void setup_initial_thread(rtld::Diagnostics& diag) {
  Runtime& rt = runtime;
  const rtld::StaticTls& tls = rt.objects.tls;
  // Below the thread pointer: the static blocks plus the surplus for objects opened later;
  // above it: the thread descriptor (glibc's struct pthread).
  size_t align = tls.align < glibc::kTcbAlign ? glibc::kTcbAlign : tls.align;
  size_t below = rtld::align_up(tls.size + glibc::static_tls_surplus(), align);
  size_t total = rtld::align_up(below + align + glibc::kTcbSize + sizeof(void*), rt.process.page_size);
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
  initial_dtv = dtv;
  initial_dtv_length = dtv_length;
  rt.thread_pointer = tp;
  // Where glibc keeps the start of the thread's allocation (never freed for this thread).
  *reinterpret_cast<uintptr_t*>(tp + glibc::kTcbSize) = static_cast<uintptr_t>(area);
  glibc::init_initial_thread(rt, tp, dtv);
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
  if (__builtin_expect(dtv[0].counter == ldso::runtime.objects.tls.generation &&
                           index->module <= dtv[-1].counter,
                       1)) {
    void* block = dtv[index->module].pointer.value;
    if (block != reinterpret_cast<void*>(-1) && block) return static_cast<char*>(block) + index->offset;
  }
  return ldso::glibc::tls_get_addr_slow(index);
}
