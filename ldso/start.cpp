// The first C++ code to run: ld.so relocates itself (RELA RELATIVE and RELR only) before it
// touches any global or calls through its GOT, then hands over to the interpreter proper.
#include <cstdint>

#include "arch/machine.hpp"
#include "rtld/elf.hpp"
#include "rtld/relocate.hpp"

extern "C" {
extern const rtld::elf::Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern rtld::elf::Dyn _DYNAMIC[] __attribute__((visibility("hidden")));
}

#include "startup.hpp"

extern "C" __attribute__((used)) ldso::EntryPoint ldso_start(uintptr_t* stack) {
  using namespace rtld::elf;
  const uintptr_t base = reinterpret_cast<uintptr_t>(&__ehdr_start);
  const Rela* rela = nullptr;
  const Relr* relr = nullptr;
  size_t rela_size = 0, relr_size = 0;
  // Its page (RELRO, writable until ld.so protects it) is relocated next: written first, it
  // faults once, not twice.
  arch::touch_for_write(_DYNAMIC);
  const Dyn* d = _DYNAMIC;  // (not empty: the loop is tested at its foot)
  do {
    if (d->d_tag == DT_RELA) rela = reinterpret_cast<const Rela*>(base + d->d_val);
    else if (d->d_tag == DT_RELASZ) rela_size = d->d_val;
    else if (d->d_tag == DT_RELR) relr = reinterpret_cast<const Relr*>(base + d->d_val);
    else if (d->d_tag == DT_RELRSZ) relr_size = d->d_val;
  } while ((++d)->d_tag != DT_NULL);
  rtld::relocate_relative(base, rela, rela_size / sizeof(Rela), arch::kRelativeType, relr,
                          relr_size / sizeof(Relr));
  // Nothing above may be moved below this point, nor the other way round.
  __asm__ volatile("" ::: "memory");
  return ldso::start_program(stack);
}
