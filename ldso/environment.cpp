// The LD_* environment, described by one table (what each variable sets, and whether it is
// honoured in secure mode), and secure-mode hygiene for setuid/setgid programs: the variables
// glibc lists as unsafe are removed, and closed standard descriptors are reopened.
#include <asm/unistd.h>
#include <linux/fcntl.h>

#include "arch/syscall.hpp"
#include "rtld/string.hpp"
#include "runtime.hpp"
#include "startup.hpp"

namespace ldso {
namespace {

enum class Var {
  LibraryPath, Preload, BindNow, BindNot, TraceLoadedObjects, Warn, Verbose, Debug, DebugOutput
};

// The variables, by Var (fixed-size names: a table of pointers would need relocating).
constexpr char kVariables[][24] = {
    "LD_LIBRARY_PATH", "LD_PRELOAD", "LD_BIND_NOW", "LD_BIND_NOT",     "LD_TRACE_LOADED_OBJECTS",
    "LD_WARN",         "LD_VERBOSE", "LD_DEBUG",    "LD_DEBUG_OUTPUT",
};
static_assert(sizeof kVariables / sizeof *kVariables == static_cast<size_t>(Var::DebugOutput) + 1);
// Those honoured for setuid/setgid programs (LD_PRELOAD restricted, not ignored: see
// load_preloads).
constexpr unsigned kSecureOk =
    1u << static_cast<int>(Var::Preload) | 1u << static_cast<int>(Var::BindNow) |
    1u << static_cast<int>(Var::BindNot) | 1u << static_cast<int>(Var::TraceLoadedObjects) |
    1u << static_cast<int>(Var::Warn) | 1u << static_cast<int>(Var::Verbose);

// glibc's UNSECURE_ENVVARS: removed from the environment of setuid/setgid programs. Each name
// ends with a NUL; an empty one ends the list.
constexpr char kUnsafe[] =
    "GCONV_PATH\0GETCONF_DIR\0HOSTALIASES\0LD_AUDIT\0LD_DEBUG\0LD_DEBUG_OUTPUT\0LD_DYNAMIC_WEAK\0"
    "LD_HWCAP_MASK\0LD_LIBRARY_PATH\0LD_ORIGIN_PATH\0LD_PRELOAD\0LD_PROFILE\0LD_SHOW_AUXV\0"
    "LD_USE_LOAD_BIAS\0LOCALDOMAIN\0LOCPATH\0MALLOC_TRACE\0NIS_PATH\0NLSPATH\0RESOLV_HOST_CONF\0"
    "RES_OPTIONS\0TMPDIR\0TZDIR\0";

void apply(Options& o, Var v, const char* value) {
  bool set = *value != 0;
  switch (v) {
    case Var::LibraryPath: o.library_path = value; break;
    case Var::Preload: o.preload = value; break;
    case Var::BindNow: o.bind_now = set; break;
    case Var::BindNot: o.bind_not = set; break;
    case Var::TraceLoadedObjects: o.trace = set; break;
    case Var::Warn: o.warn = set; break;
    case Var::Verbose: o.verbose = set; break;
    case Var::Debug: o.debug = value; break;
    case Var::DebugOutput: o.debug_output = value; break;
  }
}

// Opens fd on `path` if it is closed (a setuid program must not write its output into a
// file that happens to get descriptor 1).
void ensure_open(int fd, const char* path, int flags) {
  if (arch::syscall6(__NR_fcntl, fd, F_GETFD) != -9 /* EBADF */) return;
  long r = arch::syscall6(__NR_openat, -100, reinterpret_cast<long>(path), flags);
  if (r != fd) exit_process(127);  // as glibc: cannot make the descriptors safe
}

}  // namespace

void read_environment(Runtime& rt) {
  Process& p = rt.process;
  if (p.secure) {
    // Remove the unsafe variables by compacting envp in place; the auxiliary vector after
    // the old terminator stays where it is.
    char** out = p.envp;
    char** e = p.envp;
    for (; *e; ++e) {
      bool unsafe = false;
      for (const char* u = kUnsafe; *u;) {
        const size_t n = rtld::str_len(u);
        unsafe |= rtld::str_eq_n(*e, u, n) && (*e)[n] == '=';
        u += n + 1;
      }
      if (!unsafe) *out++ = *e;
    }
    while (out <= e) *out++ = nullptr;
    ensure_open(0, "/dev/full", O_WRONLY | O_NOFOLLOW);
    ensure_open(1, "/dev/null", O_RDONLY | O_NOFOLLOW);
    ensure_open(2, "/dev/null", O_RDONLY | O_NOFOLLOW);
  }
  for (char** e = p.envp; *e; ++e) {
    const char* entry = *e;
    if (entry[0] != 'L' || entry[1] != 'D' || entry[2] != '_') continue;
    size_t n = 3;  // the name's length
    while (entry[n] && entry[n] != '=') ++n;
    if (!entry[n]) continue;
    for (unsigned v = 0; v < sizeof kVariables / sizeof *kVariables; ++v) {
      // (a name of another length is not compared)
      if (n >= sizeof *kVariables || kVariables[v][n] || !kVariables[v][n - 1] ||
          !rtld::str_eq_n(entry, kVariables[v], n))
        continue;
      if (!p.secure || (kSecureOk >> v & 1)) apply(rt.options, static_cast<Var>(v), entry + n + 1);
    }
  }
}

}  // namespace ldso
