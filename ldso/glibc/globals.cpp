// The data objects glibc's libc imports from ld.so, and the process facts they hold.
#include "arch/machine.hpp"
#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "rtld/string.hpp"
#include "ldso/debug_log.hpp"
#include "state.hpp"

#define EXPORT __attribute__((visibility("default")))

extern "C" {
EXPORT alignas(64) unsigned char _rtld_global[glibc::layout::rtld_global::kSize];
EXPORT alignas(64) unsigned char _rtld_global_ro[glibc::layout::rtld_global_ro::kSize];
EXPORT void* __libc_stack_end;
EXPORT int __libc_enable_secure;
EXPORT char** _dl_argv;
EXPORT extern const unsigned int __rseq_flags;
const unsigned int __rseq_flags = 0;
EXPORT ptrdiff_t __rseq_offset;
EXPORT unsigned int __rseq_size;
EXPORT bool __nptl_initial_report_events;
}

namespace ldso::glibc {

LibcFunctions libc;

namespace {
namespace ro_ = L::rtld_global_ro;
namespace rg_ = L::rtld_global;

// glibc's PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP: __kind (offset 16 in the mutex) = 1.
void init_recursive_mutex(void* m) { *reinterpret_cast<int*>(static_cast<char*>(m) + 16) = 1; }

void init_list_head(void* list) {
  auto* l = static_cast<void**>(list);
  l[0] = l;  // next
  l[1] = l;  // prev
}

char all_dirs_sentinel;  // GLRO(dl_init_all_dirs) must be non-null and equal GL(dl_all_dirs)

}  // namespace

void init_process(Runtime& rt) {
  const Process& p = rt.process;
  __libc_stack_end = p.stack;
  __libc_enable_secure = p.secure ? 1 : 0;
  _dl_argv = p.argv;
  void* r = ro();
  at<ro_::dl_pagesize, size_t>(r) = p.page_size;
  // DL_DEBUG_LIBS | DL_DEBUG_IMPCALLS: libc reports program start-up under LD_DEBUG=libs.
  // (glibc turns DL_DEBUG_IMPCALLS on with every category that traces loading.)
  unsigned traced = debug::kLibs | debug::kReloc | debug::kFiles | debug::kSymbols | debug::kBindings |
                    debug::kVersions;
  at<ro_::dl_debug_mask, int>(r) = (debug::on(debug::kLibs) ? 1 : 0) | ((debug::mask & traced) ? 2 : 0);
  at<ro_::dl_auxv, void*>(r) = p.auxv;
  uint64_t minsig = 0, clktck = 0, fpucw = 0x37f, hwcap2 = 0, sysinfo = 0;
  for (uintptr_t* a = p.auxv; a[0] != rtld::elf::AT_NULL; a += 2) {
    switch (a[0]) {
      case rtld::elf::AT_MINSIGSTKSZ: minsig = a[1]; break;
      case rtld::elf::AT_CLKTCK: clktck = a[1]; break;
      case 38 /* AT_FPUCW */: fpucw = a[1]; break;
      case rtld::elf::AT_HWCAP2: hwcap2 = a[1]; break;
      case rtld::elf::AT_SYSINFO_EHDR: sysinfo = a[1]; break;
      default: break;
    }
  }
  at<ro_::dl_minsigstacksize, size_t>(r) = minsig;  // 0: init_cpu_features computes it
  at<ro_::dl_clktck, int>(r) = static_cast<int>(clktck);
  at<ro_::dl_fpu_control, uint16_t>(r) = static_cast<uint16_t>(fpucw);
  at<ro_::dl_hwcap2, uint64_t>(r) = hwcap2;
  at<ro_::dl_sysinfo_dso, uintptr_t>(r) = sysinfo;
  const char* platform = p.platform ? p.platform : arch::kPlatform;
  at<ro_::dl_platform, const char*>(r) = platform;
  at<ro_::dl_platformlen, size_t>(r) = rtld::str_len(platform);
  at<ro_::dl_init_all_dirs, void*>(r) = &all_dirs_sentinel;
  at<ro_::dl_inhibit_cache, int>(r) = rt.options.inhibit_cache;
  at<ro_::dl_lazy, int>(r) = 0;  // every binding is done at start-up

  void* g = rg();
  at<rg_::dl_nns, size_t>(g) = 1;
  init_recursive_mutex(address_of<rg_::dl_load_lock>(g));
  init_recursive_mutex(address_of<rg_::dl_load_write_lock>(g));
  init_recursive_mutex(address_of<rg_::dl_load_tls_lock>(g));
  init_list_head(address_of<rg_::dl_stack_used>(g));
  init_list_head(address_of<rg_::dl_stack_user>(g));
  init_list_head(address_of<rg_::dl_stack_cache>(g));
  at<rg_::dl_all_dirs, void*>(g) = &all_dirs_sentinel;
  at<rg_::dl_stack_flags, int>(g) = 7;  // PF_R|PF_W|PF_X when the executable says nothing

  init_tunables(rt);
  init_cpu_features(rt);
}

}  // namespace ldso::glibc
