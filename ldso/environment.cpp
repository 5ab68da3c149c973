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

struct EnvVar {
  const char* name;
  Var var;
  bool secure_ok;  // honoured for setuid/setgid programs
};

constexpr EnvVar kVariables[] = {
    {"LD_LIBRARY_PATH", Var::LibraryPath, false},
    {"LD_PRELOAD", Var::Preload, true},  // restricted, not ignored (see load_preloads)
    {"LD_BIND_NOW", Var::BindNow, true},
    {"LD_BIND_NOT", Var::BindNot, true},
    {"LD_TRACE_LOADED_OBJECTS", Var::TraceLoadedObjects, true},
    {"LD_WARN", Var::Warn, true},
    {"LD_VERBOSE", Var::Verbose, true},
    {"LD_DEBUG", Var::Debug, false},
    {"LD_DEBUG_OUTPUT", Var::DebugOutput, false},
};

// glibc's UNSECURE_ENVVARS: removed from the environment of setuid/setgid programs.
constexpr const char* kUnsafe[] = {
    "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LD_AUDIT", "LD_DEBUG", "LD_DEBUG_OUTPUT",
    "LD_DYNAMIC_WEAK", "LD_HWCAP_MASK", "LD_LIBRARY_PATH", "LD_ORIGIN_PATH", "LD_PRELOAD",
    "LD_PROFILE", "LD_SHOW_AUXV", "LD_USE_LOAD_BIAS", "LOCALDOMAIN", "LOCPATH", "MALLOC_TRACE",
    "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TMPDIR", "TZDIR"};

bool name_is(const char* entry, const char* name) {
  size_t n = rtld::str_len(name);
  return rtld::str_eq_n(entry, name, n) && entry[n] == '=';
}

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
      for (const char* u : kUnsafe) unsafe |= name_is(*e, u);
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
    for (const EnvVar& v : kVariables) {
      // (a longer name differs from the entry at or before its '=')
      if (!rtld::str_eq_n(entry, v.name, n) || v.name[n]) continue;
      if (!p.secure || v.secure_ok) apply(rt.options, v.var, entry + n + 1);
    }
  }
}

}  // namespace ldso
