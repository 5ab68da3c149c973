// __thread and thread_local variables in the executable and a shared library: initial
// values in every thread, independence between threads, dynamic initialisers and
// destructors of thread_local objects, with many threads.
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tls.h"

__thread int exe_int = 42;
__thread char exe_buf[32] = "exe initial";
__thread double exe_zero;  // .tbss
static std::atomic<int> exe_destroyed{0};
struct ExeObj {
  std::string name;
  ExeObj() : name("exe-obj") {}
  ~ExeObj() { exe_destroyed.fetch_add(1); }
};
thread_local ExeObj exe_obj;

constexpr int kThreads = 64;
static pthread_barrier_t barrier;
static std::atomic<int> bad{0};
static int* lib_addresses[kThreads];

static void check(bool ok, int id, const char* what) {
  if (!ok) {
    bad.fetch_add(1);
    std::printf("thread %d: %s wrong\n", id, what);
  }
}

static void* worker(void* arg) {
  int id = static_cast<int>(reinterpret_cast<long>(arg));
  // Initial values.
  check(exe_int == 42, id, "exe_int initial");
  check(std::strcmp(exe_buf, "exe initial") == 0, id, "exe_buf initial");
  check(exe_zero == 0.0, id, "exe_zero initial");
  check(exe_obj.name == "exe-obj", id, "exe_obj initial");
  lib_tls_report r = lib_tls_get();
  check(r.int_value == 7, id, "lib_int initial");
  check(r.array_sum == 136, id, "lib_array initial");
  check(r.text == "lib-text", id, "lib_text initial");
  check(r.counter == 100, id, "lib_counter initial");
  // Per-thread values, set while every other thread sets its own.
  exe_int = id;
  std::snprintf(exe_buf, sizeof exe_buf, "thread %d", id);
  exe_zero = id * 0.5;
  exe_obj.name = "obj-" + std::to_string(id);
  lib_tls_set(id);
  lib_addresses[id] = lib_tls_address();
  pthread_barrier_wait(&barrier);
  char want[32];
  std::snprintf(want, sizeof want, "thread %d", id);
  check(exe_int == id, id, "exe_int own");
  check(std::strcmp(exe_buf, want) == 0, id, "exe_buf own");
  check(exe_zero == id * 0.5, id, "exe_zero own");
  check(exe_obj.name == "obj-" + std::to_string(id), id, "exe_obj own");
  r = lib_tls_get();
  long sum = 0;
  for (int i = 0; i < 16; ++i) sum += id * 16 + i;
  check(r.int_value == id, id, "lib_int own");
  check(r.array_sum == sum, id, "lib_array own");
  check(r.text == "lib-thread-" + std::to_string(id), id, "lib_text own");
  check(r.counter == id * 3, id, "lib_counter own");
  check(reinterpret_cast<long>(&exe_int) % alignof(int) == 0, id, "exe_int alignment");
  return nullptr;
}

int main() {
  std::printf("main: exe_int=%d exe_buf=%s lib_int=%d lib_text=%s\n", exe_int, exe_buf,
              lib_tls_get().int_value, lib_tls_get().text.c_str());
  pthread_barrier_init(&barrier, nullptr, kThreads);
  std::vector<pthread_t> threads(kThreads);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kThreads; ++i)
      pthread_create(&threads[i], nullptr, worker, reinterpret_cast<void*>(long{i}));
    for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], nullptr);
  }
  std::set<int*> distinct(lib_addresses, lib_addresses + kThreads);
  std::printf("distinct lib_int addresses in the last round: %zu\n", distinct.size());
  // std::thread too, and the main thread's values are untouched.
  std::thread t([] { lib_tls_set(5000); exe_int = 5000; });
  t.join();
  std::printf("main after threads: exe_int=%d exe_buf=%s lib_int=%d lib_counter=%d\n", exe_int,
              exe_buf, lib_tls_get().int_value, lib_tls_get().counter);
  std::printf("errors: %d\n", bad.load());
  std::printf("thread_local destructors run: exe %d lib %d\n", exe_destroyed.load(),
              lib_tls_destroyed());
  return bad.load() != 0;
}
