// GOT slot inspection for lazy-binding tests: walks the calling object's own _DYNAMIC for
// DT_JMPREL/DT_PLTRELSZ/DT_SYMTAB/DT_STRTAB and reads the slots of its R_X86_64_JUMP_SLOT
// relocations. Everything here is static and makes no call through the PLT, so a snapshot
// taken first thing in main (or in a library's first function) sees the slots as the dynamic
// linker left them. A slot is "unbound" while it points into the object itself (at its PLT
// stub), "bound" when it holds the target dlsym reports.
// (_DYNAMIC itself is declared by <link.h>.)
#pragma once
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));
extern char _end[] __attribute__((visibility("hidden")));

struct slots {
  const ElfW(Rela)* rela;
  size_t count;
  const ElfW(Sym)* symtab;
  const char* strtab;
  uintptr_t base, end;
  size_t jump_slots, unbound_at_snapshot;
};

// glibc rewrites the d_ptr entries of a writable _DYNAMIC to run-time addresses (our ld.so,
// so far, leaves them as link-time offsets); accept both.
static inline uintptr_t slots_addr(uintptr_t v, uintptr_t base) { return v < base ? v + base : v; }

static inline int slots_streq(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

static inline void slots_init(struct slots* s) {
  uintptr_t base = (uintptr_t)&__ehdr_start;
  s->base = base;
  s->end = (uintptr_t)_end;
  s->rela = 0, s->count = 0, s->symtab = 0, s->strtab = 0;
  for (const ElfW(Dyn)* d = _DYNAMIC; d->d_tag != DT_NULL; ++d) {
    if (d->d_tag == DT_JMPREL) s->rela = (const ElfW(Rela)*)slots_addr(d->d_un.d_ptr, base);
    else if (d->d_tag == DT_PLTRELSZ) s->count = d->d_un.d_val / sizeof(ElfW(Rela));
    else if (d->d_tag == DT_SYMTAB) s->symtab = (const ElfW(Sym)*)slots_addr(d->d_un.d_ptr, base);
    else if (d->d_tag == DT_STRTAB) s->strtab = (const char*)slots_addr(d->d_un.d_ptr, base);
  }
  s->jump_slots = 0, s->unbound_at_snapshot = 0;
  for (size_t i = 0; i < s->count; ++i) {
    if (ELF64_R_TYPE(s->rela[i].r_info) != R_X86_64_JUMP_SLOT) continue;
    uintptr_t v = *(volatile uintptr_t*)(base + s->rela[i].r_offset);
    ++s->jump_slots;
    if (v >= s->base && v < s->end) ++s->unbound_at_snapshot;
  }
}

// The GOT slot of NAME's JUMP_SLOT relocation, or null.
static inline volatile uintptr_t* slots_find(const struct slots* s, const char* name) {
  for (size_t i = 0; i < s->count; ++i) {
    if (ELF64_R_TYPE(s->rela[i].r_info) != R_X86_64_JUMP_SLOT) continue;
    const ElfW(Sym)* sym = &s->symtab[ELF64_R_SYM(s->rela[i].r_info)];
    if (slots_streq(s->strtab + sym->st_name, name))
      return (volatile uintptr_t*)(s->base + s->rela[i].r_offset);
  }
  return 0;
}

// "unbound", "bound" (== target), "other" or "no slot".
static inline const char* slots_state(const struct slots* s, const char* name, const void* target) {
  volatile uintptr_t* p = slots_find(s, name);
  if (!p) return "no slot";
  uintptr_t v = *p;
  if (v >= s->base && v < s->end) return "unbound";
  return v == (uintptr_t)target ? "bound" : "other";
}

// "all unbound", "all bound", or "K of N unbound" for the snapshot slots_init took.
static inline const char* slots_summary(const struct slots* s, char* buf, size_t size) {
  if (s->jump_slots == 0) return "none";
  if (s->unbound_at_snapshot == s->jump_slots) return "all unbound";
  if (s->unbound_at_snapshot == 0) return "all bound";
  // Formatting without libc: "K of N unbound".
  char tmp[64];
  size_t n = 0;
  size_t vals[2] = {s->unbound_at_snapshot, s->jump_slots};
  const char* seps[2] = {" of ", " unbound"};
  for (int k = 0; k < 2; ++k) {
    char digits[24];
    int nd = 0;
    size_t v = vals[k];
    do digits[nd++] = (char)('0' + v % 10), v /= 10; while (v);
    while (nd) tmp[n++] = digits[--nd];
    for (const char* p = seps[k]; *p; ++p) tmp[n++] = *p;
  }
  size_t i = 0;
  for (; i < n && i + 1 < size; ++i) buf[i] = tmp[i];
  buf[i] = 0;
  return buf;
}
