/* Calls the termination function that the dynamic linker passed in %rdx at
 * entry (as libc's start-up code registers it with atexit), then exits 3. */
#define NL_CALL_FINI 1
#include "nolibc.h"

int cmain(long argc, char** argv, char** envp, unsigned long* auxv) {
  (void)argc;
  (void)argv;
  (void)envp;
  (void)auxv;
  nl_puts(nl_entry_fini ? "fini: non-null\n" : "fini: null\n");
  return 3;
}
