// Executable stacks: the permissions of the main thread's stack (the page of
// __libc_stack_end), of a running thread's and of a new thread's stack, at start-up and after
// dlopen of argv[1] (a library with PT_GNU_STACK RWE, or none at all, asks for an executable
// stack: glibc then makes every stack executable).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern void* __libc_stack_end;
static pthread_barrier_t step;
static void* running_stack;

static const char* perms(void* p) {
  static char perm[8];
  strcpy(perm, "?");
  FILE* f = fopen("/proc/self/maps", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    uintptr_t lo, hi;
    char buf[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, buf) == 3 && (uintptr_t)p >= lo && (uintptr_t)p < hi)
      strcpy(perm, buf);
  }
  if (f) fclose(f);
  return perm;
}

static void* fresh(void* arg) {
  int x;
  printf("  new thread's stack: %s\n", perms(&x));
  return arg;
}

static void* long_running(void* arg) {
  int x;
  running_stack = &x;
  pthread_barrier_wait(&step);  // started
  pthread_barrier_wait(&step);  // main is done
  return arg;
}

static void report(const char* when) {
  printf("%s\n  main stack: %s\n", when, perms(__libc_stack_end));
  printf("  running thread's stack: %s\n", perms(running_stack));
  pthread_t t;
  pthread_create(&t, NULL, fresh, NULL);
  pthread_join(t, NULL);
}

int main(int argc, char** argv) {
  pthread_barrier_init(&step, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, long_running, NULL);
  pthread_barrier_wait(&step);
  report("start");
  for (int i = 1; i < argc; ++i) {
    void* h = dlopen(argv[i], RTLD_NOW);
    printf("dlopen %s: %s\n", strrchr(argv[i], '/') + 1, h ? "ok" : dlerror());
    report("after dlopen");
  }
  pthread_barrier_wait(&step);
  pthread_join(t, NULL);
  return 0;
}
