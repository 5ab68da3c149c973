// What ldd shows: LD_TRACE_LOADED_OBJECTS=1 (and --list) print each loaded object as glibc's
// ld.so prints it and exit without running the program; --verify says whether a file is a
// dynamically linked object this ld.so can run.
#include "rtld/graph.hpp"
#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "runtime.hpp"
#include "startup.hpp"

#include "arch/syscall.hpp"

namespace ldso {
namespace {

void write_out(const char* s, size_t n) {
  while (n) {
    long r = arch::syscall6(__NR_write, 1, reinterpret_cast<long>(s), static_cast<long>(n));
    if (r == -4) continue;
    if (r <= 0) return;
    s += r, n -= static_cast<size_t>(r);
  }
}

void add_address(rtld::Text<4096>& t, uintptr_t a) {
  rtld::Text<20> hex;
  hex.add_hex(a);
  t.add(" (0x");
  for (size_t i = hex.len; i < 16; ++i) t.add_char('0');
  t.add(hex.c_str()).add(")\n");
}

// ldd -v (LD_VERBOSE): every version each object needs, and the object that provides it.
void list_versions(Runtime& rt) {
  write_out("\n\tVersion information:\n", 23);
  for (const rtld::Module* m = rt.objects.first; m; m = m->next) {
    if (m->missing || !m->dyn.verneed) continue;
    rtld::Text<4096> t;
    t.add_char('\t').add(m->is_main ? rt.program_name : m->path).add(":\n");
    write_out(t.data, t.len);
    const rtld::elf::Verneed* vn = m->dyn.verneed;
    for (size_t i = 0; vn && i < m->dyn.verneednum; ++i) {
      const char* file = m->str(vn->vn_file);
      const rtld::Module* provider = rtld::find_loaded(rt.objects, file);
      auto* aux = reinterpret_cast<const rtld::elf::Vernaux*>(reinterpret_cast<const char*>(vn) + vn->vn_aux);
      for (size_t j = 0; j < vn->vn_cnt; ++j) {
        rtld::Text<4096> line;
        line.add("\t\t").add(file).add(" (").add(m->str(aux->vna_name)).add(") ");
        if (aux->vna_flags & rtld::elf::VER_FLG_WEAK) line.add("[WEAK] ");
        line.add("=> ").add(provider && !provider->missing ? provider->path : "not found").add("\n");
        write_out(line.data, line.len);
        if (!aux->vna_next) break;
        aux = reinterpret_cast<const rtld::elf::Vernaux*>(reinterpret_cast<const char*>(aux) + aux->vna_next);
      }
      if (!vn->vn_next) break;
      vn = reinterpret_cast<const rtld::elf::Verneed*>(reinterpret_cast<const char*>(vn) + vn->vn_next);
    }
  }
}

}  // namespace

void list_objects(Runtime& rt) {
  const rtld::Module* main = rt.objects.main;
  if (main->dyn.needed_end == 0 && !rt.options.preload) {
    write_out("\tstatically linked\n", 19);
    exit_process(0);
  }
  for (const rtld::Module* m = rt.objects.first; m; m = m->next) {
    if (m->is_main) continue;
    rtld::Text<4096> t;
    t.add_char('\t');
    if (m->missing) {
      t.add(m->name).add(" => not found\n");
    } else if (m->is_vdso || m->is_ldso || rtld::str_eq(m->name, m->path)) {
      t.add(m->path);
      add_address(t, m->image.start);
    } else {
      t.add(m->name).add(" => ").add(m->path);
      add_address(t, m->image.start);
    }
    write_out(t.data, t.len);
  }
}

void finish_listing(Runtime& rt) {
  if (rt.options.verbose) list_versions(rt);
  exit_process(0);
}

void list_objects_and_exit(Runtime& rt) {
  list_objects(rt);
  finish_listing(rt);
}

void list_unused_and_exit(Runtime& rt, const rtld::Module* const* used, size_t count) {
  // The program's direct dependencies, in DT_NEEDED order, that no definition came from.
  const rtld::Module* main = rt.objects.main;
  bool first = true;
  for (size_t i = 0; i < main->dep_count; ++i) {
    const rtld::Module* d = main->deps[i];
    bool is_used = false;
    for (size_t j = 0; j < count; ++j) is_used |= used[j] == d;
    if (is_used) continue;
    if (first) print_out("Unused direct dependencies:\n");
    first = false;
    print_out("\t");
    print_out(d->missing ? d->name : d->path);
    print_out("\n");
  }
  exit_process(first ? 0 : 1);
}

void verify_and_exit(Runtime& rt, const char* path) {
  // 0: a dynamically linked program (PT_DYNAMIC and PT_INTERP); 2: PT_DYNAMIC only (a
  // shared library); 1: not something this ld.so loads.
  rtld::Diagnostics diag;
  rtld::OpenedFile file;
  if (!rtld::open_library(diag, rt.arena, rt.search, path, nullptr, nullptr, file)) exit_process(1);
  bool ok = rtld::check_header(diag, path, file.head, file.head_len, file.id.size);
  if (!ok) exit_process(1);
  const auto* eh = reinterpret_cast<const rtld::elf::Ehdr*>(file.head);
  size_t bytes = size_t{eh->e_phnum} * sizeof(rtld::elf::Phdr);
  auto* ph = static_cast<rtld::elf::Phdr*>(rt.arena.allocate(bytes));
  if (!ph || rtld::platform::read_at(file.fd, ph, bytes, eh->e_phoff) != static_cast<intptr_t>(bytes))
    exit_process(1);
  bool dynamic = false, interp = false;
  for (size_t i = 0; i < eh->e_phnum; ++i) {
    dynamic |= ph[i].p_type == rtld::elf::PT_DYNAMIC;
    interp |= ph[i].p_type == rtld::elf::PT_INTERP;
  }
  exit_process(!dynamic ? 1 : interp ? 0 : 2);
}

}  // namespace ldso
