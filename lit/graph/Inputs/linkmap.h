/* linkmap.h - for programs: print the link-map chain (load order) that the
 * dynamic linker publishes through the executable's DT_DEBUG entry. The first
 * entry (the executable) prints as <main>, the dynamic linker as <ld.so>,
 * libraries by the last component of their path. */
#ifndef GRAPH_LINKMAP_H
#define GRAPH_LINKMAP_H
#include "nolibc.h"

struct gl_link_map {
  unsigned long l_addr;
  const char* l_name;
  void* l_ld;
  struct gl_link_map *l_next, *l_prev;
};
struct gl_r_debug {
  int r_version;
  struct gl_link_map* r_map;
};
struct gl_dyn {
  long d_tag;
  unsigned long d_val;
};
extern const struct gl_dyn _DYNAMIC[] __attribute__((visibility("hidden")));

static inline const char* gl_basename(const char* p) {
  const char* b = p;
  for (; *p; ++p)
    if (*p == '/') b = p + 1;
  return b;
}

static inline void print_link_map(void) {
  const struct gl_r_debug* r = 0;
  for (const struct gl_dyn* d = _DYNAMIC; d->d_tag != 0; ++d)
    if (d->d_tag == 21 /* DT_DEBUG */) r = (const struct gl_r_debug*)d->d_val;
  if (!r) {
    nl_puts("no r_debug\n");
    return;
  }
  nl_puts("link map:");
  for (const struct gl_link_map* l = r->r_map; l; l = l->l_next) {
    const char* b = gl_basename(l->l_name);
    if (nl_streq(b, "linux-vdso.so.1")) continue; /* glibc lists the vDSO; not our concern here */
    nl_puts(" ");
    if (l == r->r_map) nl_puts("<main>");
    else if (nl_streq(b, "ld.so") || nl_streq(b, "ld-linux-x86-64.so.2")) nl_puts("<ld.so>");
    else nl_puts(b);
  }
  nl_puts("\n");
}
#endif
