// The functions libc.so.6 calls in ld.so: the GLRO function pointers (symbol lookup, dlopen,
// error catching, TLS, _dl_find_object) and the GLIBC_PRIVATE exports.
#include <cstdarg>

#include "arch/machine.hpp"
#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "libdl/loader.hpp"
#include "rtld/search.hpp"
#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "rtld/symbols.hpp"
#include "ldso/debug_log.hpp"
#include "ldso/format.hpp"
#include "state.hpp"

#define EXPORT extern "C" __attribute__((visibility("default")))

extern "C" void* __tls_get_addr(rtld::TlsIndex* index);
extern "C" void _dl_rtld_di_serinfo(void* map, void* info, bool counting);

namespace ldso::glibc {
namespace {

namespace ro_ = L::rtld_global_ro;
namespace lm = L::link_map;

struct DlException {  // struct dl_exception
  const char* objname;
  const char* errstring;
  char* message_buffer;
};
static_assert(sizeof(DlException) == L::dl_exception::kSize);

const char kOutOfMemory[] = "out of memory";

void fill_exception(DlException* e, const char* objname, const char* errstring, size_t errlen = size_t(-1)) {
  if (!objname) objname = "";
  size_t on = rtld::str_len(objname) + 1;
  size_t en = (errlen != size_t(-1) ? errlen : rtld::str_len(errstring)) + 1;
  auto* buf = static_cast<char*>(allocate(on + en));
  if (!buf) {
    e->objname = "";
    e->errstring = kOutOfMemory;
    e->message_buffer = nullptr;
    return;
  }
  rtld::mem_copy(buf, errstring, en);
  rtld::mem_copy(buf + en, objname, on);
  e->errstring = buf;
  e->objname = buf + en;
  // Buffers from before libc's allocator took over are never freed.
  e->message_buffer = libc.free ? buf : nullptr;
}

// Raises an error the way glibc's ld.so does: through libc's catcher, else fatally.
// (An exception made here and raised with libc's _dl_signal_exception, as glibc's ld.so raises
// its own: libc's _dl_signal_error would bind its lazy call to _dl_exception_create.)
[[noreturn]] void signal_error(int errcode, const char* objname, const char* occasion, const char* text,
                               size_t text_length = size_t(-1)) {
  if (libc.signal_exception) {
    DlException e;
    if (text) fill_exception(&e, objname, text, text_length);
    else fill_exception(&e, objname, "DYNAMIC LINKER BUG!!!");
    libc.signal_exception(errcode, &e, occasion);
  }
  if (libc.signal_error) libc.signal_error(errcode, objname, occasion, text);
  rtld::Diagnostics d;
  d.fail(objname ? objname : "", text);
  if (occasion) d.set_occasion(occasion);
  fatal(d);
}

rtld::Module* module_containing(uintptr_t pc);

// libc's recursive GL(dl_load_lock): dlopen, dlclose and libc's dlsym all hold it.
struct LoadLock {
  LoadLock() { if (libc.mutex_lock) libc.mutex_lock(lock()); }
  ~LoadLock() { if (libc.mutex_unlock) libc.mutex_unlock(lock()); }
  static void* lock() { return address_of<L::rtld_global::dl_load_lock>(rg()); }
};

// A failure's text as libc's dlerror() takes it: a failure with an errno is returned as the
// number and the message without its errno text, for dlerror() to word with strerror (and set
// errno) as it does for glibc's ld.so.
int split_errno(rtld::Text<512>& message, int err) {
  int errcode = 0;
  size_t end = message.len, cut = end;
  if (const char* text = err ? rtld::errno_text(err) : nullptr) {
    cut = end - rtld::str_len(text);
    errcode = err;
  } else {  // "Error N", an errno ld.so has no text for
    while (cut && message.data[cut - 1] >= '0' && message.data[cut - 1] <= '9') --cut;
    for (size_t i = cut; i < end; ++i) errcode = errcode * 10 + (message.data[i] - '0');
    cut -= 6;  // "Error "
  }
  if (errcode && cut < end && cut >= 2 && rtld::str_eq_n(message.data + cut - 2, ": ", 2)) {
    message.len = cut - 2;
    message.data[message.len] = '\0';
    return errcode;
  }
  return 0;
}

[[noreturn]] void signal_failure(const rtld::Diagnostics& d) {
  // Copy the text out: the lock is released before libc's catcher unwinds.
  rtld::Text<512> object, message;
  object.add(d.object());
  message.add(d.message());
  int errcode = split_errno(message, d.error_number());
  signal_error(errcode, object.c_str(), nullptr, message.c_str());
}

// The namespace an object belongs to (l_ns), the base one for none.
dl::Loader& namespace_of(const rtld::Module* m) {
  dl::Loader* ns = m ? dl::find_namespace(runtime.loader, namespace_id(*m)) : nullptr;
  return ns ? *ns : runtime.loader;
}

// The key of a name in the dlsym cache: its bytes a word at a time (cheaper than the GNU
// hash, which a remembered answer does not need).
[[gnu::noinline]] uint32_t name_key(const char* name, size_t n) {
  uint64_t h = n * 0x9e3779b97f4a7c15ull, w;
  if (n >= 8) {  // whole words, the last one overlapping
    for (size_t i = 0; i + 8 < n; i += 8) __builtin_memcpy(&w, name + i, 8), h = (h ^ w) * 0xff51afd7ed558ccdull;
    __builtin_memcpy(&w, name + n - 8, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    __builtin_memcpy(&a, name, 4), __builtin_memcpy(&b, name + n - 4, 4);
    w = uint64_t{a} << 32 | b;
  } else {
    w = n ? static_cast<unsigned char>(name[0]) << 16 | static_cast<unsigned char>(name[n / 2]) << 8 |
                static_cast<unsigned char>(name[n - 1])
          : 0;
  }
  return static_cast<uint32_t>(((h ^ w) * 0xff51afd7ed558ccdull) >> 32);
}

// dlsym's answers, remembered until an object is loaded or unloaded: programs look the same
// names up again and again (plugin entry points, RTLD_NEXT wrappers, feature probes), and the
// absent ones most expensively. Unversioned lookups of names up to kNameMax bytes; a
// direct-mapped table indexed by name_key. An absent answer for a handle also keeps the
// dlerror() text it gave.
class LookupCache {
 public:
  static constexpr size_t kNameMax = 47, kTextMax = 160;
  struct Key {
    void** scopes;
    void* skip_map;
    unsigned flags;
    uint32_t hash;  // name_key
    const char* name;
    size_t length;        // strlen(name)
    uint64_t generation;  // when the search began: an answer found then is current only then
  };
  struct Answer {
    const rtld::elf::Sym* sym;  // null: not defined in these scopes
    rtld::Module* module;
    bool permanent;  // the definer is never unloaded (loaded at start-up, or NODELETE)
  };

  // Bumped before and after every change to the objects or their scopes.
  void invalidate() { __atomic_add_fetch(&generation_, 1, __ATOMIC_RELEASE); }
  uint64_t now() const { return __atomic_load_n(&generation_, __ATOMIC_ACQUIRE); }

  // Without a lock: each entry is a seqlock (odd while written), and a torn read is a miss.
  // `text` (kTextMax bytes), if given, receives a remembered dlerror() text, its length in
  // *text_length (0 if none).
  bool find(const Key& k, Answer& out, char* text = nullptr, size_t* text_length = nullptr) const {
    const Entry& e = entries_[k.hash % kEntries];
    unsigned seq = __atomic_load_n(&e.seq, __ATOMIC_ACQUIRE);
    bool hit = !(seq & 1) && e.generation == __atomic_load_n(&generation_, __ATOMIC_ACQUIRE) &&
               e.key.scopes == k.scopes && e.key.skip_map == k.skip_map && e.key.flags == k.flags &&
               e.key.hash == k.hash && e.key.length == k.length && rtld::mem_eq(e.name, k.name, k.length);
    Answer a = e.answer;
    if (hit && text) rtld::mem_copy(text, e.text, *text_length = e.text_length);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!hit || __atomic_load_n(&e.seq, __ATOMIC_RELAXED) != seq) return false;
    out = a;
    return true;
  }

  void remember(const Key& k, const Answer& a, const char* text = nullptr, size_t text_length = 0) {
    size_t n = k.length;
    if (n > kNameMax || text_length >= kTextMax || !try_lock()) return;
    Entry& e = entries_[k.hash % kEntries];
    __atomic_store_n(&e.seq, e.seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    e.generation = k.generation, e.key = k, e.answer = a;
    rtld::mem_copy(e.name, k.name, n + 1);
    e.key.name = e.name;
    rtld::mem_copy(e.text, text, e.text_length = text ? text_length : 0);
    __atomic_store_n(&e.seq, e.seq + 1, __ATOMIC_RELEASE);
    unlock();
  }

 private:
  static constexpr size_t kEntries = 32;
  struct Entry {
    unsigned seq = 0;
    uint64_t generation = 0;  // never current: generation_ starts at 1
    Key key{};
    Answer answer{};
    char name[kNameMax + 1];
    size_t text_length = 0;
    char text[kTextMax];
  };
  // Writers exclude each other (libc's dlsym holds the load lock, other callers may not): a
  // busy cache is not written.
  bool try_lock() { return !__atomic_test_and_set(&busy_, __ATOMIC_ACQUIRE); }
  void unlock() { __atomic_clear(&busy_, __ATOMIC_RELEASE); }

  uint64_t generation_ = 1;
  bool busy_ = false;
  Entry entries_[kEntries];
};

LookupCache lookup_cache;

void objects_changing() { lookup_cache.invalidate(); }

// The dlmopen namespace ids of <dlfcn.h>, and glibc's id for "the caller's namespace".
constexpr long kNewNamespace = -1, kCallerNamespace = -2;

unsigned main_opens = 1;  // glibc's l_direct_opencount of the executable (LD_DEBUG=files)

// dlopen's work (libc's _dl_open or the dlfcn hook): the object's link_map, or null with the
// reason in diag (null without one: RTLD_NOLOAD of an object not loaded).
void* open_map(rtld::Diagnostics& diag, const char* file, int mode, const void* caller, long nsid) {
  rtld::Module* m = nullptr;
  {
    LoadLock held;
    rtld::Module* from = module_containing(reinterpret_cast<uintptr_t>(caller));
    dl::Loader* ns = &runtime.loader;
    if (!(mode & 3)) {
      // RTLD_LAZY or RTLD_NOW is missing: refused before anything else (in the base).
    } else if (nsid == kNewNamespace) {
      ns = new_namespace();
      if (!ns) diag.fail(file, "no more namespaces available for dlmopen()", "Invalid argument");
    } else if (nsid == kCallerNamespace) {
      ns = &namespace_of(from);
    } else {
      ns = dl::find_namespace(runtime.loader, nsid);
      if (!ns) diag.fail(file, "invalid target namespace in dlmopen()", "Invalid argument");
    }
    objects_changing();
    if (ns) m = open_object(diag, *ns, file, mode & 0xffffff, from ? from : runtime.objects.main);
    objects_changing();
  }
  if (!m) return nullptr;
  // glibc's l_direct_opencount (the executable's, for dlopen(NULL), counted here: it starts at 1).
  if (debug::on(debug::kFiles))
    debug::print("opening file=%s [%lu]; direct_opencount=%u\n", m->is_main ? "" : m->path,
                  static_cast<unsigned long>(namespace_id(*m)), m->is_main ? ++main_opens : m->direct_opens);
  return link_map_of(*m);
}

void* dl_open(const char* file, int mode, const void* caller, long nsid, int, char**, char**) {
  rtld::Diagnostics diag;
  void* map = open_map(diag, file, mode, caller, nsid);
  if (!map && diag.failed()) signal_failure(diag);
  return map;
}

// dlclose's work: false with the reason in diag.
bool close_map(rtld::Diagnostics& diag, void* map) {
  LoadLock held;
  rtld::Module* m = module_of(map);
  unsigned left = !m ? 0 : m->is_main ? --main_opens : m->direct_opens - 1;
  if (debug::on(debug::kFiles) && m && left && (m->direct_opens || m->is_main))
    debug::print("\nclosing file=%s; direct_opencount=%u", m->is_main ? "" : m->path, left);
  objects_changing();
  bool ok = m && close_object(diag, namespace_of(m), m);
  objects_changing();
  if (!m) diag.fail("", "invalid handle");
  return ok;
}

void dl_close(void* map) {
  rtld::Diagnostics diag;
  if (!close_map(diag, map)) signal_failure(diag);
}

void error_free(void* p) {
  if (p != kOutOfMemory) release(p);
}

void libc_freeres() {}

void debug_printf(const char* fmt, ...) {
  // libc prints "initialize program" and "transferring control" through this (LD_DEBUG=libs).
  va_list ap;
  va_start(ap, fmt);
  rtld::Text<2048> t;
  ldso::format(t, fmt, ap);
  va_end(ap);
  if (t.len && t.data[t.len - 1] == '\n') t.data[--t.len] = 0;
  debug::print("%s", t.c_str());
}

// struct r_found_version {name, hash, hidden, filename}
struct FoundVersion {
  const char* name;
  uint32_t hash;
  int hidden;
  const char* filename;
};

// _dl_lookup_symbol_x: libc's dlsym/dlvsym and the vDSO IFUNCs go through this.
void* found(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref, const FoundVersion* version,
            int flags, const rtld::elf::Sym* sym, rtld::Module* m);
void* not_found(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref, const FoundVersion* version);

// The definition lookup_symbol_x finds for a name in a scope list (null: none).
rtld::SymbolMatch search_scopes(const rtld::SymbolName& name, void** scopes, const FoundVersion* version, int flags,
                                void* skip_map) {
  const char* undef_name = name.name;
  rtld::Version want;
  if (version) want = rtld::Version{version->name, version->hash, version->hidden != 0, version->filename};
  unsigned lookup_flags = (flags & 2 /* DL_LOOKUP_RETURN_NEWEST */) ? unsigned{rtld::kLookupNewest} : 0u;
  const bool cacheable = !version && !(debug::mask & (debug::kSymbols | debug::kBindings));
  const uint32_t hash = cacheable ? name_key(undef_name, name.length) : 0;
  const LookupCache::Key key{scopes, skip_map, lookup_flags, hash, undef_name, name.length, lookup_cache.now()};
  LookupCache::Answer answer{};
  if (cacheable && lookup_cache.find(key, answer)) return {answer.sym, answer.module};
  // With skip_map (RTLD_NEXT) the search starts after it in the first scope.
  unsigned start = 0;
  if (skip_map && scopes && scopes[0]) {
    auto** list = at<L::r_scope_elem::r_list, void**>(scopes[0]);
    unsigned n = at<L::r_scope_elem::r_nlist, unsigned>(scopes[0]);
    while (start < n && list[start] != skip_map) ++start;
    if (start == n) start = 0;
  }
  const rtld::BloomProbe probe(name.gnu);
  for (size_t s = 0; scopes && scopes[s]; ++s, start = 0) {
    auto** list = at<L::r_scope_elem::r_list, void**>(scopes[s]);
    unsigned n = at<L::r_scope_elem::r_nlist, unsigned>(scopes[s]);
    for (unsigned i = start; i < n; ++i) {
      if (list[i] == skip_map) continue;
      rtld::Module* m = module_of(list[i]);
      if (m && debug::on(debug::kSymbols)) [[unlikely]] debug::report_lookup(undef_name, *m);
      if (!m || probe.rejects(*m)) continue;
      if (const rtld::elf::Sym* sym = rtld::find_in_module(*m, name, version ? &want : nullptr, lookup_flags)) {
        if (cacheable) lookup_cache.remember(key, {sym, m, !m->dynamic || m->nodelete});
        return {sym, m};
      }
    }
  }
  if (cacheable) lookup_cache.remember(key, {});
  return {};
}

void* lookup_symbol_x(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref,
                      void** scopes, const FoundVersion* version, int type_class, int flags,
                      void* skip_map) {
  rtld::SymbolMatch s = search_scopes(rtld::SymbolName(undef_name), scopes, version, flags, skip_map);
  return s ? found(undef_name, undef_map, ref, version, flags, s.sym, const_cast<rtld::Module*>(s.module))
           : not_found(undef_name, undef_map, ref, version);
}

// lookup_symbol_x's answer when `sym` of `m` is the definition.
void* found(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref, const FoundVersion* version,
            int flags, const rtld::elf::Sym* sym, rtld::Module* m) {
  // Unique symbols, and DL_LOOKUP_ADD_DEPENDENCY (dlsym(RTLD_DEFAULT)): a dlopened definer
  // stays as long as the object that looked it up.
  rtld::Module* referrer = module_of(undef_map);
  bool unique = rtld::elf::st_bind(sym->st_info) == rtld::elf::STB_GNU_UNIQUE;
  rtld::SymbolMatch match{sym, m};
  if (unique || (flags & 1))
    match = dl::bound(namespace_of(referrer), referrer, rtld::SymbolName(undef_name), match, (flags & 1) != 0);
  if (debug::on(debug::kBindings)) [[unlikely]]
    if (referrer)
      debug::report_named_binding(*referrer, *match.module, undef_name, version ? version->name : nullptr,
                                  *ref && rtld::elf::st_visibility((*ref)->st_other) == rtld::elf::STV_PROTECTED);
  *ref = match.sym;
  // ld.so's stand-in in another namespace: the definition is the real one's.
  if (match.module->is_ldso && runtime.objects.ldso) return link_map_of(*runtime.objects.ldso);
  return link_map_of(*match.module);
}

// The object a failed look-up is reported against: the referrer, or the program by its name.
const char* reported_object(void* undef_map) {
  rtld::Module* m = module_of(undef_map);
  return m && !m->is_main ? m->path : (runtime.process.argv[0] ? runtime.process.argv[0] : "<main program>");
}

// glibc's error for a name nothing defines (reported under LD_DEBUG as glibc's
// _dl_signal_cexception does); returns the object it is reported against.
const char* undefined_symbol(rtld::Text<512>& t, const char* undef_name, void* undef_map, const FoundVersion* version) {
  constexpr char kUndefined[] = "undefined symbol: ";
  t.add(kUndefined, sizeof kUndefined - 1).add(undef_name);
  if (version) t.add(", version ").add(version->name);
  const char* who = reported_object(undef_map);
  if (debug::mask & ~unsigned{debug::kStatistics})
    debug::print("%s: error: %s: %s (fatal)", who, "symbol lookup error", t.c_str());
  return who;
}

// lookup_symbol_x's answer when nothing defines the name: an error unless the reference is weak.
void* not_found(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref, const FoundVersion* version) {
  bool weak = *ref && rtld::elf::st_bind((*ref)->st_info) == rtld::elf::STB_WEAK;
  *ref = nullptr;
  if (!weak) {
    rtld::Text<512> t;
    const char* who = undefined_symbol(t, undef_name, undef_map, version);
    signal_error(0, who, "symbol lookup error", t.c_str(), t.len);
  }
  return nullptr;
}

// struct dl_find_object
struct FindObject {
  unsigned long long flags;
  void* map_start;
  void* map_end;
  void* link_map;
  void* eh_frame;
  unsigned long long reserved[7];
};
static_assert(sizeof(FindObject) == L::dl_find_object::kSize);

// Whether pc is inside one of m's segments (not merely its span, which may have gaps).
bool contains(const rtld::Module& m, uintptr_t pc) {
  if (pc < m.image.start || pc >= m.image.start + m.image.size) return false;
  for (size_t i = 0; i < m.image.phnum; ++i) {
    const rtld::elf::Phdr& p = m.image.phdr[i];
    if (p.p_type == rtld::elf::PT_LOAD && pc >= m.bias() + p.p_vaddr && pc < m.bias() + p.p_vaddr + p.p_memsz)
      return true;
  }
  return false;
}

// The object (of any namespace) whose segments contain pc.
rtld::Module* module_containing(uintptr_t pc) {
  rtld::Module* found = nullptr;
  for_each_object([&](rtld::Module& m) {
    if (!found && contains(m, pc)) found = &m;
  });
  return found;
}

int find_object(void* pc, FindObject* result) {
  rtld::Module* m = module_containing(reinterpret_cast<uintptr_t>(pc));
  if (!m) return -1;
  result->flags = 0;
  result->map_start = reinterpret_cast<void*>(m->image.start);
  result->map_end = reinterpret_cast<void*>(m->image.start + m->image.size);
  result->link_map = link_map_of(*m);
  result->eh_frame = nullptr;
  for (size_t i = 0; i < m->image.phnum; ++i)
    if (m->image.phdr[i].p_type == rtld::elf::PT_GNU_EH_FRAME)
      result->eh_frame = reinterpret_cast<void*>(m->bias() + m->image.phdr[i].p_vaddr);
  return 0;
}

void mcount(uintptr_t, uintptr_t) {}

// ---- The dlfcn hook ----------------------------------------------------------------------
// libc's dlopen, dlsym, dlerror and the rest each begin by calling through
// GLRO(dl_dlfcn_hook) when it is set (glibc's static programs reach the ld.so they loaded that
// way). ld.so sets it: libc's calls then come straight here, without libc's front end, which
// runs every call under _dl_catch_error (a setjmp) and keeps each failure in a malloc'd record.
// The behaviour is glibc's: the same work, lock, errors and dlerror() text.

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
    if (!strerror) strerror = reinterpret_cast<char* (*)(int)>(libc_function("strerror"));
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
    if (!errno_location) errno_location = reinterpret_cast<int* (*)()>(libc_function("__errno_location"));
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
      if (uint32_t i = m->gnu.buckets[b])
        do consider(symtab[i]);
        while (!(m->gnu.chain[i++ - m->gnu.symoffset] & 1));
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
    case 4:  // RTLD_DI_SERINFO
    case 5:  // RTLD_DI_SERINFOSIZE
      _dl_rtld_di_serinfo(l, arg, request == 5);
      return 0;
    case 6: {  // RTLD_DI_ORIGIN
      const char* origin = at<lm::l_origin, const char*>(l);
      rtld::mem_copy(arg, origin, rtld::str_len(origin) + 1);
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

void lock_loading() {
  if (libc.mutex_lock) libc.mutex_lock(LoadLock::lock());
}

void unlock_loading() {
  if (libc.mutex_unlock) libc.mutex_unlock(LoadLock::lock());
}

void install_function_pointers() {
  void* r = ro();
  at<ro_::dl_debug_printf, void*>(r) = reinterpret_cast<void*>(&debug_printf);
  at<ro_::dl_mcount, void*>(r) = reinterpret_cast<void*>(&mcount);
  at<ro_::dl_lookup_symbol_x, void*>(r) = reinterpret_cast<void*>(&lookup_symbol_x);
  at<ro_::dl_open, void*>(r) = reinterpret_cast<void*>(&dl_open);
  at<ro_::dl_close, void*>(r) = reinterpret_cast<void*>(&dl_close);
  at<ro_::dl_error_free, void*>(r) = reinterpret_cast<void*>(&error_free);
  at<ro_::dl_tls_get_addr_soft, void*>(r) = reinterpret_cast<void*>(&tls_get_addr_soft);
  at<ro_::dl_libc_freeres, void*>(r) = reinterpret_cast<void*>(&libc_freeres);
  at<ro_::dl_find_object, void*>(r) = reinterpret_cast<void*>(&find_object);
  // Not while LD_DEBUG shows symbol look-ups: glibc's output includes the calls libc's own
  // front end makes into ld.so (its first _dl_find_dso_for_object, bound lazily).
  if (!(debug::mask & (debug::kSymbols | debug::kBindings))) at<ro_::dl_dlfcn_hook, const void*>(r) = kDlfcnHook;
}

// A thread's dlerror() state: none pending in a new thread on a reused TCB; freed with the TCB.
void thread_tls_reset(void* tcb) {
  if (ThreadError* e = thread_error(tcb)) e->pending = false;
}

void thread_tls_released(void* tcb) {
  release(thread_error(tcb));
  thread_error(tcb) = nullptr;
}

}  // namespace ldso::glibc

using namespace ldso::glibc;

EXPORT void* _dl_find_dso_for_object(uintptr_t addr) {
  rtld::Module* m = module_containing(addr);
  return m ? link_map_of(*m) : nullptr;
}

EXPORT void _dl_exception_create(DlException* e, const char* objname, const char* errstring) {
  fill_exception(e, objname, errstring);
}

EXPORT void _dl_exception_create_format(DlException* e, const char* objname, const char* fmt, ...) {
  rtld::Text<2048> t;
  va_list ap;
  va_start(ap, fmt);
  ldso::format(t, fmt, ap);
  va_end(ap);
  fill_exception(e, objname, t.c_str());
}

EXPORT void _dl_exception_free(DlException* e) {
  release(e->message_buffer);
  e->objname = e->errstring = nullptr;
  e->message_buffer = nullptr;
}

EXPORT [[noreturn]] void _dl_fatal_printf(const char* fmt, ...) {
  rtld::Text<2048> t;
  va_list ap;
  va_start(ap, fmt);
  ldso::format(t, fmt, ap);
  va_end(ap);
  rtld::platform::write_error(t.data, t.len);
  ldso::exit_process(127);
}

// Before libc is there nothing can catch: errors are fatal, as in glibc's start-up.
EXPORT int _dl_catch_exception(void* exception, void (*operate)(void*), void* args) {
  if (libc.catch_exception) return libc.catch_exception(exception, operate, args);
  operate(args);
  return 0;
}

EXPORT int _dl_catch_error(const char** objname, const char** errstring, bool* mallocedp,
                           void (*operate)(void*), void* args) {
  if (libc.catch_error) return libc.catch_error(objname, errstring, mallocedp, operate, args);
  operate(args);
  return 0;
}

EXPORT [[noreturn]] void _dl_signal_exception(int errcode, DlException* e, const char* occasion) {
  if (libc.signal_exception) libc.signal_exception(errcode, e, occasion);
  signal_error(errcode, e->objname, occasion, e->errstring);
}

EXPORT [[noreturn]] void _dl_signal_error(int errcode, const char* objname, const char* occasion,
                                          const char* errstring) {
  signal_error(errcode, objname, occasion, errstring);
}

namespace {
using ldso::runtime;

// The directories of a search path as glibc's fillin_rpath keeps them: tokens expanded,
// trailing slashes dropped, each directory once per list ("" stands for an empty entry).
struct SearchDirs {
  char* dirs[256];
  size_t count = 0;

  ~SearchDirs() {
    for (size_t i = 0; i < count; ++i) runtime.arena.release(dirs[i]);
  }
  void add(const char* dir, size_t len, size_t list_start) {
    while (len > 1 && dir[len - 1] == '/') --len;
    for (size_t i = list_start; i < count; ++i)
      if (rtld::str_len(dirs[i]) == len && rtld::str_eq_n(dirs[i], dir, len)) return;
    if (count < sizeof dirs / sizeof dirs[0])
      if (char* copy = runtime.arena.copy_string(dir, len)) dirs[count++] = copy;
  }
  void add_list(const char* list, bool semicolon, const char* origin) {
    size_t start = count;
    for (const char* p = list;;) {
      const char* e = p;
      while (*e && *e != ':' && !(semicolon && *e == ';')) ++e;
      if (p == e) {
        add("", 0, start);
      } else if (char* dir = rtld::expand_tokens(runtime.arena, p, static_cast<size_t>(e - p), origin,
                                                  runtime.search.platform, runtime.search.secure)) {
        if (*dir) add(dir, rtld::str_len(dir), start);
        runtime.arena.release(dir);
      }
      if (!*e) break;
      p = e + 1;
    }
  }
};

}  // namespace

// dlinfo(RTLD_DI_SERINFO, RTLD_DI_SERINFOSIZE): an object's library search path, in the
// order a DT_NEEDED of it is searched (glibc's _dl_rtld_di_serinfo).
EXPORT void _dl_rtld_di_serinfo(void* map, void* info, bool counting) {
  rtld::Module* m = module_of(map);
  if (!m) m = runtime.objects.main;
  const rtld::Module* main = runtime.objects.main;
  auto origin_of = [](const rtld::Module* o) {
    void* l = link_map_of(*o);
    return l ? at<lm::l_origin, const char*>(l) : nullptr;
  };
  SearchDirs d;
  if (runtime.search.use_rpath && !m->dyn.has_runpath) {
    bool saw_main = false;
    for (const rtld::Module* o = m; o; o = o->loader) {
      if (o->dyn.has_rpath && !o->dyn.has_runpath) d.add_list(o->str(o->dyn.rpath), false, origin_of(o));
      saw_main |= o == main;
    }
    if (!saw_main && main && main->dyn.has_rpath && !main->dyn.has_runpath)
      d.add_list(main->str(main->dyn.rpath), false, origin_of(main));
  }
  if (runtime.search.library_path) d.add_list(runtime.search.library_path, true, origin_of(main));
  if (runtime.search.use_rpath && m->dyn.has_runpath) d.add_list(m->str(m->dyn.runpath), false, origin_of(m));
  if (!(m->dyn.flags_1 & 0x800 /* DF_1_NODEFLIB */))
    for (const char* dir : arch::kDefaultDirs) d.add(dir, rtld::str_len(dir), d.count);
  // Dl_serinfo {size_t dls_size; unsigned dls_cnt; Dl_serpath {char* dls_name; unsigned
  // dls_flags;} dls_serpath[];}: counting sizes it, then the caller's buffer is filled.
  auto* si = static_cast<char*>(info);
  auto& size = *reinterpret_cast<size_t*>(si);
  auto& cnt = *reinterpret_cast<unsigned*>(si + 8);
  if (counting) {
    size = 16 + 16 * d.count;
    cnt = static_cast<unsigned>(d.count);
    for (size_t i = 0; i < d.count; ++i) {
      size_t len = rtld::str_len(d.dirs[i]);
      size += len + 1 < 2 ? 2 : len + 1;
    }
    return;
  }
  char* strings = si + 16 + 16 * static_cast<size_t>(cnt);
  for (size_t i = 0; i < d.count && i < cnt; ++i) {
    char* e = si + 16 + 16 * i;
    *reinterpret_cast<char**>(e) = strings;
    *reinterpret_cast<unsigned*>(e + 8) = 0;
    size_t len = rtld::str_len(d.dirs[i]);
    if (len == 0) *strings++ = '.';
    rtld::mem_copy(strings, d.dirs[i], len);
    strings += len;
    *strings++ = '\0';
  }
}

EXPORT void _dl_audit_preinit(void*) {}
EXPORT void _dl_audit_symbind_alt(void*, const void*, void**, void*) {}
EXPORT void _dl_mcount(uintptr_t, uintptr_t) {}
