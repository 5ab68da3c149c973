// dl_iterate_phdr: the objects in load order (basenames; ld.so itself, whose name is its path,
// is shown as <ld.so>), with their segment counts, TLS modules and the load/unload counters;
// then dladdr on functions of libc, of the executable, of a library and of ld.so.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int phdr_lib_value(void);
static uintptr_t ldso_addr;
static void* ldso_base;

static int contains(struct dl_phdr_info* info, uintptr_t addr) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && addr >= info->dlpi_addr + ph->p_vaddr &&
        addr < info->dlpi_addr + ph->p_vaddr + ph->p_memsz)
      return 1;
  }
  return 0;
}

static const char* base(const char* path) {
  const char* s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int callback(struct dl_phdr_info* info, size_t size, void* data) {
  int* index = data;
  int loads = 0, tls = 0, dynamic = 0, relro = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    loads += info->dlpi_phdr[i].p_type == PT_LOAD;
    tls |= info->dlpi_phdr[i].p_type == PT_TLS;
    dynamic |= info->dlpi_phdr[i].p_type == PT_DYNAMIC;
    relro |= info->dlpi_phdr[i].p_type == PT_GNU_RELRO;
  }
  const char* name = contains(info, ldso_addr) ? "<ld.so>"
                     : info->dlpi_name[0] == 0 ? "<empty>"
                                              : base(info->dlpi_name);
  // How many segments the dynamic linker itself has is its own affair (not compared).
  char count[16];
  snprintf(count, sizeof count, "%d", loads);
  printf("%d: %s loads=%s dynamic=%d relro=%d tls=%d tls_modid=%zu size_ok=%d\n", (*index)++,
         name, contains(info, ldso_addr) ? (loads > 0 ? "N" : "0") : count, dynamic, relro, tls,
         info->dlpi_tls_modid, size >= sizeof(struct dl_phdr_info));
  return 0;
}

static void where(const char* what, void* addr) {
  Dl_info info;
  if (!dladdr(addr, &info)) {
    printf("dladdr(%s): not found\n", what);
    return;
  }
  const char* file = info.dli_fbase == ldso_base ? "<ld.so>" : base(info.dli_fname);
  printf("dladdr(%s): file %s sym %s exact %d\n", what, file,
         info.dli_sname ? info.dli_sname : "(none)", info.dli_saddr == addr);
}

int main(int argc, char** argv) {
  ldso_addr = (uintptr_t)dlsym(RTLD_DEFAULT, "_r_debug");
  if (!ldso_addr) {
    printf("no _r_debug\n");
    return 1;
  }
  Dl_info self;
  if (!dladdr((void*)ldso_addr, &self)) return 1;
  ldso_base = self.dli_fbase;
  int index = 0;
  printf("lib says %d\n", phdr_lib_value());
  dl_iterate_phdr(callback, &index);
  index = 0;
  void* h = dlopen(argv[1], RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  printf("after dlopen:\n");
  dl_iterate_phdr(callback, &index);
  where("printf", (void*)printf);
  where("malloc", (void*)malloc);
  where("dl_iterate_phdr", (void*)dl_iterate_phdr);
  where("phdr_lib_value", (void*)phdr_lib_value);
  where("main", (void*)main);
  where("dlopened", dlsym(h, "phdr_lib_value"));
  where("_r_debug", (void*)ldso_addr);
  where("__tls_get_addr", dlsym(RTLD_DEFAULT, "__tls_get_addr"));
  dlclose(h);
  index = 0;
  printf("after dlclose:\n");
  dl_iterate_phdr(callback, &index);
  return 0;
}
