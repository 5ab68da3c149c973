/* Page 0 stays unmapped under the dynamic linker: reading it faults (ld.so once mapped
   /etc/ld.so.cache there when run as root). */
#include <stdio.h>
#include <sys/mman.h>

int main(void) {
  /* mincore fails with ENOMEM for an unmapped page. */
  unsigned char v;
  printf("page 0 mapped: %s\n", mincore((void*)0, 4096, &v) == 0 ? "yes" : "no");
  fflush(stdout);
  return *(volatile int*)0;
}
