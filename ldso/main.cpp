// The interpreter: reads what the kernel passed, finds the program (mapped by the kernel, or
// named on our command line), loads and relocates its dependency graph, sets up TLS, runs the
// initialisers and returns the program's entry point to _start.
#include "arch/machine.hpp"
#include "glibc/glibc.hpp"
#include "rtld/elf.hpp"
#include "rtld/graph.hpp"
#include "rtld/image.hpp"
#include "rtld/platform.hpp"
#include "rtld/relocate.hpp"
#include "rtld/string.hpp"
#include "rtld/symbols.hpp"
#include "debug_log.hpp"
#include "runtime.hpp"
#include "startup.hpp"

extern "C" {
extern const rtld::elf::Ehdr __ehdr_start __attribute__((visibility("hidden")));
void _start();
}

namespace ldso {

// `runtime`'s storage, zero in .bss (runtime.hpp): nothing constructs it, start_program sets
// the non-zero defaults.
alignas(Runtime)
    [[gnu::visibility("hidden")]] unsigned char runtime_storage[sizeof(Runtime)] __asm__(
        "_ZN4ldso7runtimeE");

namespace {

using rtld::Diagnostics;
using rtld::Module;

void read_process(Process& p, uintptr_t* stack) {
  p.stack = stack;
  p.argc = static_cast<int>(stack[0]);
  p.argv = reinterpret_cast<char**>(stack + 1);
  p.envp = p.argv + p.argc + 1;
  char** e = p.envp;
  while (*e) ++e;
  p.auxv = reinterpret_cast<uintptr_t*>(e + 1);
  for (uintptr_t* a = p.auxv; a[0] != rtld::elf::AT_NULL; a += 2) {
    switch (a[0]) {
      case rtld::elf::AT_PHDR: p.at_phdr = a[1]; break;
      case rtld::elf::AT_PHNUM: p.at_phnum = a[1]; break;
      case rtld::elf::AT_ENTRY: p.at_entry = a[1]; break;
      case rtld::elf::AT_BASE: p.at_base = a[1]; break;
      case rtld::elf::AT_PAGESZ: p.page_size = a[1]; break;
      case rtld::elf::AT_SECURE: p.secure = a[1] != 0; break;
      case rtld::elf::AT_RANDOM: p.at_random = a[1]; break;
      case rtld::elf::AT_EXECFN: p.at_execfn = a[1]; break;
      case rtld::elf::AT_PLATFORM: p.platform = reinterpret_cast<const char*>(a[1]); break;
      default: break;
    }
  }
}

// The kernel's vDSO (AT_SYSINFO_EHDR): listed right after the executable, as glibc lists it,
// but not in the global scope.
void add_vdso(Diagnostics& diag) {
  uintptr_t base = 0;
  for (uintptr_t* a = runtime.process.auxv; a[0] != rtld::elf::AT_NULL; a += 2)
    if (a[0] == rtld::elf::AT_SYSINFO_EHDR) base = a[1];
  if (!base) return;
  const auto* eh = reinterpret_cast<const rtld::elf::Ehdr*>(base);
  auto* phdr = reinterpret_cast<const rtld::elf::Phdr*>(base + eh->e_phoff);
  uintptr_t bias = base;
  for (size_t i = 0; i < eh->e_phnum; ++i)
    if (phdr[i].p_type == rtld::elf::PT_LOAD) {
      bias = base - phdr[i].p_vaddr + phdr[i].p_offset;
      break;
    }
  rtld::Image image;
  rtld::describe_mapped(phdr, eh->e_phnum, bias, image);
  image.kernel_mapped = true;
  image.type = eh->e_type;
  Module* m = rtld::make_module(diag, runtime.objects, image, "linux-vdso.so.1", "linux-vdso.so.1");
  if (!m) {  // an unusable vDSO only costs speed
    diag.clear();
    return;
  }
  m->is_vdso = true;
  m->global = false;
  m->relocated = true;
  rtld::append_module(runtime.objects, m);
  // The kept-mapping check of each dlopen asks the time: through the vDSO, not a system call.
  rtld::platform::use_clock_gettime(
      reinterpret_cast<int (*)(int, void*)>(glibc::find_vdso_functions(*m)));
}

// ld.so itself, as one of the objects (found under its SONAME, never loaded twice).
Module* make_self_module(Diagnostics& diag, const char* path) {
  const auto* eh = &__ehdr_start;
  auto* phdr = reinterpret_cast<const rtld::elf::Phdr*>(reinterpret_cast<uintptr_t>(eh) + eh->e_phoff);
  rtld::Image image;
  rtld::describe_mapped(phdr, eh->e_phnum, reinterpret_cast<uintptr_t>(eh), image);
  image.kernel_mapped = true;
  image.type = eh->e_type;
  Module* m = rtld::make_module(diag, runtime.objects, image, path, path);
  if (!m) fatal(diag);
  m->is_ldso = true;
  m->relocated = true;  // it relocated itself in ldso_start
  return m;
}

// The program the kernel mapped (ld.so runs as its PT_INTERP).
Module* take_kernel_mapped_program(Diagnostics& diag) {
  const Process& p = runtime.process;
  auto* phdr = reinterpret_cast<const rtld::elf::Phdr*>(p.at_phdr);
  rtld::Image image;
  rtld::describe_mapped(phdr, p.at_phnum, rtld::bias_from_phdr(phdr, p.at_phnum), image);
  image.kernel_mapped = true;
  image.entry = p.at_entry;
  Module* m = rtld::make_module(diag, runtime.objects, image, runtime.program_name, "");
  if (!m) fatal(diag);
  return m;
}

const char* errno_name(long err) {
  switch (err) {
    case 1: return "EPERM";
    case 2: return "ENOENT";
    case 7: return "E2BIG";
    case 8: return "ENOEXEC";
    case 12: return "ENOMEM";
    case 13: return "EACCES";
    case 21: return "EISDIR";
    case 26: return "ETXTBSY";
    default: return "EINVAL";
  }
}

[[noreturn]] void exec_instead(const char* path, char** argv, char** envp) {
  long r = arch::syscall6(__NR_execve, reinterpret_cast<long>(path), reinterpret_cast<long>(argv),
                          reinterpret_cast<long>(envp));
  print_error("%s: cannot execute %s: %s\n", arch::kSoname, path, errno_name(-r));
  exit_process(127);
}

// `ld.so [options] program args`: map the program ourselves, then make the stack look as if
// the kernel had started it: drop our own arguments and point the auxiliary vector at it.
Module* load_named_program(Diagnostics& diag, int first_arg) {
  Process& p = runtime.process;
  const char* path = p.argv[first_arg];
  runtime.program_name = path;
  rtld::OpenedFile file;
  // glibc maps the program before it sets up its search paths: a name without a slash is found
  // through ld.so.cache alone (not LD_LIBRARY_PATH, --library-path or the system directories),
  // and not finding it there is no system error.
  const char* found = path;
  if (!rtld::has_slash(path) &&
      !(found = runtime.search.cache ? runtime.search.cache->lookup(path) : nullptr))
    diag.fail(path, "cannot open shared object file"), fatal(diag);
  if (!rtld::open_library(diag, runtime.arena, runtime.search, found, nullptr, nullptr, file))
    fatal(diag);
  rtld::Image image;
  rtld::ImageSource src{file.fd, nullptr, file.id.size, file.head, file.head_len};
  bool ok = rtld::load_image(diag, runtime.arena, path, src, image);  // (checks the header)
  rtld::platform::close(file.fd);
  if (!ok) fatal(diag);
  Module* m = rtld::make_module(diag, runtime.objects, image, path, "");
  if (!m) fatal(diag);
  m->device = file.id.device, m->inode = file.id.inode, m->has_file_id = true;
  // A dynamic linker given as the program (ours or another): glibc refuses to run it, but lists
  // it (ldd, --list) as the object without dependencies it is.
  if (m->soname && rtld::str_eq(m->soname, arch::kSoname) && !runtime.options.trace) {
    print(arch::kSoname);
    print(": loader cannot load itself\n");
    exit_process(127);
  }
  // As glibc's rtld_chain_load: a program with neither a DT_NEEDED entry nor a PT_INTERP
  // header (static, static PIE) starts without us: exec it. Not when only listing it (ldd,
  // --list). (needed_end counts DT_FILTER and DT_AUXILIARY entries too: a program with one of
  // those and no DT_NEEDED, which linkers do not make, would be run rather than exec'ed. A
  // PT_INTERP header comes before the loadable segments.)
  bool dynamic = m->dyn.needed_end != 0;
  for (size_t i = 0; i < m->image.phnum && !dynamic; ++i)
    dynamic = m->image.phdr[i].p_type == rtld::elf::PT_INTERP;
  if (!dynamic && !runtime.options.trace) {
    if (runtime.options.argv0) p.argv[first_arg] = const_cast<char*>(runtime.options.argv0);
    exec_instead(path, p.argv + first_arg, p.envp);
  }

  // Shift argv, envp and auxv down over the arguments that were ours, pointing the auxiliary
  // vector at the program (and runtime.process at all three where they now are).
  int skip = first_arg;
  uintptr_t* s = p.stack;
  uintptr_t* from = s + 1 + skip;
  uintptr_t* to = s + 1;
  s[0] = static_cast<uintptr_t>(p.argc -= skip);
  p.argv = reinterpret_cast<char**>(to);
  while (*from) *to++ = *from++;  // argv
  *to++ = *from++;
  p.envp = reinterpret_cast<char**>(to);
  while (*from) *to++ = *from++;  // envp
  *to++ = *from++;
  p.auxv = to;
  // (the tags to patch as bits: most entries pass with one bit test; a tag of 64 or more that
  // shares a bit falls through the comparisons unchanged)
  using namespace rtld::elf;
  constexpr uint64_t kPatched =
      1ull << AT_PHDR | 1ull << AT_PHNUM | 1ull << AT_ENTRY | 1ull << AT_EXECFN;
  for (uintptr_t tag = 1; tag != AT_NULL; to += 2, from += 2) {  // pairs up to AT_NULL's
    uintptr_t v = from[1];
    tag = from[0];
    if (kPatched >> (tag & 63) & 1) [[unlikely]] {
      if (tag == AT_PHDR)
        v = p.at_phdr = reinterpret_cast<uintptr_t>(m->image.phdr);
      else if (tag == AT_PHNUM)
        v = p.at_phnum = m->image.phnum;
      else if (tag == AT_ENTRY)
        v = p.at_entry = m->image.entry;
      else if (tag == AT_EXECFN)
        v = p.at_execfn = s[1];  // the program's argv[0]
    }
    to[0] = tag, to[1] = v;
  }
  return m;
}

// LD_DEBUG=libs: the library search, as glibc's ld.so reports it.
void trace_search(void*, rtld::SearchConfig::Event e, const char* text, const char* detail,
                  const Module* from) {
  using E = rtld::SearchConfig::Event;
  switch (e) {
    case E::Find:
      debug::print("find library=%s [0]; searching", text);
      break;
    case E::SearchPath: {
      const char* parts[] = {" search path=", text, "\t\t(", detail, ")", nullptr, nullptr, nullptr};
      if (from) {  // "(RPATH from file NAME)"
        parts[4] = " from file ";
        parts[5] = from->is_main ? runtime.program_name : from->path;
        parts[6] = ")";
      }
      debug::print_parts(parts);
      break;
    }
    case E::SearchCache:
      debug::print(" search cache=%s", text);
      break;
    case E::Trying:
      debug::print("  trying file=%s", text);
      break;
  }
}

// "<ld.so>: <prefix><text><suffix>", then where to find help, as glibc's ld.so words it.
[[noreturn]] void usage_error(const char* prefix, const char* text, const char* suffix) {
  const char* self = runtime.process.argv[0];
  print_error("%s: %s%s%s\nTry '%s --help' for more information.\n", self, prefix, text, suffix, self);
  exit_process(1);
}

[[noreturn]] void unrecognized_option(const char* option) { usage_error("unrecognized option '", option, "'"); }

// Options of `ld.so [options] program`; returns the index of the program's argv entry.
int parse_options() {
  Process& p = runtime.process;
  int i = 1;
  while (i < p.argc) {
    const char* a = p.argv[i];
    if (a[0] != '-') return i;  // the program (every option starts with "--")
    auto takes_value = [&](const char* opt) -> const char* {
      if (!rtld::str_eq(a, opt)) return nullptr;
      // As glibc: an option without its argument is not recognized.
      if (i + 1 >= p.argc) unrecognized_option(a);
      i += 2;
      return p.argv[i - 1];
    };
    Options& o = runtime.options;
    if (const char* v = takes_value("--library-path")) o.library_path = v;
    else if (const char* v2 = takes_value("--preload")) o.preload = v2;
    else if (const char* v3 = takes_value("--argv0")) o.argv0 = v3;
    else if (const char* v4 = takes_value("--inhibit-rpath")) o.inhibit_rpath = v4;
    else if (const char* v5 = takes_value("--glibc-hwcaps-prepend")) o.glibc_hwcaps_prepend = v5;
    else if (const char* v6 = takes_value("--glibc-hwcaps-mask")) o.glibc_hwcaps_mask = v6;
    else if (rtld::str_eq(a, "--inhibit-cache")) o.inhibit_cache = true, ++i;
    else if (rtld::str_eq(a, "--list")) o.list = o.trace = true, ++i;
    else if (rtld::str_eq(a, "--verify")) o.verify = true, ++i;
    else if (rtld::str_eq(a, "--list-tunables"))
      o.list_tunables = true, ++i;
    else if (rtld::str_eq(a, "--help")) print_help(), exit_process(0);
    else if (rtld::str_eq(a, "--version")) print_version(), exit_process(0);
    else if (rtld::str_eq(a, "--")) return i + 1 < p.argc ? i + 1 : (usage_error("", "missing program name", ""), 0);
    else if (a[1] == '-')
      unrecognized_option(a);
    else {
      return i;
    }
  }
  if (!runtime.options.list_tunables) usage_error("", "missing program name", "");
  return i;
}

void warn_copy_size(void*, const char* symbol) {
  print_error("%s: Symbol `%s' has different size in shared object, consider re-linking\n", runtime.program_name,
              symbol);
}

// "<program>: <object>: <message>", as glibc's ld.so prints version problems.
void print_version_problem(void*, const char* object, const char* message, bool) {
  // glibc's _dl_signal_cerror reports it under any LD_DEBUG category but statistics.
  if (debug::mask & ~unsigned{debug::kStatistics})
    debug::print("%s: error: version lookup error: %s (continued)", object, message);
  print_error("%s: %s: %s\n", runtime.program_name, object, message);
}

// glibc's preload message carries the error text without its errno part
// ("cannot open shared object file", not "...: No such file or directory").
size_t without_errno_text(const char* message) {
  size_t len = 0, cut = 0;
  while (message[len]) ++len;
  for (size_t i = 0; i + 1 < len; ++i)
    if (message[i] == ':' && message[i + 1] == ' ') cut = i;
  if (cut == 0) return len;
  const char* tail = message + cut + 2;
  for (int err = 1; err < 200; ++err)
    if (const char* t = rtld::errno_text(err); t && rtld::str_eq(tail, t)) return cut;
  if (tail[0] == 'E' && tail[1] == 'r' && tail[2] == 'r' && tail[3] == 'o' && tail[4] == 'r' &&
      tail[5] == ' ' && tail[6] >= '0' && tail[6] <= '9')
    return cut;
  return len;
}

// `where` is "LD_PRELOAD" or "--preload", as the message names the source.
void load_preloads(Diagnostics& diag, const char* list, const char* where) {
  // Separated by spaces or colons; empty entries ignored.
  const char* p = list;
  while (*p) {
    while (*p == ' ' || *p == ':') ++p;
    const char* e = p;
    while (*e && *e != ' ' && *e != ':') ++e;
    if (e > p) {
      char* name = runtime.arena.copy_string(p, static_cast<size_t>(e - p));
      Module* m = rtld::load_object(diag, runtime.objects, runtime.search, name, runtime.objects.main);
      if (!m) {
        // glibc reports a missing preload and carries on.
        rtld::Text<512>& message = diag.message_text();
        message.data[without_errno_text(message.data)] = 0;
        print_error("ERROR: ld.so: object '%s' from %s cannot be preloaded (%s): ignored.\n", name, where,
                    message.data);
        diag.clear();
      }
    }
    p = e;
  }
}

// ldd -d, -r, -u: relocation that goes on past an undefined symbol (reported as glibc's
// print_unresolved does, the reference bound to 0) and notes which objects definitions came
// from (-u: glibc's l_used).
const Module* used_objects[256];
size_t used_count = 0;

bool resolve_for_ldd(void* context, const Module& referrer, uint32_t index, unsigned flags,
                     rtld::Resolved& out) {
  dl::resolve_symbol(context, referrer, index, flags, out);
  const rtld::elf::Sym& s = referrer.dyn.symtab[index];
  if (out.found) {
    bool known = false;
    for (size_t i = 0; i < used_count; ++i) known |= used_objects[i] == out.module;
    if (!known && used_count < 256) used_objects[used_count++] = out.module;
  } else if (rtld::elf::st_bind(s.st_info) != rtld::elf::STB_WEAK) {
    out = rtld::Resolved{nullptr, nullptr, 0, true};
    // Under LD_DEBUG=unused glibc's lookup does not report it at all.
    if (!debug::on(debug::kUnused)) {
      const rtld::Version* v = rtld::version_of_reference(referrer, index);
      const char* who = debug::name_of(referrer);
      const char* name = s.st_name < referrer.dyn.strsz ? referrer.str(s.st_name) : "?";
      const char* comma = v ? ", version " : "";
      const char* version = v ? v->name : "";
      if (debug::mask & ~unsigned{debug::kStatistics})
        debug::print("%s: error: symbol lookup error: undefined symbol: %s%s%s (continued)", who, name, comma,
                     version);
      print_error("undefined symbol: %s%s%s\t(%s)\n", name, comma, version, who);
    }
  }
  return true;
}

}  // namespace

EntryPoint start_program(uintptr_t* stack) {
  Runtime& rt = runtime;
  Process& p = rt.process;
  set_nonzero_defaults(rt);
  // The loader's first blocks (a trivial program's objects take about 22 KB) from .bss, as
  // glibc's minimal malloc starts in its own data segment: one mmap fewer.
  alignas(16) static uint8_t first_blocks[32 * 1024];
  rt.arena.seed(first_blocks, sizeof first_blocks);
  read_process(p, stack);
  rt.objects.arena = &rt.arena;
  Diagnostics diag;

  const bool explicit_run = p.at_entry == reinterpret_cast<uintptr_t>(&_start);
  rt.program_name = p.argc > 0 ? p.argv[0] : "";
  read_environment(rt);
  debug::stats.start_cycles = debug::cycles();
  debug::init(rt.options.debug, rt.options.debug_output, p.secure);
  if (debug::on(debug::kLibs)) rt.search.trace = trace_search;
  const char* env_preload = rt.options.preload;
  int program_arg = explicit_run ? parse_options() : 0;
  rt.search.library_path = rt.options.library_path;
  rt.search.platform = p.platform ? p.platform : arch::kPlatform;
  rt.search.secure = p.secure;

  rt.search.inhibit_rpath = p.secure ? nullptr : rt.options.inhibit_rpath;
  // (after CPU-feature set-up, which narrows the x86 tunables, as glibc's)
  if (rt.options.list_tunables) glibc::init_process(rt), glibc::print_tunables(), exit_process(0);
  if (rt.options.verify) verify_and_exit(rt, p.argv[program_arg]);

  Module* main;
  const char* ldso_path;
  if (explicit_run) {
    ldso_path = p.argv[0];
    if (!rt.options.inhibit_cache && rt.cache.open("/etc/ld.so.cache")) rt.search.cache = &rt.cache;
    main = load_named_program(diag, program_arg);
    if (rt.options.argv0) p.argv[0] = const_cast<char*>(rt.options.argv0);
  } else {
    main = take_kernel_mapped_program(diag);
    ldso_path = interp_path(*main);
  }
  main->is_main = true;
  if (explicit_run) debug::report_loaded(*main);  // the one ld.so mapped itself
  rt.objects.main = main;
  glibc::init_process(rt);
  rtld::append_module(rt.objects, main);
  add_vdso(diag);
  rt.search.main_origin = main_origin;
  Module* self = make_self_module(diag, ldso_path);
  self->global = false;  // in the global scope only once something depends on it
  rt.objects.ldso = self;

  if (!rt.options.inhibit_cache && !rt.search.cache && rt.cache.open("/etc/ld.so.cache"))
    rt.search.cache = &rt.cache;

  if (debug::on(debug::kFiles)) rt.objects.loaded = debug::report_loaded, rt.objects.loading = debug::report_loading;
  if (debug::on(debug::kLibs)) rt.objects.searched = debug::report_searched;
  // As glibc: LD_PRELOAD's objects first, then --preload's.
  if (env_preload) load_preloads(diag, env_preload, "LD_PRELOAD");
  if (rt.options.preload && rt.options.preload != env_preload)
    load_preloads(diag, rt.options.preload, "--preload");
  // ldd (LD_TRACE_LOADED_OBJECTS) lists a missing library as "not found"; --list stops.
  bool tolerate = rt.options.trace && !rt.options.list;
  uint64_t load_start = debug::cycles();
  if (!rtld::load_dependencies(diag, rt.objects, rt.search, main, tolerate)) fatal(diag);
  debug::stats.load_cycles = debug::cycles() - load_start;
  if (!self->listed) rtld::append_module(rt.objects, self);  // debuggers see it in the chain
  if (rt.options.list) list_objects_and_exit(rt);
  // As glibc: every version problem is printed, then a missing version ends with status 1
  // (ldd goes on).
  bool versions_ok = true;
  rtld::VersionReporter versions{print_version_problem, nullptr};
  if (debug::on(debug::kVersions)) versions.checking = debug::report_version_check;
  for (Module* m = rt.objects.first; m; m = m->next)
    versions_ok &= rtld::check_versions(diag, rt.objects, *m, versions);
  if (!versions_ok && !rt.options.trace) exit_process(1);
  // ldd: the list, and unless LD_WARN (-d, -r) or LD_DEBUG=unused (-u) asks for relocation,
  // nothing more.
  bool unused = rt.options.trace && debug::on(debug::kUnused);
  if (rt.options.trace && !unused) list_objects(rt);
  if (rt.options.trace && !unused && !rt.options.warn) finish_listing(rt);
  if (!rtld::build_global_scope(rt.objects)) fatal(diag);

  // Static TLS: every initially loaded object gets its block now; the thread pointer is set
  // before relocation (IFUNC resolvers and TLS relocations may use it), the blocks are filled
  // after it (their images may hold relocated pointers).
  for (Module* m = rt.objects.first; m; m = m->next) rtld::assign_tls(rt.objects.tls, *m, true);
  rt.objects.tls.free_top = rt.objects.tls.free_bottom = 0;  // no gap filling after start-up
  // Debuggers hear "adding" before the objects' records exist, as glibc's ld.so tells them
  // before loading the dependencies, and see the list at "consistent", once everything is
  // relocated: libthread_db reads libc's __nptl_rtld_global, valid only after relocation.
  publish_debug_state();  // DT_DEBUG is written before RELRO makes it read-only
  debug_state(kDebugAdd);
  if (!glibc::prepare_objects(diag, rt)) fatal(diag);
  setup_initial_thread(diag);
  publish_debug_state();  // now with the records

  setup_run_time_loading();
  if (debug::on(debug::kScopes)) debug::show_initial_scopes();
  rtld::RelocationOptions ropts;  // (set here rather than from a copy of a template in .data)
  ropts.resolver = {dl::resolve_symbol, &rt.loader};
  // LD_DEBUG=unused: every reference bound now, an undefined one to 0 without a word (glibc's
  // lookup does not report under it), even when the program runs.
  bool unused_debug = debug::on(debug::kUnused);
  if (rt.options.trace || unused_debug) ropts.resolver.resolve = resolve_for_ldd;
  ropts.skip_ifunc = rt.options.trace;  // ldd: nothing runs, and -u relocates the program alone
  if (!rt.options.bind_now && !unused_debug) ropts.lazy = rt.loader.lazy, ropts.lazy_entry = rt.loader.lazy_entry;
  ropts.copy_size_warning = warn_copy_size;
  ropts.stats = &debug::relocations;
  if (debug::on(debug::kBindings)) ropts.bound = debug::report_binding;
  if (ropts.resolver.resolve == dl::resolve_symbol && !rt.loader.looking)
    ropts.scope = rt.objects.scope, ropts.scope_count = rt.objects.scope_count;
  uint64_t reloc_start = debug::cycles();
  // Dependencies before dependents (glibc's order: an IFUNC resolver in a dependency runs
  // only once that dependency is relocated).
  auto** order = rt.arena.make<Module*>(rt.objects.count);
  if (!order) fatal(diag);
  size_t count = rtld::initialization_order(rt.objects, order);
  for (size_t i = 0; i < count; ++i) {
    Module* m = order[i];
    if (m->relocated || (unused && !m->is_main)) continue;
    debug::report_relocation(*m, ropts.lazy && !m->dyn.bind_now);
    if (!rtld::relocate_module(diag, *m, ropts)) fatal(diag);
    if (!rtld::protect_relro(m->image)) {
      diag.fail(m->path, "cannot apply additional memory protection after relocation");
      fatal(diag);
    }
  }
  rt.arena.release(order);
  if (unused) list_unused_and_exit(rt, used_objects, used_count);
  if (rt.options.trace) finish_listing(rt);
  debug::stats.relocation_cycles = debug::cycles() - reloc_start;
  debug::print_statistics(false);
  fill_initial_tls();
  glibc::after_relocation(rt);
  debug_state(kDebugConsistent);

  run_initializers(diag);
  return {main->image.entry, reinterpret_cast<uintptr_t>(&run_finalizers)};
}

}  // namespace ldso
