// Which directory $PLATFORM in the executable's RUNPATH expanded to (glibc: the kernel's
// AT_PLATFORM, or on Intel the microarchitecture name its CPU-feature code chose, "haswell"
// or "xeon_phi").
#include <stdio.h>

const char* platform_dir(void);

int main(void) {
  printf("library from %s\n", platform_dir());
  return 0;
}
