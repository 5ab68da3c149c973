// fork in a threaded program: the child (one thread, a copy of the parent's TLS and malloc
// state) prints, allocates, starts a thread of its own and exits; the parent waits for it.
// Also sched_getcpu in every thread.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static __thread int tls_value = 5;
static pthread_barrier_t ready;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;

static void* spinner(void* arg) {
  tls_value = (int)(long)arg;
  pthread_barrier_wait(&ready);
  while (!stop) {
    pthread_mutex_lock(&lock);  // held and released around fork()
    void* p = malloc(64);
    free(p);
    pthread_mutex_unlock(&lock);
  }
  return sched_getcpu() >= 0 ? NULL : (void*)1;
}

static void* child_thread(void* arg) {
  (void)arg;
  tls_value = 77;
  return sched_getcpu() >= 0 ? strdup("child thread ok") : NULL;
}

int main(void) {
  enum { N = 4 };
  pthread_t t[N];
  pthread_barrier_init(&ready, NULL, N + 1);
  for (long i = 0; i < N; ++i) pthread_create(&t[i], NULL, spinner, (void*)(i + 100));
  pthread_barrier_wait(&ready);
  tls_value = 6;
  printf("parent before fork: tls %d cpu ok %d\n", tls_value, sched_getcpu() >= 0);
  fflush(stdout);
  for (int round = 0; round < 3; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      // Only this thread exists here; its TLS is a copy of the forking thread's.
      char* buf = malloc(1000);
      snprintf(buf, 1000, "child %d: tls %d", round, tls_value);
      pthread_t ct;
      void* result = NULL;
      if (pthread_create(&ct, NULL, child_thread, NULL) != 0 || pthread_join(ct, &result) != 0)
        return 3;
      printf("%s, %s, main tls still %d\n", buf, result ? (char*)result : "child thread failed",
             tls_value);
      fflush(stdout);
      _exit(10 + round);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return 2;
    printf("parent: child %d exited %d\n", round, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    fflush(stdout);
  }
  stop = 1;
  int bad = 0;
  for (int i = 0; i < N; ++i) {
    void* r;
    pthread_join(t[i], &r);
    bad += r != NULL;
  }
  printf("parent after: tls %d, threads with bad sched_getcpu %d\n", tls_value, bad);
  // system() and popen() fork and exec /bin/sh (started by the kernel with glibc's ld.so).
  FILE* f = popen("echo popen works", "r");
  char line[64] = "";
  if (!f || !fgets(line, sizeof line, f)) return 4;
  printf("%s", line);
  printf("pclose %d\n", pclose(f));
  fflush(stdout);
  return system("exit 3") == 3 << 8 ? 0 : 5;
}
