// Which implementation libc's IFUNC resolvers picked: each function's run-time address, as
// dlsym and as the executable's own reference see it, named by dladdr and given as an offset
// into libc.so.6 (a stable name for the variant even where dladdr finds no symbol).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static void show(const char* name, void* exe_ref) {
  void* p = dlsym(RTLD_DEFAULT, name);
  Dl_info info;
  if (!p || !dladdr(p, &info)) {
    printf("%-10s unresolved\n", name);
    return;
  }
  const char* base = strrchr(info.dli_fname, '/');
  printf("%-10s %s+%#lx sym %s%s\n", name, base ? base + 1 : info.dli_fname,
         (unsigned long)((uintptr_t)p - (uintptr_t)info.dli_fbase),
         info.dli_sname ? info.dli_sname : "(none)",
         exe_ref == NULL ? "" : exe_ref == p ? " (= exe's reference)" : " (exe's reference DIFFERS)");
}

int main(void) {
  show("memcpy", (void*)memcpy);
  show("memmove", (void*)memmove);
  show("memset", (void*)memset);
  show("memcmp", (void*)memcmp);
  show("memchr", (void*)memchr);
  show("strlen", (void*)strlen);
  show("strnlen", NULL);
  show("strcmp", (void*)strcmp);
  show("strncmp", NULL);
  show("strchr", (void*)strchr);
  show("strrchr", NULL);
  show("strcpy", (void*)strcpy);
  show("stpcpy", NULL);
  show("strcat", NULL);
  show("strstr", NULL);
  show("strcasecmp", NULL);
  show("strspn", NULL);
  show("rawmemchr", NULL);
  show("wcslen", (void*)wcslen);
  show("wmemset", NULL);
  show("wcscmp", NULL);
  show("__memcpy_chk", NULL);
  return 0;
}
