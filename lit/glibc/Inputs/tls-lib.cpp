#include <atomic>
#include <string>

#include "tls.h"

__thread int lib_int = 7;
__thread long lib_array[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static thread_local std::string lib_text = std::string("lib-") + "text";
static std::atomic<int> destroyed{0};

struct Counter {
  int value = 100;
  Counter() {}
  ~Counter() { destroyed.fetch_add(1); }
};
static thread_local Counter lib_counter;

void lib_tls_set(int id) {
  lib_int = id;
  for (int i = 0; i < 16; ++i) lib_array[i] = id * 16 + i;
  lib_text = "lib-thread-" + std::to_string(id);
  lib_counter.value = id * 3;
}

lib_tls_report lib_tls_get() {
  long sum = 0;
  for (long v : lib_array) sum += v;
  return {lib_int, sum, lib_text, lib_counter.value};
}

int lib_tls_destroyed() { return destroyed.load(); }
int* lib_tls_address() { return &lib_int; }
