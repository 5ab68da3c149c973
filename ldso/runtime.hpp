// The interpreter's one mutable runtime object: the loaded-object set, its options, and the
// process facts read at start-up. rtld functions take the pieces they work on as arguments.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rtld/graph.hpp"
#include "rtld/ldcache.hpp"
#include "rtld/memory.hpp"
#include "rtld/search.hpp"
#include "libdl/loader.hpp"

namespace ldso {

struct Process {  // what the kernel handed over
  uintptr_t* stack = nullptr;  // &argc
  int argc = 0;
  char** argv = nullptr;
  char** envp = nullptr;
  uintptr_t* auxv = nullptr;  // pairs, AT_NULL terminated
  uintptr_t at_phdr = 0, at_phnum = 0, at_entry = 0, at_base = 0, at_random = 0, at_execfn = 0;
  uintptr_t page_size = 4096;
  const char* platform = nullptr;
  bool secure = false;
};

struct Options {
  const char* library_path = nullptr;
  const char* preload = nullptr;
  bool inhibit_cache = false;
  bool bind_now = false;
  bool bind_not = false;
  bool trace = false;    // LD_TRACE_LOADED_OBJECTS (ldd): list, do not run
  bool list = false;     // --list
  bool verify = false;   // --verify
  bool list_tunables = false;  // --list-tunables
  bool warn = false;     // LD_WARN
  bool verbose = false;  // LD_VERBOSE (ldd -v)
  const char* argv0 = nullptr;          // --argv0
  const char* inhibit_rpath = nullptr;  // --inhibit-rpath
  const char* glibc_hwcaps_prepend = nullptr;  // --glibc-hwcaps-prepend
  const char* glibc_hwcaps_mask = nullptr;     // --glibc-hwcaps-mask
  const char* debug = nullptr;          // LD_DEBUG
  const char* debug_output = nullptr;   // LD_DEBUG_OUTPUT
};

struct Runtime {
  Process process;
  Options options;
  rtld::Arena arena;
  rtld::ObjectSet objects;
  rtld::SearchConfig search;
  rtld::LdCache cache;
  const char* program_name = "";  // what messages start with (argv[0] of the program)
  rtld::Module** initialized = nullptr;  // objects in the order their initialisers ran
  size_t initialized_count = 0, initialized_capacity = 0;
  uintptr_t thread_pointer = 0;
  dl::Loader loader;  // run-time loading (dlopen), set up at the end of start-up
};

// In .bss, not .data (start-up would otherwise carry 856 bytes of mostly zeros in the file):
// start_program first gives it the defaults that are not zero, set_nonzero_defaults. A member
// with another non-zero default must be set there too (unit test RuntimeDefaults compares
// with Runtime{}).
extern Runtime runtime;
inline void set_nonzero_defaults(Runtime& rt) {
  rt.process.page_size = 4096;
  rt.objects.tls.align = 16;
  rt.objects.tls.next_id = 1;
  rt.objects.tls.generation = 1;
  rt.search.use_rpath = true;
  rt.program_name = "";
  rt.loader.max_namespaces = 1;
}

// Prints "<program>: <occasion>: <object>: <message>" as glibc's ld.so does and exits 127.
[[noreturn]] void fatal(const rtld::Diagnostics& diag);
[[noreturn]] void exit_process(int status);
void print(const char* text);  // to standard error
void print_error(const char* fmt, ...);  // formatted (format.hpp), to standard error
void print_out(const char* text);  // to standard output (--help, --version, as glibc)
void print_out_format(const char* fmt, ...);  // formatted (format.hpp), to standard output

// environment.cpp: the LD_* variables (and secure-mode hygiene) into runtime.options.
void read_environment(Runtime& rt);

// trace.cpp: ldd's listing (LD_TRACE_LOADED_OBJECTS, --list) and --verify. list_objects
// prints the objects (or exits for a program without dependencies); finish_listing adds ldd
// -v's versions and exits; list_unused_and_exit is ldd -u (`used`: the objects relocating the
// program bound to).
void list_objects(Runtime& rt);
[[noreturn]] void finish_listing(Runtime& rt);
[[noreturn]] void list_objects_and_exit(Runtime& rt);
[[noreturn]] void list_unused_and_exit(Runtime& rt, const rtld::Module* const* used, size_t count);
[[noreturn]] void verify_and_exit(Runtime& rt, const char* path);

// init.cpp: initialisers of every object not yet initialised (dependencies first), and the
// finalisers of a set of objects about to be unloaded.
void run_pending_initializers(rtld::ObjectSet& set);
void run_finalizers_of(rtld::Module** list, size_t count);

// dlopen.cpp: the run-time loader's hooks, and the operations the dlfcn entry points use, in
// a namespace (runtime.loader is the base one).
void setup_run_time_loading();
rtld::Module* open_object(rtld::Diagnostics& diag, dl::Loader& ns, const char* name, int mode,
                          rtld::Module* caller);
bool close_object(rtld::Diagnostics& diag, dl::Loader& ns, rtld::Module* m);
dl::Loader* new_namespace();  // null when every namespace is in use

// Every loaded object of every namespace (the base one's first).
template <class F>
void for_each_object(F f) {
  dl::Loader& base = runtime.loader;
  if (!base.set) {  // before run-time loading is set up: the start-up objects
    for (rtld::Module* m = runtime.objects.first; m; m = m->next) f(*m);
    return;
  }
  for (dl::Loader* ns = &base; ns; ns = dl::next_namespace(base, ns))
    for (rtld::Module* m = ns->set->first; m; m = m->next) f(*m);
}

}  // namespace ldso
