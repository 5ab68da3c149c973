// backtrace() (which dlopens libgcc_s.so.1 for the unwinder) and backtrace_symbols_fd, from
// the executable and from a shared library; and the same after a signal (through the
// kernel's signal frame and the vDSO's __restore_rt).
#define _GNU_SOURCE
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void lib_call_back(void (*fn)(void));

__attribute__((noinline)) void show_trace(void) {
  void* frames[32];
  int n = backtrace(frames, 32);
  printf("%d frames\n", n);
  fflush(stdout);
  backtrace_symbols_fd(frames, n, STDOUT_FILENO);
  char** names = backtrace_symbols(frames, n);
  printf("backtrace_symbols %s\n", names && strstr(names[0], "show_trace") ? "ok" : "wrong");
  fflush(stdout);
}

__attribute__((noinline)) void level2(void) { show_trace(); }
__attribute__((noinline)) void level1(void) { level2(); }

static void handler(int sig) {
  (void)sig;
  show_trace();
}

int main(void) {
  printf("-- from the executable\n");
  level1();
  printf("-- through the library\n");
  lib_call_back(level1);
  printf("-- in a signal handler\n");
  fflush(stdout);
  signal(SIGUSR1, handler);
  raise(SIGUSR1);
  return 0;
}
