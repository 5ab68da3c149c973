/* A libc-free hello world: prints a greeting and its arguments. */
#include "nolibc.h"

int cmain(long argc, char** argv, char** envp, unsigned long* auxv) {
  (void)envp;
  (void)auxv;
  nl_puts("hello, world\n");
  for (long i = 1; i < argc; ++i) {
    nl_puts("arg: ");
    nl_puts(argv[i]);
    nl_puts("\n");
  }
  return 0;
}
