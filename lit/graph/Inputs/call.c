/* call.c - a program that calls FN (default: who) from a library. */
#include "nolibc.h"
#ifndef FN
#define FN who
#endif
void FN(void);
int cmain(long argc, char** argv, char** envp, unsigned long* auxv) {
  FN();
  return 0;
}
