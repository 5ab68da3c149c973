// C hello world: arguments, environment, stdio to stdout and stderr, exit status.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("hello, world\n");
  for (int i = 1; i < argc; ++i) printf("arg %d: [%s]\n", i, argv[i]);
  const char* v = getenv("GLIBC_TEST_VAR");
  printf("GLIBC_TEST_VAR=%s\n", v ? v : "(unset)");
  fprintf(stderr, "to stderr\n");
  return argc > 1 ? atoi(argv[1]) : 0;
}
