/* A PIE whose text holds a relocated word (a text relocation, packed in RELR) and that calls
   through an IFUNC. */
#include <stdint.h>
#include <stdio.h>

static const uintptr_t self __attribute__((section(".text"))) = (uintptr_t)&self;

static uintptr_t read_self(void) { return self; }

static void* resolve_read(void) { return (void*)read_self; }
uintptr_t read_via_ifunc(void) __attribute__((ifunc("resolve_read")));

int main(void) {
  printf("text word relocated: %s\n", read_via_ifunc() == (uintptr_t)&self ? "yes" : "no");
  return 0;
}
