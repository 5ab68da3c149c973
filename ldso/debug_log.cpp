#include "debug_log.hpp"

#include <asm/unistd.h>
#include <linux/fcntl.h>

#include "arch/syscall.hpp"
#include "glibc/glibc.hpp"
#include "rtld/string.hpp"
#include "rtld/symbols.hpp"
#include "format.hpp"
#include "runtime.hpp"

namespace ldso::debug {

unsigned mask = 0;
Statistics stats;
rtld::RelocationStats relocations;

namespace {

int out_fd = 2;

// glibc's words, in its order, each followed by the help text it prints (LD_DEBUG=help), all
// ending with a NUL (strings, not a table of pointers, which would need relocating); and what
// each word turns on.
constexpr char kOptionText[] =
    "libs\0display library search paths\0"
    "reloc\0display relocation processing\0"
    "files\0display progress for input file\0"
    "symbols\0display symbol table processing\0"
    "bindings\0display information about symbol binding\0"
    "versions\0display version dependencies\0"
    "scopes\0display scope information\0"
    "all\0all previous options combined\0"
    "statistics\0display relocation statistics\0"
    "unused\0determined unused DSOs\0"
    "help\0display this help message and exit\0";
constexpr uint16_t kOptionBits[] = {
    kLibs,       kReloc,
    kFiles,      kSymbols,
    kBindings,   kVersions,
    kScopes,     kLibs | kReloc | kFiles | kSymbols | kBindings | kVersions | kScopes,
    kStatistics, kUnused,
    0,
};

void write_all(int fd, const char* s, size_t n) {
  while (n) {
    long r = arch::syscall6(__NR_write, fd, reinterpret_cast<long>(s), static_cast<long>(n));
    if (r == -4) continue;
    if (r <= 0) return;
    s += r, n -= static_cast<size_t>(r);
  }
}

}  // namespace

uint64_t cycles() {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

// Every line of `text` starts with the process id, right-aligned in ten columns.
void emit(const char* text) {
  rtld::Text<16> pid;
  pid.add_dec(static_cast<uint64_t>(arch::syscall6(__NR_getpid)));
  char t[4096];
  size_t n = 0;
  for (bool start = true;; ++text) {
    if (start) {
      for (size_t i = pid.len; i < 10; ++i) t[n++] = ' ';
      for (size_t i = 0; i < pid.len; ++i) t[n++] = pid.data[i];
      t[n++] = ':', t[n++] = '\t';
    }
    t[n++] = *text ? *text : '\n';
    if (!*text || n + 16 > sizeof t) write_all(out_fd, t, n), n = 0;  // a long line goes out in parts
    if (!*text) break;
    start = *text == '\n';
  }
}

void vprint(const char* fmt, va_list ap) {
  rtld::Text<2048> text;
  format(text, fmt, ap);
  emit(text.c_str());
}

LDSO_VARIADIC void print(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
}

void print_parts(const char* const* parts) {
  rtld::Text<8192> t;
  while (*parts) t.add(*parts++);
  emit(t.c_str());
}

namespace {
// init with LD_DEBUG set (apart: the output path's 4 KB of stack only then).
[[gnu::noinline]] void init_from(const char* spec, const char* output_file, bool secure) {
  bool help = false;
  for (const char* p = spec; *p;) {
    while (*p == ' ' || *p == ',' || *p == ':') ++p;
    const char* e = p;
    while (*e && *e != ' ' && *e != ',' && *e != ':') ++e;
    size_t n = static_cast<size_t>(e - p);
    help |= n == 4 && rtld::str_eq_n(p, "help", 4);
    bool known = false;
    const char* o = kOptionText;
    for (uint16_t bits : kOptionBits) {
      const size_t len = rtld::str_len(o);
      if (n && len == n && rtld::str_eq_n(p, o, n)) mask |= bits, known = true;
      o += len + 1, o += rtld::str_len(o) + 1;  // the word, its help
    }
    if (n && !known) {
      rtld::Text<256> w;
      w.add("warning: debug option `").add(p, n).add("' unknown; try LD_DEBUG=help\n");
      write_all(2, w.data, w.len);
    }
    p = e;
  }
  // As glibc: every word is read (and an unknown one warned about) before the help.
  if (help) {
    rtld::Text<2048> t;
    t.add("Valid options for the LD_DEBUG environment variable are:\n\n");
    for (const char* o = kOptionText; o < kOptionText + sizeof kOptionText - 1;) {
      const size_t len = rtld::str_len(o);
      t.add("  ").add(o, len);
      for (size_t i = len; i < 12; ++i) t.add_char(' ');
      o += len + 1;
      t.add(o).add("\n");
      o += rtld::str_len(o) + 1;
    }
    t.add("\nTo direct the debugging output into a file instead of standard output\n"
          "a filename can be specified using the LD_DEBUG_OUTPUT environment variable.\n");
    write_all(1, t.data, t.len);
    exit_process(0);
  }
  if (output_file && *output_file && !secure) {
    rtld::Text<4096> path;
    path.add(output_file).add_char('.').add_dec(static_cast<uint64_t>(arch::syscall6(__NR_getpid)));
    long fd = arch::syscall6(__NR_openat, -100, reinterpret_cast<long>(path.c_str()),
                             O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) out_fd = static_cast<int>(fd);
  }
}
}  // namespace

void init(const char* spec, const char* output_file, bool secure) {
  if (spec && *spec) init_from(spec, output_file, secure);
}

const char* name_of(const rtld::Module& m) {
  if (m.is_main) return runtime.program_name;
  return m.path ? m.path : (m.name ? m.name : "");
}

namespace {
// The namespace glibc prints after an object's name: ld.so's stand-in in another namespace is
// printed as the real one (glibc's lookups go through l_real).
unsigned long ns_of(const rtld::Module& m) {
  return m.is_ldso ? 0ul : static_cast<unsigned long>(glibc::namespace_id(m));
}
}  // namespace

// glibc (Debian's 2.36) prints this at the end of every successful _dl_lookup_symbol_x, with
// the version the reference asks for.
void report_named_binding(const rtld::Module& referrer, const rtld::Module& d, const char* name,
                          const char* version, bool protected_ref) {
  if (!on(kBindings)) return;
  print("binding file %s [%lu] to %s [%lu]: %s symbol `%s'%s%s%s", name_of(referrer), ns_of(referrer), name_of(d),
        ns_of(d), protected_ref ? "protected" : "normal", name, version ? " [" : "", version ? version : "",
        version ? "]" : "");
}

void report_binding(const rtld::Module& referrer, uint32_t index, const rtld::Resolved& def) {
  if (!on(kBindings) || !def.module || !def.sym) return;
  const rtld::elf::Sym& ref = referrer.dyn.symtab[index];
  const rtld::Version* want = rtld::version_of_reference(referrer, index);
  report_named_binding(referrer, *def.module, referrer.str(ref.st_name), want ? want->name : nullptr,
                       rtld::elf::st_visibility(ref.st_other) == rtld::elf::STV_PROTECTED);
}

void report_lookup(const char* name, const rtld::Module& m) {
  print("symbol=%s;  lookup in file=%s [%lu]", name, name_of(m), ns_of(m));
}

void show_scope(const rtld::Module& m, size_t from) {
  dl::Loader& ns = dl::namespace_of(runtime.loader, m);
  print("object=%s [%lu]", name_of(m), static_cast<unsigned long>(ns.id));
  dl::ScopeList scopes[16];
  size_t n = m.is_ldso ? 0 : dl::scopes_of(ns, m, scopes, 16);
  if (n > 16) n = 16;
  if (n == 0) print(" no scope");
  for (size_t i = from; i < n; ++i) {
    rtld::Text<4096> t;  // one line (glibc's has no limit)
    t.add(" scope ");
    if (i >= 10) t.add_char(static_cast<char>('0' + i / 10));
    t.add_char(static_cast<char>('0' + i % 10)).add_char(':');
    for (size_t j = 0; j < (scopes[i].only ? 1 : scopes[i].count); ++j)
      t.add_char(' ').add(name_of(scopes[i].only ? *scopes[i].only : *scopes[i].items[j]));
    emit(t.c_str());
  }
  print("");
}

void report_made_global(const rtld::Module& m) { print("\nadd %s [0] to global scope", m.path); }

void report_nodelete(const rtld::Module& m, const rtld::Module* from) {
  if (!from) print("marking %s [%lu] as NODELETE due to unique symbol", m.path, ns_of(m));
  else if (from->is_main) print("marking %s [%lu] as NODELETE due to reference from main program", m.path, ns_of(m));
  else print("marking %s [%lu] as NODELETE due to reference from %s [%lu]", m.path, ns_of(m), from->path, ns_of(*from));
}

void report_nodelete_files(const rtld::Module& m, bool activating) {
  if (activating) print("activating NODELETE for %s [%lu]", m.path, ns_of(m));
  else print("marking %s [%lu] as NODELETE", m.path, ns_of(m));
}

void show_initial_scopes() {
  print("\nInitial object scopes");
  for (const rtld::Module* m = runtime.objects.first; m; m = m->next)
    if (!m->missing) show_scope(*m, 0);
}

void report_version_check(const rtld::Module& target, const char* version, const rtld::Module& requirer) {
  print("checking for version `%s' in file %s [0] required by file %s [0]", version, name_of(target),
        name_of(requirer));
}

void report_relocation(const rtld::Module& m, bool lazy) {
  if (on(kReloc)) print("\nrelocation processing: %s%s", name_of(m), lazy ? " (lazy)" : "");
}

void report_loaded(const rtld::Module& m) {
  if (!on(kFiles) || m.missing) return;
  print("file=%s [%lu];  generating link map", m.is_main ? runtime.program_name : m.name, ns_of(m));
  // glibc's size: from the first segment's page to the end of the last one's memory.
  unsigned long low = ~0ul, high = 0;
  for (size_t i = 0; i < m.image.phnum; ++i)
    if (const rtld::elf::Phdr& p = m.image.phdr[i]; p.p_type == rtld::elf::PT_LOAD) {
      if ((p.p_vaddr & ~0xffful) < low) low = p.p_vaddr & ~0xffful;
      if (p.p_vaddr + p.p_memsz > high) high = p.p_vaddr + p.p_memsz;
    }
  print("  dynamic: 0x%016lx  base: 0x%016lx   size: 0x%016lx", reinterpret_cast<unsigned long>(m.image.dynamic),
        static_cast<unsigned long>(m.bias()), high - low);
  print("    entry: 0x%016lx  phdr: 0x%016lx  phnum: %18lu\n", static_cast<unsigned long>(m.image.entry),
        reinterpret_cast<unsigned long>(m.image.phdr), static_cast<unsigned long>(m.image.phnum));
}

// Before the search: a dlopened object names the caller, an object initialised already
// (glibc's __RTLD_CALLMAP); a dependency the object that needs it.
void report_loading(const char* name, const rtld::Module* requester) {
  if (requester)
    print("\nfile=%s [%lu];  %s by %s [%lu]", name, ns_of(*requester),
          requester->init_started ? "dynamically loaded" : "needed", name_of(*requester), ns_of(*requester));
}

void report_searched() { print(""); }

void print_statistics(bool final) {
  if (!on(kStatistics)) return;
  if (!final) {
    uint64_t total = cycles() - stats.start_cycles;
    auto pct = [&](uint64_t part) { return total ? static_cast<unsigned long>(part * 1000 / total) : 0ul; };
    print("");
    print("runtime linker statistics:");
    print("  total startup time in dynamic loader: %lu cycles", static_cast<unsigned long>(total));
    print("            time needed for relocation: %lu cycles (%lu.%lu%%)",
          static_cast<unsigned long>(stats.relocation_cycles), pct(stats.relocation_cycles) / 10,
          pct(stats.relocation_cycles) % 10);
    print("                 number of relocations: %lu", static_cast<unsigned long>(relocations.lookups));
    print("      number of relocations from cache: %lu", static_cast<unsigned long>(relocations.cache_hits));
    print("        number of relative relocations: %lu", static_cast<unsigned long>(relocations.relative));
    print("           time needed to load objects: %lu cycles (%lu.%lu%%)",
          static_cast<unsigned long>(stats.load_cycles), pct(stats.load_cycles) / 10, pct(stats.load_cycles) % 10);
  } else {
    print("");
    print("runtime linker statistics:");
    print("           final number of relocations: %lu", static_cast<unsigned long>(relocations.lookups));
    print("final number of relocations from cache: %lu", static_cast<unsigned long>(relocations.cache_hits));
  }
}

}  // namespace ldso::debug
