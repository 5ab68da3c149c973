// Start-up and shut-down order: C++ static objects (namespace scope and function-local) in
// the executable, a linked library and a dlopened library; __attribute__((constructor)) and
// ((destructor)); atexit and at_quick_exit handlers; .init_array/.fini_array; exit from main
// or exit() (argv[1]: "return", "exit", "quick_exit", "_exit").
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

void lib_use();

namespace {
struct Noisy {
  const char* name;
  explicit Noisy(const char* n) : name(n) { std::printf("construct %s\n", name); }
  ~Noisy() { std::printf("destroy %s\n", name); }
};
Noisy exe_static("exe static 1");
Noisy exe_static2("exe static 2");
}  // namespace

static void exe_atexit1() { std::printf("exe atexit 1\n"); }
static void exe_atexit2() { std::printf("exe atexit 2 (registered last, runs first)\n"); }
static void exe_quick() {
  std::printf("exe at_quick_exit\n");
  std::fflush(stdout);  // quick_exit does not flush stdio
}

__attribute__((constructor(200))) static void exe_ctor_early() { std::printf("exe constructor 200\n"); }
__attribute__((constructor)) static void exe_ctor() { std::printf("exe constructor\n"); }
__attribute__((destructor)) static void exe_dtor() { std::printf("exe destructor\n"); }
static void init_array_fn(int argc, char**, char**) { std::printf("exe init_array, argc %d\n", argc); }
__attribute__((section(".init_array"), used)) static void (*init_entry)(int, char**, char**) = init_array_fn;
static void fini_array_fn() { std::printf("exe fini_array\n"); }
__attribute__((section(".fini_array"), used)) static void (*fini_entry)() = fini_array_fn;

int main(int argc, char** argv) {
  std::printf("main\n");
  std::atexit(exe_atexit1);
  lib_use();
  static Noisy local("exe function-local static");
  void* h = dlopen(argv[2], RTLD_NOW);
  if (!h) {
    std::printf("dlopen: %s\n", dlerror());
    return 1;
  }
  reinterpret_cast<void (*)()>(dlsym(h, "_Z7lib_usev"))();
  std::atexit(exe_atexit2);
  at_quick_exit(exe_quick);
  const char* how = argc > 1 ? argv[1] : "return";
  std::printf("leaving main by %s\n", how);
  if (!std::strcmp(how, "exit")) std::exit(3);
  if (!std::strcmp(how, "quick_exit")) {
    std::fflush(stdout);
    std::quick_exit(4);
  }
  if (!std::strcmp(how, "_exit")) {
    std::fflush(stdout);
    _exit(5);
  }
  return 2;
}
