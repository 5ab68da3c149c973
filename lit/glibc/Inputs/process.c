// Per-process and main-thread state that ld.so sets up for libc: rseq registration
// (__rseq_size/__rseq_offset and the kernel's cpu_id in it), the main thread's robust mutex
// list (a robust mutex held when the main thread exits is recovered with EOWNERDEAD),
// pthread_getattr_np of the main thread (stack from __libc_stack_end), the default thread
// stack size, the stack guard, __libc_single_threaded, program_invocation_name, errno and
// TLS in the main thread, malloc tunables seen through mallopt-visible behaviour.
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/single_threaded.h>
#include <unistd.h>

static pthread_mutex_t* robust;

static void* waiter(void* arg) {
  (void)arg;
  // Wait until the main thread has exited while holding the mutex.
  int r = pthread_mutex_lock(robust);
  printf("lock after the main thread died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
  if (r == EOWNERDEAD) pthread_mutex_consistent(robust);
  pthread_mutex_unlock(robust);
  fflush(stdout);
  exit(0);
}

int main(int argc, char** argv) {
  (void)argc;
  printf("program_invocation_short_name %s argv0 ok %d\n", program_invocation_short_name,
         strcmp(program_invocation_name, argv[0]) == 0);
  printf("single threaded %d\n", __libc_single_threaded);

  // rseq: registered by ld.so for the main thread unless glibc.pthread.rseq=0.
  printf("__rseq_size %u __rseq_flags %u offset %s\n", __rseq_size, __rseq_flags,
         __rseq_offset != 0 ? "nonzero" : "zero");
  if (__rseq_size) {
    struct rseq* rs = (struct rseq*)((char*)__builtin_thread_pointer() + __rseq_offset);
    int cpu = sched_getcpu();
    printf("rseq cpu_id matches sched_getcpu %d\n", (int)rs->cpu_id == cpu || (int)rs->cpu_id == sched_getcpu());
  }

  // The main thread's stack as libc sees it.
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 1;
  void* stack_addr;
  size_t stack_size, guard;
  pthread_attr_getstack(&attr, &stack_addr, &stack_size);
  int local;
  printf("main stack contains a local %d\n",
         (char*)&local >= (char*)stack_addr && (char*)&local < (char*)stack_addr + stack_size);
  struct rlimit rl;
  getrlimit(RLIMIT_STACK, &rl);
  printf("main stack size within rlimit %d\n", rl.rlim_cur == RLIM_INFINITY || stack_size <= rl.rlim_cur);
  pthread_attr_destroy(&attr);
  pthread_getattr_default_np(&attr);
  pthread_attr_getstacksize(&attr, &stack_size);
  pthread_attr_getguardsize(&attr, &guard);
  printf("default thread stack %zu guard %zu\n", stack_size, guard);
  pthread_attr_destroy(&attr);

  // malloc: GLIBC_TUNABLES-driven behaviour (the mmap threshold) through mallinfo2.
  void* volatile big = malloc(200000);  // volatile: the compiler may not drop the pair
  void* volatile small = malloc(100);
  free(small);
  struct mallinfo2 mi = mallinfo2();
  printf("malloc: big mmapped %d\n", mi.hblks > 0);
  free(big);

  // A robust mutex held by the main thread when it exits (pthread_exit): the kernel walks the
  // robust list ld.so registered for it, and the waiting thread gets EOWNERDEAD.
  robust = mmap(NULL, sizeof *robust, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(robust, &ma);
  pthread_mutex_lock(robust);
  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  printf("single threaded after pthread_create %d\n", __libc_single_threaded);
  fflush(stdout);
  pthread_exit(NULL);
}
