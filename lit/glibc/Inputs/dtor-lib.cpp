// The library's part of the destructor-order test.
#include <cstdio>
#include <cstdlib>

namespace {
struct Noisy {
  const char* name;
  explicit Noisy(const char* n) : name(n) { std::printf("construct %s\n", name); }
  ~Noisy() { std::printf("destroy %s\n", name); }
};
Noisy lib_static("lib static");
}  // namespace

static void lib_atexit() { std::printf("lib atexit handler\n"); }

__attribute__((constructor)) static void lib_ctor() {
  std::printf("lib constructor\n");
  std::atexit(lib_atexit);
}
__attribute__((destructor)) static void lib_dtor() { std::printf("lib destructor\n"); }

void lib_use() {
  static Noisy lib_local("lib function-local static");
  std::printf("lib_use\n");
}
