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
#include "lookup.hpp"
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
  e->message_buffer = libc.free ? buf : nullptr;  // (allocate() has looked it up)
}

// Raises an error the way glibc's ld.so does: through libc's catcher, else fatally.
// (An exception made here and raised with libc's _dl_signal_exception, as glibc's ld.so raises
// its own: libc's _dl_signal_error would bind its lazy call to _dl_exception_create.)
[[noreturn]] void signal_error(int errcode, const char* objname, const char* occasion, const char* text,
                               size_t text_length = size_t(-1)) {
  // (the exception made first: allocate() has libc's functions looked up, if that is still to do)
  DlException e;
  fill_exception(&e, objname, text ? text : "DYNAMIC LINKER BUG!!!",
                 text ? text_length : size_t(-1));
  if (libc.signal_exception) libc.signal_exception(errcode, &e, occasion);
  if (libc.signal_error) libc.signal_error(errcode, objname, occasion, text);
  rtld::Diagnostics d;
  d.fail(objname ? objname : "", text);
  if (occasion) d.set_occasion(occasion);
  fatal(d);
}

}  // namespace

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

namespace {

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

}  // namespace

// The key of a name in the dlsym cache: its bytes a word at a time (cheaper than the GNU
// hash, which a remembered answer does not need).
uint32_t name_key(const char* name, size_t n) {
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

constinit LookupCache lookup_cache;

namespace {

void objects_changing() { lookup_cache.invalidate(); }

unsigned main_opens = 1;  // glibc's l_direct_opencount of the executable (LD_DEBUG=files)

}  // namespace

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

namespace {

void* dl_open(const char* file, int mode, const void* caller, long nsid, int, char**, char**) {
  rtld::Diagnostics diag;
  void* map = open_map(diag, file, mode, caller, nsid);
  if (!map && diag.failed()) signal_failure(diag);
  return map;
}

}  // namespace

// dlclose's work: false with the reason in diag.
bool close_map(rtld::Diagnostics& diag, void* map) {
  LoadLock held;
  rtld::Module* m = module_of(map);
  unsigned left = !m ? 0 : m->is_main ? --main_opens : m->direct_opens - 1;
  // (glibc's dlclose returns at once for a NODELETE object.)
  if (debug::on(debug::kFiles) && m && left && (m->direct_opens || m->is_main) && !m->nodelete)
    debug::print("\nclosing file=%s; direct_opencount=%u", m->is_main ? "" : m->path, left);
  objects_changing();
  bool ok = m && close_object(diag, namespace_of(m), m);
  objects_changing();
  if (!m) diag.fail("", "invalid handle");
  return ok;
}

namespace {

void dl_close(void* map) {
  rtld::Diagnostics diag;
  if (!close_map(diag, map)) signal_failure(diag);
}

void error_free(void* p) {
  if (p != kOutOfMemory) release(p);
}

void libc_freeres() {}

LDSO_VARIADIC void debug_printf(const char* fmt, ...) {
  // libc prints "initialize program" and "transferring control" through this (LD_DEBUG=libs).
  va_list ap;
  va_start(ap, fmt);
  rtld::Text<2048> t;
  ldso::format(t, fmt, ap);
  va_end(ap);
  if (t.len && t.data[t.len - 1] == '\n') t.data[--t.len] = 0;
  debug::print("%s", t.c_str());
}

// _dl_lookup_symbol_x: libc's dlsym/dlvsym and the vDSO IFUNCs go through this.
void* not_found(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref, const FoundVersion* version);

}  // namespace

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

namespace {

void* lookup_symbol_x(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref,
                      void** scopes, const FoundVersion* version, int type_class, int flags,
                      void* skip_map) {
  rtld::SymbolMatch s = search_scopes(rtld::SymbolName(undef_name), scopes, version, flags, skip_map);
  return s ? found(undef_name, undef_map, ref, version, flags, s.sym, const_cast<rtld::Module*>(s.module))
           : not_found(undef_name, undef_map, ref, version);
}

}  // namespace

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

namespace {

// The object a failed look-up is reported against: the referrer, or the program by its name.
const char* reported_object(void* undef_map) {
  rtld::Module* m = module_of(undef_map);
  return m && !m->is_main ? m->path : (runtime.process.argv[0] ? runtime.process.argv[0] : "<main program>");
}

}  // namespace

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

namespace {

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

}  // namespace

// The object (of any namespace) whose segments contain pc. Without the load lock too (the
// unwinder asks _dl_find_object at every throw, in any thread): each namespace's list is walked
// as a look-up of that namespace (rtld::begin_lookup), so that what a dlclose meanwhile takes
// out of it is not released under the walk. (An object that holds the pc of a running frame
// is not being unloaded.)
rtld::Module* module_containing(uintptr_t pc) {
  dl::Loader& base = runtime.loader;
  for (dl::Loader* ns = &base; ns; ns = dl::next_namespace(base, ns)) {
    rtld::ObjectSet& set = *ns->set;  // (set up before anything runs that could ask)
    rtld::begin_lookup(set);
    rtld::Module* m = __atomic_load_n(&set.first, __ATOMIC_ACQUIRE);
    while (m && !contains(*m, pc)) m = __atomic_load_n(&m->next, __ATOMIC_ACQUIRE);
    rtld::end_lookup(set);
    if (m) return m;
  }
  return nullptr;
}

namespace {

int find_object(void* pc, FindObject* result) {
  rtld::Module* m = module_containing(reinterpret_cast<uintptr_t>(pc));
  if (!m) return -1;
  result->flags = 0;
  result->map_start = reinterpret_cast<void*>(m->image.start);
  result->map_end = reinterpret_cast<void*>(m->image.start + m->image.size);
  result->link_map = link_map_of(*m);
  result->eh_frame = nullptr;
  // (the first PT_GNU_EH_FRAME, as glibc's: a damaged header made a second one, empty, and
  // every C++ throw through the object ended in std::terminate; found by fuzzing libstdc++)
  for (size_t i = 0; i < m->image.phnum; ++i)
    if (m->image.phdr[i].p_type == rtld::elf::PT_GNU_EH_FRAME) {
      result->eh_frame = reinterpret_cast<void*>(m->bias() + m->image.phdr[i].p_vaddr);
      break;
    }
  return 0;
}

void mcount(uintptr_t, uintptr_t) {}

}  // namespace

void lock_loading() { lock_with_libc(LoadLock::lock()); }

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
  if (!(debug::mask & (debug::kSymbols | debug::kBindings))) install_dlfcn_hook(r);
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

EXPORT LDSO_VARIADIC void _dl_exception_create_format(DlException* e, const char* objname,
                                                      const char* fmt, ...) {
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

EXPORT [[noreturn]] LDSO_VARIADIC void _dl_fatal_printf(const char* fmt, ...) {
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
      } else if (char* dir = rtld::expand_tokens(
                     runtime.arena, p, static_cast<size_t>(e - p), origin, runtime.search.platform,
                     runtime.search.secure, runtime.search.main_origin)) {
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
    return o->is_main ? rtld::kMainOrigin : l ? at<lm::l_origin, const char*>(l) : nullptr;
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
