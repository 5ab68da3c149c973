/* dlt.h - helpers for the lit/dlfcn test programs (ordinary glibc programs). */
#ifndef DLT_H
#define DLT_H
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last path component: output must not depend on the build directory. */
static inline const char* dlt_base(const char* p) {
  const char* s;
  if (!p) return "(null)";
  s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* dlerror(), or "(null)"; with the build directory (DLT_DIR, if set) cut out. */
static inline const char* dlt_error(void) {
  static char buf[1024];
  const char* e = dlerror();
  const char* dir = getenv("DLT_DIR");
  char* at;
  if (!e) return "(null)";
  snprintf(buf, sizeof buf, "%s", e);
  while (dir && *dir && (at = strstr(buf, dir)) != NULL) {
    size_t n = strlen(dir);
    memmove(at + 1, at + n, strlen(at + n) + 1);
    at[0] = '$';
  }
  return buf;
}

/* dlopen that reports failure and exits. */
static inline void* dlt_open(const char* name, int mode) {
  void* h = dlopen(name, mode);
  if (!h) {
    printf("dlopen %s failed: %s\n", dlt_base(name), dlt_error());
    exit(1);
  }
  return h;
}

static inline void* dlt_sym(void* h, const char* name) {
  void* p = dlsym(h, name);
  if (!p) {
    printf("dlsym %s failed: %s\n", name, dlt_error());
    exit(1);
  }
  return p;
}

/* Whether an object of that name is loaded (RTLD_NOLOAD; the handle is released). */
static inline int dlt_loaded(const char* name) {
  void* h = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
  if (h) dlclose(h);
  return h != NULL;
}
#endif
