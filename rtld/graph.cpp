#include "graph.hpp"

#include "arch/machine.hpp"
#include "string.hpp"
#include "symbols.hpp"

namespace rtld {

void append_module(ObjectSet& set, Module* m) {
  m->prev = set.last;
  m->next = nullptr;
  // (seen whole by a walk of the list without the lock: see begin_lookup)
  __atomic_store_n(set.last ? &set.last->next : &set.first, m, __ATOMIC_RELEASE);
  set.last = m;
  ++set.count;
  m->listed = true;
}

void remove_module(ObjectSet& set, Module* m) {
  if (m->prev) m->prev->next = m->next;
  else set.first = m->next;
  if (m->next) m->next->prev = m->prev;
  else set.last = m->prev;
  // m->next is left as it is: a walk of the list without the lock may be on m.
  m->prev = nullptr;
  m->listed = false;
  --set.count;
}

bool build_closure(ObjectSet& set, Module& root) {
  if (root.closure) return true;
  uint32_t mark = 0;
  for (Module* m = set.first; m; m = m->next)
    if (m->visit_mark >= mark) mark = m->visit_mark + 1;
  Module** list = set.arena->make<Module*>(set.count ? set.count : 1);
  if (!list) return false;
  size_t n = 0;
  list[n++] = &root;
  root.visit_mark = mark;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < list[i]->dep_count; ++j) {
      Module* d = list[i]->deps[j];
      if (d->visit_mark == mark) continue;
      d->visit_mark = mark;
      list[n++] = d;
    }
  }
  // A filtee is searched just before its filter (as at start-up, see load_dependencies).
  for (size_t i = 0; i < n; ++i) {
    Module* filter = list[i];
    for (size_t j = 0; j < filter->dep_count && j < 64; ++j) {
      if (!(filter->filtee_deps >> j & 1)) continue;
      size_t at = i + 1;
      while (at < n && list[at] != filter->deps[j]) ++at;
      if (at == n) continue;  // already before it
      for (; at > i; --at) list[at] = list[at - 1];
      list[i++] = filter->deps[j];  // the filter moves one place down
    }
  }
  root.closure_count = n;  // (read after the array by a look-up without the lock)
  __atomic_store_n(&root.closure, list, __ATOMIC_RELEASE);
  return true;
}

Module* find_loaded(const ObjectSet& set, const char* name) {
  for (Module* m = set.first; m; m = m->next) {
    if ((m->name && str_eq(m->name, name)) || (m->path && str_eq(m->path, name)) ||
        (m->soname && str_eq(m->soname, name)))
      return m;
  }
  return nullptr;
}

const char* display_name(const Module& m) { return m.path ? m.path : (m.name ? m.name : ""); }

Module* make_module(Diagnostics& diag, ObjectSet& set, const Image& image, const char* path,
                    const char* name) {
  Module* m = set.arena->make<Module>();
  if (!m) {
    diag.fail(path, "cannot create shared object descriptor");
    return nullptr;
  }
  m->image = image;
  m->path = path;
  m->name = name;
  if (!image.dynamic) {
    if (image.type == elf::ET_DYN) {
      diag.fail(path, "object file has no dynamic section");
      set.arena->release(m);
      return nullptr;
    }
    return m;  // a static executable: nothing to decode
  }
  // The dynamic section's page is written too when it is in a writable segment (the GOT follows
  // it): written first, it faults once rather than twice. (Aligned only: a locked access that
  // splits a cache line can be fatal where the kernel detects split locks.)
  // The entries are read up to DT_NULL within the file's part of that segment, as glibc's
  // ld.so reads them: PT_DYNAMIC's size only says where they should end (found by fuzzing: a
  // program whose PT_DYNAMIC was made shorter lost its relocation entries, and crashed).
  const uintptr_t dynamic_at = reinterpret_cast<uintptr_t>(image.dynamic) - image.bias;
  for (size_t i = 0; i < image.phnum; ++i) {
    const elf::Phdr& p = image.phdr[i];
    if (p.p_type == elf::PT_LOAD && dynamic_at - p.p_vaddr < p.p_filesz) {
      m->image.dynamic_count = (p.p_vaddr + p.p_filesz - dynamic_at) / sizeof(elf::Dyn);
      if ((p.p_flags & elf::PF_W) && !(dynamic_at & 7))
        arch::touch_for_write(const_cast<elf::Dyn*>(image.dynamic));
      break;
    }
  }
  if (!decode_dynamic(diag, path, image.dynamic, m->image.dynamic_count, image.bias, image.start,
                      image.start + image.size, m->dyn, &image) ||
      !prepare_module(diag, *set.arena, *m)) {
    set.arena->release(m);
    return nullptr;
  }
  return m;
}

namespace {

enum class Pages { kCount, kSave, kRestore, kUnprotect };

// The writable segments: their size in memory, and (kSave, kRestore) the bytes they have from
// the file copied to or from `buffer`, where each segment has its size (kRestore zeroes their
// bss too), or (kUnprotect) their pages given their segment's protection again, RELRO undone
// (0 when that fails).
[[gnu::noinline]] size_t writable_pages(const Image& image, Pages what, uint8_t* buffer = nullptr) {
  const size_t page = platform::page_size();
  size_t total = 0;
  for (size_t i = 0; i < image.phnum; ++i) {
    const elf::Phdr& p = image.phdr[i];
    if (p.p_type != elf::PT_LOAD || !(p.p_flags & elf::PF_W)) continue;
    auto* seg = reinterpret_cast<uint8_t*>(image.bias + p.p_vaddr);
    if (what == Pages::kSave || what == Pages::kRestore) {
      uint8_t *to = seg, *from = buffer + total;
      if (what == Pages::kSave) to = from, from = seg;
      mem_copy(to, from, p.p_filesz);
      if (what == Pages::kRestore) mem_zero(seg + p.p_filesz, p.p_memsz - p.p_filesz);
    }
    uintptr_t start = align_down(reinterpret_cast<uintptr_t>(seg), page);
    if (what == Pages::kUnprotect &&
        platform::protect(
            start, align_up(reinterpret_cast<uintptr_t>(seg) + p.p_memsz, page) - start,
            platform::kRead | platform::kWrite | ((p.p_flags & elf::PF_X) ? platform::kExec : 0)) !=
            0)
      return 0;
    total += p.p_memsz;
  }
  return total + (what == Pages::kUnprotect);
}

// The kept image of `id`, taken off the list with its pages put back (its image copied to
// `image`); or nullptr.
KeptImage* take_kept(ObjectSet& set, const platform::FileId& id, Image& image) {
  for (KeptImage** p = &set.kept; *p; p = &(*p)->next) {
    KeptImage* k = *p;
    if (k->id.device != id.device || k->id.inode != id.inode || k->id.size != id.size ||
        k->id.changed != id.changed)
      continue;
    *p = k->next;
    writable_pages(k->image, Pages::kRestore, k->initial);
    image = k->image;
    return k;
  }
  return nullptr;
}

void release_kept(ObjectSet& set, KeptImage* k) {
  if (k) set.arena->release(k);  // (with its pages' copy after it)
}

}  // namespace

void retire_image(ObjectSet& set, Module& m, bool keep) {
  KeptImage* k = m.kept;
  m.kept = nullptr;
  // Writable again where RELRO made it read-only, ready for the pages to be put back.
  if (k && keep && !m.dyn.textrel && writable_pages(k->image, Pages::kUnprotect)) {
    k->next = set.kept;
    set.kept = k;
    // The oldest beyond kMaxKept goes.
    size_t n = 0;
    for (KeptImage* o = k; o; o = o->next)
      if (++n == ObjectSet::kMaxKept && (k = o->next)) {
        o->next = nullptr;
        unmap_image(k->image);
        release_kept(set, k);
        break;
      }
    return;
  }
  release_kept(set, k);
  unmap_image(m.image);
}

Module* load_object(Diagnostics& diag, ObjectSet& set, const SearchConfig& config,
                    const char* name, Module* requester) {
  if (Module* m = find_loaded(set, name)) return m;
  if (Module* self = set.ldso; self && !self->listed &&
      ((self->soname && str_eq(name, self->soname)) || (self->path && str_eq(name, self->path)))) {
    self->global = true;  // a DT_NEEDED on ld.so is the running ld.so
    // It takes its place in the search order, i.e. after the last object of the global
    // scope (before a vDSO listed after the executable, as glibc orders its chain).
    Module* after = set.last;
    while (after && !after->global) after = after->prev;
    append_module(set, self);
    if (after && after != set.last->prev) {
      remove_module(set, self);
      self->prev = after;
      self->next = after->next;
      after->next->prev = self;
      after->next = self;
      self->listed = true;
      ++set.count;
    }
    return self;
  }
  if (set.loading) set.loading(name, requester);
  OpenedFile file;
  Image image;
  // A kept image of the file named (by a path: no search), put back without opening it.
  KeptImage* k = nullptr;
  // (Asked only for a path a kept image was opened by: another file's dlopen costs no statx.)
  bool kept_path = false;
  for (KeptImage* o = has_slash(name) ? set.kept : nullptr; o && !kept_path; o = o->next)
    kept_path = str_eq(o->path, name);
  if (kept_path && platform::identify_path(name, &file.id) == 0 &&
      (k = take_kept(set, file.id, image))) {
    file.path = set.arena->copy_string(name);
  } else {
    bool opened = open_library(diag, *set.arena, config, name, requester, set.main, file);
    if (set.searched && !has_slash(name)) set.searched();
    if (!opened) return nullptr;
    // The same file under another name: share the loaded copy.
    for (Module* m = set.first; m; m = m->next) {
      if (m->has_file_id && m->device == file.id.device && m->inode == file.id.inode) {
        platform::close(file.fd);
        set.arena->release(file.path);
        return m;
      }
    }
    if (!(k = take_kept(set, file.id, image))) {
      ImageSource src{file.fd, nullptr, file.id.size, file.head, file.head_len};
      if (!load_image(diag, *set.arena, file.path, src, image, name)) {
        platform::close(file.fd);
        return nullptr;
      }
      // The writable segments as mapped, when small, for a reopen after the last dlclose
      // (with the program headers inside the mapping, which stays). Not for a file changed in
      // the last second: a change in place within the same tick of the clock could leave its
      // change time as it was, where a later one cannot.
      // (none are kept during start-up: a limit of 0)
      const size_t bytes = set.keep_limit ? writable_pages(image, Pages::kCount) : SIZE_MAX;
      const size_t path_bytes = str_len(file.path) + 1;
      if (bytes <= set.keep_limit && file.id.changed + 1000000000u < platform::time_of_day() &&
          reinterpret_cast<uintptr_t>(image.phdr) - image.start < image.size &&
          (k = static_cast<KeptImage*>(
               set.arena->allocate(sizeof(KeptImage) + bytes + path_bytes)))) {
        k->id = file.id;
        k->image = image;
        k->initial = reinterpret_cast<uint8_t*>(k + 1);
        writable_pages(image, Pages::kSave, k->initial);
        mem_copy(k->initial + bytes, file.path, path_bytes);
        k->path = reinterpret_cast<const char*>(k->initial + bytes);
      }
    }
    platform::close(file.fd);
  }
  Module* m = make_module(diag, set, image, file.path, set.arena->copy_string(name));
  if (!m || !m->image.dynamic) {
    if (m) diag.fail(name, "object file has no dynamic section");
    release_kept(set, k);
    unmap_image(image);
    return nullptr;
  }
  m->kept = k;
  // A new file whose SONAME equals a loaded object's is still loaded: glibc matches a
  // requested name against loaded SONAMEs (find_loaded), never a new file's SONAME.
  m->device = file.id.device;
  m->inode = file.id.inode;
  m->has_file_id = true;
  m->origin = origin_of(*set.arena, file.path);
  m->loader = requester;
  append_module(set, m);
  if (set.loaded) set.loaded(*m);
  return m;
}

bool load_dependencies(Diagnostics& diag, ObjectSet& set, const SearchConfig& config,
                       Module* from, bool tolerate_missing) {
  for (Module* m = from; m; m = m->next) {
    if (m->deps || !m->dyn.needed_end) continue;
    m->deps = set.arena->make<Module*>(m->dyn.needed_end);
    if (!m->deps) return diag.fail(m->path, "cannot allocate dependency list");
    Module* moved = nullptr;
    for (size_t i = 0; i < m->dyn.needed_end; ++i) {
      const elf::Dyn& d = m->image.dynamic[i];
      bool filter = (d.d_tag | 2) == elf::DT_FILTER;  // or DT_AUXILIARY
      if (d.d_tag != elf::DT_NEEDED && !filter) continue;
      if (d.d_val >= m->dyn.strsz) return diag.fail(m->path, "DT_NEEDED outside the string table");
      const char* name = m->str(static_cast<uint32_t>(d.d_val));
      Module* dep = load_object(diag, set, config, name, m);
      if (!dep && d.d_tag == elf::DT_AUXILIARY) {  // an auxiliary filtee is optional
        diag.clear();
        continue;
      }
      if (!dep && tolerate_missing) {
        diag.clear();
        dep = set.arena->make<Module>();
        if (!dep) return diag.fail(m->path, "cannot allocate memory");
        dep->name = set.arena->copy_string(name);
        dep->missing = true;
        dep->global = false;
        dep->relocated = true;
        append_module(set, dep);
      }
      if (!dep) return false;
      if (filter && m->dep_count < 64) m->filtee_deps |= uint64_t{1} << m->dep_count;
      m->deps[m->dep_count++] = dep;
      // A filtee goes just before its filter in the search order (as glibc's
      // _dl_map_object_deps places it), so lookups find its definitions first.
      bool later = false;
      for (Module* x = m->next; x && !later; x = x->next) later = x == dep;
      if (filter && later && dep->listed && m != set.main) {
        remove_module(set, dep);
        dep->prev = m->prev;
        dep->next = m;
        (m->prev ? m->prev->next : set.first) = dep;
        m->prev = dep;
        dep->listed = true;
        ++set.count;
        if (!moved) moved = dep;
      }
    }
    // A filtee moved before its filter: its own dependencies are loaded now.
    if (moved && !load_dependencies(diag, set, config, moved, tolerate_missing)) return false;
  }
  return true;
}

bool check_versions(Diagnostics& diag, const ObjectSet& set, Module& m,
                    const VersionReporter& reporter) {
  const DynamicInfo& d = m.dyn;
  const elf::Verneed* vn = d.verneed;
  bool ok = true;
  // One problem, worded as glibc words it: printed through the reporter (and the check goes
  // on), or without one a fatal problem fails into diag and warnings are dropped.
  auto problem = [&](const Module& target, const char* version, bool weak) {
    Text<512> t;
    if (!target.dyn.verdef) t.add("no version information available (required by ");
    else t.add(weak ? "weak version `" : "version `").add(version).add("' not found (required by ");
    t.add(display_name(m)).add(")");
    bool fatal = target.dyn.verdef && !weak;
    if (reporter.report) reporter.report(reporter.context, display_name(target), t.c_str(), fatal);
    else if (fatal) diag.fail(display_name(target), t.c_str());
    if (fatal) ok = false;
  };
  for (size_t i = 0; vn && i < d.verneednum; ++i) {
    const char* file = m.str(vn->vn_file);
    // (the object's own DT_NEEDED first: the file is one of them unless the object is odd)
    const Module* target = nullptr;
    for (size_t k = 0; k < m.dep_count && !target; ++k)
      if (const Module* dep = m.deps[k]; dep->soname && image_str_eq(dep->soname, file))
        target = dep;
    if (!target) target = find_loaded(set, file);
    auto* aux = reinterpret_cast<const elf::Vernaux*>(reinterpret_cast<const char*>(vn) + vn->vn_aux);
    // (A library ldd did not find has nothing to check, as glibc skips its stand-in.)
    for (size_t j = 0; target && !target->missing && j < vn->vn_cnt; ++j) {
      if (reporter.checking) reporter.checking(*target, m.str(aux->vna_name), m);
      // The target's definitions as prepare_versions indexed them (requirements have a file);
      // its table of definitions again if none matches (the base version, a damaged index).
      bool found = false;
      if (const Version* v = target->versions, *end = v + target->version_count; v) do {
          if (v->hash == aux->vna_hash && !v->file && v->name &&
              image_str_eq(v->name, m.str(aux->vna_name))) {
            found = true;
            break;
          }
        } while (++v != end);
      const elf::Verdef* vd = found ? nullptr : target->dyn.verdef;
      for (size_t k = 0; vd && k < target->dyn.verdefnum; ++k) {
        auto* vda = reinterpret_cast<const elf::Verdaux*>(reinterpret_cast<const char*>(vd) + vd->vd_aux);
        // (names in the two objects' string tables)
        if (vd->vd_hash == aux->vna_hash &&
            image_str_eq(target->str(vda->vda_name), m.str(aux->vna_name))) {
          found = true;
          break;
        }
        if (!vd->vd_next) break;
        vd = reinterpret_cast<const elf::Verdef*>(reinterpret_cast<const char*>(vd) + vd->vd_next);
      }
      if (!found) {
        problem(*target, m.str(aux->vna_name), (aux->vna_flags & elf::VER_FLG_WEAK) != 0);
        if (!ok && !reporter.report) return false;
      }
      if (!aux->vna_next) break;
      aux = reinterpret_cast<const elf::Vernaux*>(reinterpret_cast<const char*>(aux) + aux->vna_next);
    }
    if (!vn->vn_next) break;
    vn = reinterpret_cast<const elf::Verneed*>(reinterpret_cast<const char*>(vn) + vn->vn_next);
  }
  m.versions_checked = true;
  return ok;
}

void wait_for_lookups(ObjectSet& set) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // what was taken out is seen by the look-ups to come
  while (__atomic_load_n(&set.lookups, __ATOMIC_ACQUIRE)) platform::yield();
}

bool build_global_scope(ObjectSet& set, Module* const* added, size_t added_count) {
  auto* block = set.arena->make<size_t>(set.count + 1);  // the length, then the array
  if (!block) return false;
  auto** scope = reinterpret_cast<Module**>(block + 1);
  uint32_t mark = 1;
  for (Module* m = set.first; m; m = m->next)
    if (m->visit_mark >= mark) mark = m->visit_mark + 1;
  // The old scope's objects (all still listed: one is unloaded only after a rebuild without
  // it), then `added`, then the list; each global object once.
  size_t n = 0;
  Module* next = set.first;
  for (int pass = 0; pass < 3; ++pass)
    for (size_t i = 0; pass < 2 ? i < (pass ? added_count : set.scope_count) : next != nullptr; ++i) {
      Module* m = pass == 0 ? set.scope[i] : pass == 1 ? added[i] : next;
      if (pass == 2) next = next->next;
      if (m->global && m->visit_mark != mark && n < set.count) {
        m->visit_mark = mark;
        scope[n++] = m;
      }
    }
  block[0] = n;
  Module** old = set.scope;
  __atomic_store_n(&set.scope, scope, __ATOMIC_RELEASE);
  set.scope_count = n;
  if (old) {
    wait_for_lookups(set);
    set.arena->release(reinterpret_cast<size_t*>(old) - 1);
  }
  return true;
}

namespace {
// Depth-first: dependencies first, each object once; `out` receives the finish order. The
// executable is never entered as a dependency (a library may need it by its SONAME), as in
// glibc's sort.
void visit(Module* m, const Module* main, uint32_t mark, Module** out, size_t& n) {
  if (m->visit_mark == mark) return;
  m->visit_mark = mark;
  for (size_t i = 0; i < m->dep_count; ++i)
    if (m->deps[i] != main) visit(m->deps[i], main, mark, out, n);
  out[n++] = m;
}
}  // namespace

size_t initialization_order(ObjectSet& set, Module** out) {
  static_assert(sizeof(uint32_t) == 4);
  uint32_t mark = set.first ? set.first->visit_mark + 1 : 1;
  for (Module* m = set.first; m; m = m->next)
    if (m->visit_mark >= mark) mark = m->visit_mark + 1;
  size_t n = 0;
  // glibc starts its walk from the most recently loaded object.
  for (Module* m = set.last; m; m = m->prev) visit(m, set.main, mark, out, n);
  return n;
}

}  // namespace rtld
