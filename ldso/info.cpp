// --help and --version text, and facts about the program derived from its headers.
#include "arch/machine.hpp"
#include "glibc/glibc.hpp"
#include "rtld/string.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {

void print_help() {
  const char* self = runtime.process.argv[0];
  print_out("Usage: ");
  print_out(self);
  print_out(" [OPTION]... EXECUTABLE-FILE [ARGS-FOR-PROGRAM...]\n"
        "Loads and runs EXECUTABLE-FILE, as the kernel does through its PT_INTERP header.\n\n"
        "  --list                list all dependencies and how they are resolved\n"
        "  --verify              verify that the given object really is a dynamically linked\n"
        "                        object we can handle\n"
        "  --inhibit-cache       do not use /etc/ld.so.cache\n"
        "  --library-path PATH   use given PATH instead of content of the environment\n"
        "                        variable LD_LIBRARY_PATH\n"
        "  --inhibit-rpath LIST  ignore RUNPATH and RPATH information in object names in LIST\n"
        "  --preload LIST        preload objects named in LIST\n"
        "  --argv0 STRING        set argv[0] to STRING before running\n"
        "  --list-tunables       list the tunables with their values and bounds, and exit\n"
        "  --help                display this help and exit\n"
        "  --version             output version information and exit\n");
}

void print_version() {
  print_out("ld.so (ldso project) 0.1, compatible with glibc 2.36 (");
  print_out(arch::kPlatform);
  print_out(")\n");
}

const char* interp_path(const rtld::Module& main) {
  for (size_t i = 0; i < main.image.phnum; ++i)
    if (main.image.phdr[i].p_type == rtld::elf::PT_INTERP)
      return reinterpret_cast<const char*>(main.bias() + main.image.phdr[i].p_vaddr);
  return arch::kSystemInterp;
}

namespace {
const char* known_main_origin;
bool main_origin_known;
}  // namespace

const char* main_origin_if_known() { return known_main_origin; }

const char* main_origin() {
  if (main_origin_known) return known_main_origin;
  main_origin_known = true;
  const rtld::Module& main = *runtime.objects.main;
  // The kernel-mapped program: the directory of its real path, as /proc/self/exe names it.
  char buf[4096];
  const char* path = main.image.kernel_mapped ? nullptr : main.path;
  if (!path) {
    long n = arch::syscall6(__NR_readlinkat, -100, reinterpret_cast<long>("/proc/self/exe"),
                            reinterpret_cast<long>(buf), sizeof buf - 1);
    if (n <= 0) return nullptr;
    buf[n] = 0;
    path = buf;
  }
  known_main_origin = rtld::origin_of(runtime.arena, path);
  glibc::main_origin_known(known_main_origin);
  return known_main_origin;
}

}  // namespace ldso
