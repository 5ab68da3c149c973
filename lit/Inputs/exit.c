/* Prints a line, then exits with the status given as its only argument. */
#include "nolibc.h"

int cmain(long argc, char** argv, char** envp, unsigned long* auxv) {
  (void)envp;
  (void)auxv;
  if (argc != 2 || nl_atol(argv[1]) < 0) {
    nl_eputs("usage: exit STATUS\n");
    return 2;
  }
  nl_puts("exiting with ");
  nl_puts(argv[1]);
  nl_puts("\n");
  return (int)nl_atol(argv[1]);
}
