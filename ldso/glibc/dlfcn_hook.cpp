// The dlfcn hook: libc's dlopen, dlsym, dlerror and the rest each begin by calling through
// GLRO(dl_dlfcn_hook) when it is set (glibc's static programs reach the ld.so they loaded that
// way). ld.so sets it: libc's calls then come straight here, without libc's front end, which
// runs every call under _dl_catch_error (a setjmp) and keeps each failure in a malloc'd record.
// The behaviour is glibc's: the same work, lock, errors and dlerror() text.
#include "arch/machine.hpp"
#include "glibc.hpp"
#include "ldso/debug_log.hpp"
#include "ldso/runtime.hpp"
#include "ldso/startup.hpp"
#include "lookup.hpp"
#include "rtld/relocate.hpp"
#include "rtld/tls.hpp"

extern "C" void* __tls_get_addr(rtld::TlsIndex* index);
extern "C" void _dl_rtld_di_serinfo(void* map, void* info, bool counting);

namespace ldso::glibc {
namespace {

namespace lm = L::link_map;
using ldso::runtime;

// dlerror()'s state, one per thread, reached from its struct pthread through a word glibc 2.36
// leaves unused (header.unused_vgetcpu_cache[0]); the block lives as long as the thread's TCB.
struct ThreadError {
  size_t capacity;
  int errcode;
  bool pending;
  char text[];
};
struct ErrorSlot {
  ThreadError* error;
  uintptr_t unused;
};
ThreadError*& thread_error(void* tcb) { return at<L::pthread::header_unused_vgetcpu_cache, ErrorSlot>(tcb).error; }
ThreadError*& thread_error() { return thread_error(reinterpret_cast<void*>(arch::thread_pointer())); }

// Each call starts without an error (a constructor that dlopen runs sees none either).
void clear_error() {
  if (ThreadError* e = thread_error()) e->pending = false;
}

// Parts of a dlerror() text, copied one after another into the thread's block.
struct Piece {
  const char* text;
  size_t length;
};

// This thread's dlerror() block, with room for `need` bytes of text (null: no memory).
ThreadError* thread_buffer(size_t need) {
  ThreadError*& e = thread_error();
  if (!e || e->capacity < need) {
    auto* fresh = static_cast<ThreadError*>(allocate(sizeof(ThreadError) + need));
    if (!fresh) return nullptr;
    release(e);  // its error, if any, is being replaced (every caller has cleared it)
    e = fresh;
    e->capacity = need;
    e->pending = false;
  }
  return e;
}

void record_pieces(int errcode, const Piece* pieces, size_t count) {
  size_t need = 1;
  for (size_t i = 0; i < count; ++i) need += pieces[i].length;
  ThreadError* e = thread_buffer(need);
  if (!e) return;
  char* p = e->text;
  for (size_t i = 0; i < count; ++i) rtld::mem_copy(p, pieces[i].text, pieces[i].length), p += pieces[i].length;
  *p = '\0';
  e->errcode = errcode;
  e->pending = true;
}

// Records a failure as glibc's dlerror() words it: "object: text", and ": " and strerror's
// text when there is an errno (tn: the text's length, if known).
void record_error(int errcode, const char* object, const char* text, size_t tn = size_t(-1)) {
  const char* detail = nullptr;
  if (errcode) {
    static char* (*strerror)(int);
    if (!strerror) strerror = reinterpret_cast<char* (*)(int)>(libc_function(named("strerror")));
    if (strerror) detail = strerror(errcode);
  }
  size_t on = rtld::str_len(object);
  const Piece pieces[] = {{object, on},
                          {": ", on ? 2u : 0u},
                          {text, tn == size_t(-1) ? rtld::str_len(text) : tn},
                          {": ", detail ? 2u : 0u},
                          {detail, detail ? rtld::str_len(detail) : 0}};
  record_pieces(errcode, pieces, 5);
}

void record_undefined(const rtld::SymbolName& name, void* undef_map, const FoundVersion* version) {
  rtld::Text<512> t;
  const char* who = undefined_symbol(t, name.name, undef_map, version);
  record_error(0, who, t.c_str(), t.len);
}

void record_failure(const rtld::Diagnostics& d) {
  rtld::Text<512> message;
  message.add(d.message());
  int errcode = split_errno(message, d.error_number());
  record_error(errcode, d.object(), message.c_str());
}

constexpr int kModeMask = 3 | 4 | 8 | 0x100 | 0x1000 | 0x40000000;  // binding, NOLOAD, DEEPBIND, GLOBAL, NODELETE, __RTLD_SPROF
constexpr int kDlopenMode = int(0x80000000u);                        // __RTLD_DLOPEN
constexpr int kEinval = 22;

void* hook_open(const char* file, int mode, const void* caller, long nsid, bool report) {
  rtld::Diagnostics diag;
  void* map = open_map(diag, file, mode, caller, nsid);
  if (!map && diag.failed() && report) record_failure(diag);
  return map;
}

void* hook_dlopen(const char* file, int mode, void* caller) {
  clear_error();
  if (mode & ~kModeMask) return record_error(0, "", "invalid mode parameter"), nullptr;
  return hook_open(file ? file : "", mode | kDlopenMode, caller, file ? kCallerNamespace : 0, true);
}

void* hook_dlmopen(long nsid, const char* file, int mode, void* caller) {
  clear_error();
  if (nsid != 0 && !file) return record_error(kEinval, "", "invalid namespace"), nullptr;
  if (nsid != 0 && (mode & 0x100)) return record_error(kEinval, "", "invalid mode"), nullptr;
  return hook_open(file ? file : "", mode | kDlopenMode, caller, nsid, true);
}

void* hook_libc_dlopen_mode(const char* name, int mode) {
  return hook_open(name, mode, nullptr, kCallerNamespace, false);
}

int hook_close(void* map, bool report) {
  rtld::Diagnostics diag;
  if (close_map(diag, map)) return 0;
  if (report) record_failure(diag);
  return 1;
}

int hook_dlclose(void* map) {
  clear_error();
  return hook_close(map, true) ? -1 : 0;
}

int hook_libc_dlclose(void* map) { return hook_close(map, false); }

void* caller_map(const void* caller) {
  rtld::Module* m = module_containing(reinterpret_cast<uintptr_t>(caller));
  return link_map_of(m ? *m : *runtime.objects.main);
}

// dlsym and dlvsym (glibc's do_sym): the handle's own search list, the caller's global scope
// (RTLD_DEFAULT), or what follows the caller (RTLD_NEXT); a thread-local variable's address in
// this thread, an IFUNC's resolved address.
void* symbol(void* handle, const char* name, const char* version_name, const void* caller) {
  clear_error();
  auto* explicit_scopes = static_cast<void**>(address_of<lm::l_local_scope>(handle));
  // An open handle's own search list: its objects stay while it is open, so a remembered
  // answer is used without the lock (one whose address needs no work: no TLS, IFUNC, unique
  // symbol or ld.so stand-in), and a remembered failure's text is dlerror()'s at once. So are
  // RTLD_DEFAULT's answers for the program (whose record never goes away): failures, and
  // definitions in objects that are never unloaded (any other adds a dependency, under the lock).
  const bool explicit_handle = handle && handle != reinterpret_cast<void*>(-1l);
  const rtld::Module* main = runtime.objects.main;
  void** fast_scopes = nullptr;
  if (!version_name && !(debug::mask & ~unsigned{debug::kStatistics})) {
    if (explicit_handle) fast_scopes = explicit_scopes;
    else if (!handle && main && contains(*main, reinterpret_cast<uintptr_t>(caller)))
      fast_scopes = at<lm::l_scope, void**>(link_map_of(*main));
  }
  const bool fast = fast_scopes != nullptr;
  LookupCache::Key key;  // set and used only when `fast` (not zeroed: this path is hot)
  if (fast) {
    size_t n = rtld::str_len(name);
    key = {fast_scopes, nullptr, rtld::kLookupNewest, name_key(name, n), name, n, lookup_cache.now()};
    LookupCache::Answer answer;
    ThreadError* e = thread_buffer(LookupCache::kTextMax + 1);
    size_t text_length = 0;
    if (e && lookup_cache.find(key, answer, e->text, &text_length)) {
      const rtld::elf::Sym* d = answer.sym;
      if (!d && text_length) {
        e->text[text_length] = '\0';
        e->errcode = 0;
        e->pending = true;
        return nullptr;
      }
      unsigned type = d ? rtld::elf::st_type(d->st_info) : 0;
      if (d && (explicit_handle || answer.permanent) && type != rtld::elf::STT_TLS && type != rtld::elf::STT_GNU_IFUNC && !answer.module->is_ldso &&
          rtld::elf::st_bind(d->st_info) != rtld::elf::STB_GNU_UNIQUE && d->st_shndx != rtld::elf::SHN_ABS)
        return reinterpret_cast<void*>(answer.module->bias() + d->st_value);
    }
  }
  FoundVersion v{version_name, version_name ? rtld::sysv_hash(version_name) : 0, 1, nullptr};
  const FoundVersion* version = version_name ? &v : nullptr;
  rtld::SymbolName sym_name(name);
  LoadLock held;
  int flags = version ? 0 : 2;  // DL_LOOKUP_RETURN_NEWEST for dlsym
  void* skip = nullptr;
  void* match = handle;
  void** scopes = explicit_scopes;
  if (handle == nullptr) {  // RTLD_DEFAULT
    match = caller_map(caller);
    scopes = at<lm::l_scope, void**>(match);
    flags |= 1;  // DL_LOOKUP_ADD_DEPENDENCY
  } else if (handle == reinterpret_cast<void*>(-1l)) {  // RTLD_NEXT
    if (!module_containing(reinterpret_cast<uintptr_t>(caller)))
      return record_error(0, "", "RTLD_NEXT used in code not dynamically loaded"), nullptr;
    match = skip = caller_map(caller);
    void* l = match;
    while (at<lm::l_loader, void*>(l)) l = at<lm::l_loader, void*>(l);
    scopes = static_cast<void**>(address_of<lm::l_local_scope>(l));
  }
  rtld::SymbolMatch s = search_scopes(sym_name, scopes, version, flags, skip);
  if (!s) {
    record_undefined(sym_name, match, version);
    if (ThreadError* e = fast ? thread_error() : nullptr) lookup_cache.remember(key, {}, e->text, rtld::str_len(e->text));
    return nullptr;
  }
  const rtld::elf::Sym* ref = nullptr;
  void* definer = found(name, match, &ref, version, flags, s.sym, const_cast<rtld::Module*>(s.module));
  uintptr_t value;
  if (rtld::elf::st_type(ref->st_info) == rtld::elf::STT_TLS) {
    rtld::TlsIndex index{at<lm::l_tls_modid, size_t>(definer), ref->st_value};
    value = reinterpret_cast<uintptr_t>(__tls_get_addr(&index));
  } else {
    value = (ref->st_shndx == rtld::elf::SHN_ABS ? 0 : at<lm::l_addr, uintptr_t>(definer)) + ref->st_value;
  }
  if (rtld::elf::st_type(ref->st_info) == rtld::elf::STT_GNU_IFUNC) value = arch::call_ifunc_resolver(value);
  return reinterpret_cast<void*>(value);
}

void* hook_dlsym(void* handle, const char* name, void* caller) { return symbol(handle, name, nullptr, caller); }

void* hook_dlvsym(void* handle, const char* name, const char* version, void* caller) {
  return symbol(handle, name, version, caller);
}

// __libc_dlsym and __libc_dlvsym (libc's own look-ups, NSS and the like): no dlerror() state,
// no IFUNC resolution.
void* libc_symbol(void* map, const char* name, const char* version_name) {
  FoundVersion v{version_name, version_name ? rtld::sysv_hash(version_name) : 0, 1, nullptr};
  const FoundVersion* version = version_name ? &v : nullptr;
  LoadLock held;
  rtld::SymbolMatch s = search_scopes(rtld::SymbolName(name), static_cast<void**>(address_of<lm::l_local_scope>(map)), version,
                                      version ? 0 : 2, nullptr);
  if (!s) return nullptr;
  return reinterpret_cast<void*>(s.sym->st_shndx == rtld::elf::SHN_ABS ? s.sym->st_value
                                                                        : s.module->bias() + s.sym->st_value);
}

void* hook_libc_dlsym(void* map, const char* name) { return libc_symbol(map, name, nullptr); }

void* hook_libc_dlvsym(void* map, const char* name, const char* version) {
  return libc_symbol(map, name, version);
}

char* hook_dlerror() {
  ThreadError* e = thread_error();
  if (!e || !e->pending) return nullptr;
  e->pending = false;
  if (e->errcode) {
    static int* (*errno_location)();
    if (!errno_location) errno_location = reinterpret_cast<int* (*)()>(libc_function(named("__errno_location")));
    if (errno_location) *errno_location() = e->errcode;
  }
  return e->text;
}

// glibc's _dl_addr: the object holding an address and its nearest exported symbol at or below
// it (a symbol of size 0 only at its exact address).
struct DlInfo {
  const char* fname;
  void* fbase;
  const char* sname;
  void* saddr;
};

int address_info(const void* address, DlInfo* info, void** map_out, const rtld::elf::Sym** sym_out) {
  uintptr_t addr = reinterpret_cast<uintptr_t>(address);
  LoadLock held;
  rtld::Module* m = module_containing(addr);
  if (!m) return 0;
  void* l = link_map_of(*m);
  info->fname = at<lm::l_name, const char*>(l);
  if (!info->fname[0] && m->is_main) info->fname = runtime.process.argv[0];
  info->fbase = at<lm::l_map_start, void*>(l);
  const rtld::elf::Sym* best = nullptr;
  uintptr_t bias = m->bias();
  auto consider = [&](const rtld::elf::Sym& s) {
    uintptr_t v = bias + s.st_value;
    if ((s.st_shndx != rtld::elf::SHN_UNDEF || s.st_value) && s.st_shndx != rtld::elf::SHN_ABS &&
        rtld::elf::st_type(s.st_info) != rtld::elf::STT_TLS && addr >= v &&
        (((s.st_shndx == rtld::elf::SHN_UNDEF || !s.st_size) && addr == v) || addr < v + s.st_size) &&
        (!best || best->st_value < s.st_value) && s.st_name < m->dyn.strsz)
      best = &s;
  };
  const rtld::elf::Sym* symtab = m->dyn.symtab;
  if (m->gnu.buckets) {  // the symbols the GNU hash table lists (never local ones)
    for (uint32_t b = 0; b < m->gnu.nbuckets; ++b)
      if (uint32_t i = m->gnu.buckets[b]; i >= m->gnu.symoffset && i < m->gnu.symbol_end) {
        do consider(symtab[i]);
        while (!(m->gnu.chain[i++ - m->gnu.symoffset] & 1));
      }
  } else if (m->sysv.buckets) {  // every global or weak symbol that does not bind locally
    for (uint32_t i = 0; i < m->sysv.nchain; ++i) {
      unsigned bind = rtld::elf::st_bind(symtab[i].st_info), vis = symtab[i].st_other & 3;
      if ((bind == rtld::elf::STB_GLOBAL || bind == rtld::elf::STB_WEAK) && vis != 1 && vis != 2) consider(symtab[i]);
    }
  }
  if (map_out) *map_out = l;
  if (sym_out) *sym_out = best;
  info->sname = best ? m->str(best->st_name) : nullptr;
  info->saddr = best ? reinterpret_cast<void*>(bias + best->st_value) : nullptr;
  return 1;
}

int hook_dladdr(const void* address, DlInfo* info) { return address_info(address, info, nullptr, nullptr); }

int hook_dladdr1(const void* address, DlInfo* info, void** extra, int flags) {
  if (flags == 1) return address_info(address, info, nullptr, static_cast<const rtld::elf::Sym**>(static_cast<void*>(extra)));
  if (flags == 2) return address_info(address, info, extra, nullptr);
  return address_info(address, info, nullptr, nullptr);
}

int hook_dlinfo(void* handle, int request, void* arg) {
  clear_error();
  void* l = handle;
  switch (request) {
    case 1:  // RTLD_DI_LMID
      *static_cast<long*>(arg) = at<lm::l_ns, long>(l);
      return 0;
    case 2:  // RTLD_DI_LINKMAP
      *static_cast<void**>(arg) = l;
      return 0;
    case 4:           // RTLD_DI_SERINFO
    case 5: {         // RTLD_DI_SERINFOSIZE
      LoadLock held;  // (the loader's arena holds the expanded directories)
      _dl_rtld_di_serinfo(l, arg, request == 5);
      return 0;
    }
    case 6: {  // RTLD_DI_ORIGIN
      // The executable's, when not worked out yet, is now (from the loader's arena, under its
      // lock). ld.so and the vDSO have none (glibc's dlinfo crashes on them): the directory of
      // the object's name instead, "" for the vDSO's.
      LoadLock held;
      const char* origin = at<lm::l_origin, const char*>(l);
      if (!origin && l == link_map_of(*runtime.objects.main)) origin = main_origin();
      size_t n = origin ? rtld::str_len(origin) : 0;
      if (!origin) {
        origin = at<lm::l_name, const char*>(l);
        const char* slash = rtld::str_rchr(origin, '/');
        n = !slash ? 0 : slash == origin ? 1 : static_cast<size_t>(slash - origin);
      }
      rtld::mem_copy(arg, origin, n);
      static_cast<char*>(arg)[n] = '\0';
      return 0;
    }
    case 9:  // RTLD_DI_TLS_MODID
      *static_cast<size_t*>(arg) = at<lm::l_tls_modid, size_t>(l);
      return 0;
    case 10:  // RTLD_DI_TLS_DATA
      *static_cast<void**>(arg) = at<lm::l_tls_modid, size_t>(l) ? tls_get_addr_soft(l) : nullptr;
      return 0;
    case 11:  // RTLD_DI_PHDR
      *static_cast<const void**>(arg) = at<lm::l_phdr, const void*>(l);
      return at<lm::l_phnum, uint16_t>(l);
    default:  // RTLD_DI_CONFIGADDR (3) included
      record_error(0, "", "unsupported dlinfo request");
      return -1;
  }
}

// struct dlfcn_hook, in glibc's order.
void* const kDlfcnHook[] = {
    reinterpret_cast<void*>(&hook_dlopen),     reinterpret_cast<void*>(&hook_dlclose),
    reinterpret_cast<void*>(&hook_dlsym),      reinterpret_cast<void*>(&hook_dlvsym),
    reinterpret_cast<void*>(&hook_dlerror),    reinterpret_cast<void*>(&hook_dladdr),
    reinterpret_cast<void*>(&hook_dladdr1),    reinterpret_cast<void*>(&hook_dlinfo),
    reinterpret_cast<void*>(&hook_dlmopen),    reinterpret_cast<void*>(&hook_libc_dlopen_mode),
    reinterpret_cast<void*>(&hook_libc_dlsym), reinterpret_cast<void*>(&hook_libc_dlvsym),
    reinterpret_cast<void*>(&hook_libc_dlclose),
};
static_assert(sizeof kDlfcnHook == L::dlfcn_hook::kSize);
static_assert(L::dlfcn_hook::libc_dlclose::offset == 12 * sizeof(void*));

}  // namespace

void install_dlfcn_hook(void* r) { at<L::rtld_global_ro::dl_dlfcn_hook, const void*>(r) = kDlfcnHook; }

// A thread's dlerror() state: none pending in a new thread on a reused TCB; freed with the TCB.
void thread_tls_reset(void* tcb) {
  if (ThreadError* e = thread_error(tcb)) e->pending = false;
}

void thread_tls_released(void* tcb) {
  release(thread_error(tcb));
  thread_error(tcb) = nullptr;
}

}  // namespace ldso::glibc
