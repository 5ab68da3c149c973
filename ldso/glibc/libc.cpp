// Meeting libc.so.6: recognising its build before relocating it, publishing the loaded
// objects, and after relocation taking over its allocator and running __libc_early_init.
#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "libdl/loader.hpp"
#include "rtld/string.hpp"
#include "rtld/relocate.hpp"
#include "rtld/symbols.hpp"
#include "ldso/debug_log.hpp"
#include "state.hpp"

namespace ldso::glibc {

void link_chain(Runtime& rt);         // link_map.cpp
bool build_scopes(Runtime& rt);       // link_map.cpp
void mark_relocated(const rtld::Module& m);
void install_function_pointers();     // exports.cpp
void publish_static_tls(Runtime& rt, void* initial_dtv);  // tls.cpp

namespace {

namespace ro_ = L::rtld_global_ro;
namespace rg_ = L::rtld_global;

rtld::Module* libc_module = nullptr;

// libc's functions that ld.so looks up on first use are still to find (see after_relocation).
bool libc_pending = false;
bool mutex_pending = false;  // pthread_mutex_lock and unlock (see lock_with_libc)
int first_catch_error(const char**, const char**, bool*, void (*)(void*), void*);

// The NT_GNU_BUILD_ID of a mapped object (its `size` bytes), or nullptr.
const uint8_t* build_id(const rtld::Module& m, uint32_t& size) {
  for (size_t i = 0; i < m.image.phnum; ++i) {
    const rtld::elf::Phdr& p = m.image.phdr[i];
    if (p.p_type != rtld::elf::PT_NOTE) continue;
    auto* n = reinterpret_cast<const uint8_t*>(m.bias() + p.p_vaddr);
    const uint8_t* end = n + p.p_filesz;
    while (n + 12 <= end) {
      uint32_t namesz, descsz, type;
      rtld::mem_copy(&namesz, n, 4), rtld::mem_copy(&descsz, n + 4, 4), rtld::mem_copy(&type, n + 8, 4);
      const uint8_t* name = n + 12;
      const uint8_t* desc = name + rtld::align_up(namesz, 4);
      if (desc + descsz > end) break;
      if (type == 3 /* NT_GNU_BUILD_ID */ && namesz == 4 &&
          rtld::str_eq_n(reinterpret_cast<const char*>(name), "GNU", 4))
        return size = descsz, desc;
      n = desc + rtld::align_up(descsz, 4);
    }
  }
  return nullptr;
}

constexpr char kHexDigits[] = "0123456789abcdef";

// The build ID as lowercase hex; empty if there is none.
void build_id_of(const rtld::Module& m, rtld::Text<80>& out) {
  uint32_t size = 0;
  if (const uint8_t* id = build_id(m, size))
    for (uint32_t j = 0; j < size; ++j)
      out.add_char(kHexDigits[id[j] >> 4]).add_char(kHexDigits[id[j] & 15]);
}

// The build ID of the libc.so.6 whose private ABI this ld.so implements, as bytes.
struct LibcBuildId {
  uint8_t bytes[(sizeof L::kLibcBuildId - 1) / 2] = {};
};
constexpr LibcBuildId kLibcBuildId = [] {
  LibcBuildId id;
  auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < sizeof id.bytes; ++i)
    id.bytes[i] = static_cast<uint8_t>(digit(L::kLibcBuildId[2 * i]) << 4 |
                                       digit(L::kLibcBuildId[2 * i + 1]));
  return id;
}();

// Whether the object's build ID is that libc's.
bool is_known_libc_build(const rtld::Module& m) {
  uint32_t size = 0;
  const uint8_t* id = build_id(m, size);
  return id && size == sizeof kLibcBuildId.bytes && rtld::mem_eq(id, kLibcBuildId.bytes, size);
}

// Whether an object needs ld.so's GLIBC_PRIVATE version: glibc's libc.so.6 does; a libc.so.6
// that does not (a test's stand-in) is an ordinary library whose internals are not ours to touch.
bool uses_private_abi(const rtld::Module& m) {
  // (from the last: the requirements follow the object's own definitions; both names are in
  // mapped images, compared a word at a time)
  for (size_t i = m.version_count; i-- > 0;)
    if (m.versions[i].file && rtld::image_str_eq(m.versions[i].name, "GLIBC_PRIVATE")) return true;
  return false;
}

// The ELF hash of GLIBC_PRIVATE, the one version these look-ups name.
constexpr uint32_t kPrivateHash = rtld::sysv_hash("GLIBC_PRIVATE");
static_assert(kPrivateHash == 0x0963cf85);  // as libc.so.6's version definition records it

// `referrer`: the object glibc's ld.so makes the look-up for (LD_DEBUG=symbols, bindings
// report it); nullptr for the look-ups glibc makes silently (_dl_lookup_direct).
void* lookup(const char* name, uint32_t hash, const char* version,
             const rtld::Module* referrer = nullptr) {
  // (in_image: ld.so's own read-only strings, compared a word at a time like an image's)
  rtld::SymbolName sym(name, hash, true);
  rtld::Version want{version, version ? kPrivateHash : 0, false, nullptr};
  // (ld.so itself passed over: its _dl_catch_error and the like hand over to libc's, and a
  // program linked with ld.so before libc has it first in the global scope)
  rtld::SymbolMatch match =
      rtld::find_in_scope(runtime.objects.scope, runtime.objects.scope_count, sym,
                          version ? &want : nullptr, rtld::kLookupNewest, runtime.objects.ldso);
  // glibc's lookup names each object it searches: those up to the definition.
  if (referrer && debug::on(debug::kSymbols))
    for (size_t i = 0; i < runtime.objects.scope_count; ++i) {
      debug::report_lookup(name, *runtime.objects.scope[i]);
      if (runtime.objects.scope[i] == match.module) break;
    }
  if (!match) return nullptr;
  // glibc asks for GLIBC_2.2.5 (malloc) or GLIBC_PRIVATE; the report names that version.
  if (referrer) debug::report_named_binding(*referrer, *match.module, name, version ? version : "GLIBC_2.2.5");
  rtld::Resolved r{match.module, match.sym, 0, true};
  return reinterpret_cast<void*>(rtld::symbol_address(r));
}

// glibc's _dl_lookup_direct: the definition in libc itself of the version named (an
// interposed one is not looked at; nothing is reported). One object's hash table, not the scope.
void* libc_own(const rtld::Module& libc, Named n, const char* version, uint32_t version_hash) {
  rtld::SymbolName sym(n.name, n.hash, true);
  rtld::Version want{version, version_hash, false, nullptr};
  const rtld::elf::Sym* s = rtld::find_in_module(libc, sym, &want, 0);
  if (!s) return nullptr;
  return reinterpret_cast<void*>(rtld::symbol_address(rtld::Resolved{&libc, s, 0, true}));
}
// The version libc's pthread_mutex_lock and pthread_mutex_unlock first had (x86_64).
constexpr uint32_t kBaseHash = rtld::sysv_hash("GLIBC_2.2.5");

void* vdso_functions[5];  // found by find_vdso_functions, published by use_vdso

void use_vdso(rtld::Module& vdso) {
  void* r = ro();
  void* l = link_map_of(vdso);
  at<ro_::dl_sysinfo_map, void*>(r) = l;
  at<ro_::dl_vdso_clock_gettime64, void*>(r) = vdso_functions[0];
  at<ro_::dl_vdso_gettimeofday, void*>(r) = vdso_functions[1];
  at<ro_::dl_vdso_time, void*>(r) = vdso_functions[2];
  at<ro_::dl_vdso_getcpu, void*>(r) = vdso_functions[3];
  at<ro_::dl_vdso_clock_getres_time64, void*>(r) = vdso_functions[4];
}

}  // namespace

// The vDSO's fast clock functions (glibc looks them up with version LINUX_2.6 as soon as the
// vDSO is set up, before loading anything: LD_DEBUG=symbols and bindings show them there).
void* find_vdso_functions(const rtld::Module& vdso) {
  // (fixed-size names: a table of pointers would need relocating)
  static constexpr char kNames[5][24] = {"__vdso_clock_gettime", "__vdso_gettimeofday",
                                         "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres"};
  rtld::Version v{"LINUX_2.6", rtld::sysv_hash("LINUX_2.6"), true, nullptr};
  for (int i = 0; i < 5; ++i) {
    if (debug::on(debug::kSymbols)) debug::report_lookup(kNames[i], vdso);
    const rtld::elf::Sym* s = rtld::find_in_module(vdso, rtld::SymbolName(kNames[i]), &v, 0);
    if (s) debug::report_named_binding(vdso, vdso, kNames[i], "LINUX_2.6");
    vdso_functions[i] = s ? reinterpret_cast<void*>(vdso.bias() + s->st_value) : nullptr;
  }
  return vdso_functions[0];
}

bool prepare_objects(rtld::Diagnostics& diag, Runtime& rt) {
  rtld::ObjectSet& set = rt.objects;
  for (rtld::Module* m = set.first; m; m = m->next) {
    if (m->soname && rtld::str_eq(m->soname, "libc.so.6") && uses_private_abi(*m)) libc_module = m;
  }
  if (libc_module) {
    if (!is_known_libc_build(*libc_module)) {
      rtld::Text<80> id;
      build_id_of(*libc_module, id);
      diag.fail(libc_module->path, "unsupported glibc build (build-id ");
      diag.message_text().add(id.len ? id.c_str() : "none").add("); this ld.so implements the private ABI of ")
          .add(L::kLibcVersion).add(" (build-id ").add(L::kLibcBuildId).add(")");
      return false;
    }
  }
  for (rtld::Module* m = set.first; m; m = m->next) {
    if (!make_link_map(*m, m->is_main ? 0 : 1)) return diag.fail(m->path, "cannot allocate link map");
  }
  link_chain(rt);
  if (!build_scopes(rt)) return diag.fail("", "cannot allocate scope");
  void* g = rg();
  if (libc_module) at<rg_::dl_ns0_libc_map, void*>(g) = link_map_of(*libc_module);
  // The stack's permissions so far: what the kernel gave the program it started (the
  // executable, or ld.so itself when run explicitly); then every object glibc maps itself
  // (all but the kernel-mapped ones) may ask for an executable stack.
  const rtld::Module* started = set.main->image.kernel_mapped ? set.main : set.ldso;
  at<rg_::dl_stack_flags, int>(g) = static_cast<int>(stack_flags_of(*started));
  for (rtld::Module* m = set.first; m; m = m->next)
    if (!m->image.kernel_mapped && !m->is_vdso && !m->is_ldso && !require_stack_flags(*m, diag))
      return false;
  install_function_pointers();
  if (libc_module)
    at<ro_::dl_catch_error, void*>(ro()) = reinterpret_cast<void*>(&first_catch_error);
  for (rtld::Module* m = set.first; m; m = m->next)
    if (m->is_vdso) use_vdso(*m);
  return true;
}

unsigned stack_flags_of(const rtld::Module& m) {
  // (DEFAULT_STACK_PERMS, PF_R|PF_W|PF_X, without PT_GNU_STACK)
  return m.image.has_gnu_stack ? m.image.gnu_stack_flags : 7;
}

bool require_stack_flags(const rtld::Module& m, rtld::Diagnostics& diag) {
  if (!(stack_flags_of(m) & ~static_cast<unsigned>(at<rg_::dl_stack_flags, int>(rg())) & 1))
    return true;
  if (make_stacks_executable() != 0)
    return diag.fail(m.path, "cannot enable executable stack as shared object requires");
  return true;
}

namespace {
// glibc's ld.so looks these up on behalf of the program (its malloc; calloc and realloc, which
// ours does not call, only when LD_DEBUG reports the look-ups: they have no other effect), then
// binds its own references to libc's exception functions (version GLIBC_PRIVATE): in this order.
constexpr char kLibcNames[] =
    "calloc\0free\0malloc\0realloc\0_dl_catch_exception\0_dl_signal_exception\0_dl_signal_error\0"
    "_dl_catch_error";
constexpr size_t kLibcCount = 8, kFirstPrivate = 4;
constexpr unsigned kReportOnly = 1u << 0 | 1u << 3;  // calloc, realloc
// The others fill LibcFunctions's first fields, in this order.
static_assert(offsetof(LibcFunctions, free) == 0 &&
              offsetof(LibcFunctions, malloc) == sizeof(void*) &&
              offsetof(LibcFunctions, catch_error) == 5 * sizeof(void*));
// Each name's hash and its place in kLibcNames.
struct LibcNames {
  uint32_t hash[kLibcCount];
  uint8_t at[kLibcCount];
};
constexpr LibcNames kLibcNameAt = [] {
  LibcNames t{};
  for (size_t i = 0, at = 0; i < kLibcCount; ++i) {
    t.hash[i] = rtld::gnu_hash_of(kLibcNames + at), t.at[i] = static_cast<uint8_t>(at);
    while (kLibcNames[at]) ++at;
    ++at;
  }
  return t;
}();
static_assert(sizeof kLibcNames < 256);

void bind_libc_functions() {
  const bool reported = (debug::mask & (debug::kSymbols | debug::kBindings)) != 0;
  const rtld::Module* program = runtime.objects.main;
  const rtld::Module* self = runtime.objects.ldso;
  void** out = reinterpret_cast<void**>(&libc);
  for (size_t i = 0; i < kLibcCount; ++i) {
    const bool report_only = (kReportOnly >> i) & 1;
    if (report_only && !reported) continue;
    if (i == kFirstPrivate)
      debug::report_relocation(*self, false);  // glibc relocates ld.so's references now
    const bool own = i >= kFirstPrivate;
    void* f = lookup(kLibcNames + kLibcNameAt.at[i], kLibcNameAt.hash[i],
                     own ? "GLIBC_PRIVATE" : nullptr, own ? self : program);
    if (!report_only) __builtin_memcpy(out++, &f, sizeof f);
  }
  __atomic_store_n(&libc_pending, false, __ATOMIC_RELEASE);
}

// What _rtld_global_ro gives libc for _dl_catch_error from before relocation (an executable
// may copy the table when it is relocated) until the first call: then libc's own, looked up.
int first_catch_error(const char** objname, const char** errstring, bool* mallocedp,
                      void (*operate)(void*), void* args) {
  if (__atomic_load_n(&libc_pending, __ATOMIC_ACQUIRE)) bind_libc_functions();
  at<ro_::dl_catch_error, void*>(ro()) = reinterpret_cast<void*>(libc.catch_error);
  return libc.catch_error(objname, errstring, mallocedp, operate, args);
}
}  // namespace

void after_relocation(Runtime& rt) {
  for (rtld::Module* m = rt.objects.first; m; m = m->next) mark_relocated(*m);
  if (!libc_module) return;
  // From now on ld.so allocates what libc may free with libc's malloc (glibc does the same),
  // found through the global scope so that a preloaded malloc is the one used.
  // Unless LD_DEBUG reports them here, as glibc's ld.so does, these functions are looked up on
  // first use: by allocate() (ld.so raises its errors with an exception it allocates) or by
  // first_catch_error (libc calls _dl_catch_error through _rtld_global_ro). They are found
  // there as here: the objects loaded since come after these in the global scope, and none of
  // these can have gone. And with no thread but this one: pthread_create has allocate() make
  // the DTV of the first thread it makes.

  if (debug::mask & (debug::kSymbols | debug::kBindings)) {
    bind_libc_functions();
    at<ro_::dl_catch_error, void*>(ro()) = reinterpret_cast<void*>(libc.catch_error);
  } else {
    libc_pending = true;
  }
  // libc's pthread_mutex_lock and pthread_mutex_unlock: looked up when ld.so first takes a lock.
  mutex_pending = true;
  // As glibc finds it, in libc alone (_dl_call_libc_early_init).
  using EarlyInit = void (*)(bool);
  auto early_init = reinterpret_cast<EarlyInit>(
      libc_own(*libc_module, named("__libc_early_init"), "GLIBC_PRIVATE", kPrivateHash));
  if (early_init) early_init(true);
}

namespace {
// The libc of each other namespace whose __libc_early_init has run (its link_map).
void* early_initialized[L::rtld_global::dl_ns::size / kNamespaceSize];
}  // namespace

void namespace_ready(const dl::Loader& ns) {
  if (ns.id == 0) return;
  void* l = at<rg_::dl_ns0_libc_map, void*>(namespace_record(ns.id));
  rtld::Module* m = module_of(l);
  if (!m || early_initialized[ns.id] == l) return;
  early_initialized[ns.id] = l;
  // Only glibc's libc.so.6 of the build this ld.so knows (a stand-in is an ordinary library).
  if (!uses_private_abi(*m) || !is_known_libc_build(*m)) return;
  // Not the initial libc: it must not take over the process (brk heap, single-threaded).
  if (void* early_init = libc_own(*m, named("__libc_early_init"), "GLIBC_PRIVATE", kPrivateHash))
    reinterpret_cast<void (*)(bool)>(early_init)(false);
}

void libc_removing(void* map) {
  for (void*& l : early_initialized)
    if (l == map) l = nullptr;
}

void lock_with_libc(void* mutex) {
  // As glibc's __rtld_mutex_init finds them, in libc alone, but when ld.so first takes a lock
  // (a program that never calls dlopen or makes a thread does without). Threads racing here
  // find and store the same; the unlocking one first: whoever sees the other locks and unlocks.
  if (__atomic_load_n(&mutex_pending, __ATOMIC_ACQUIRE) &&
      !__atomic_load_n(&libc.mutex_lock, __ATOMIC_ACQUIRE)) {
    libc.mutex_unlock = reinterpret_cast<int (*)(void*)>(
        libc_own(*libc_module, named("pthread_mutex_unlock"), "GLIBC_2.2.5", kBaseHash));
    __atomic_store_n(&libc.mutex_lock,
                     reinterpret_cast<int (*)(void*)>(libc_own(
                         *libc_module, named("pthread_mutex_lock"), "GLIBC_2.2.5", kBaseHash)),
                     __ATOMIC_RELEASE);
  }
  if (libc.mutex_lock) libc.mutex_lock(mutex);
}

void* libc_function(Named name) { return lookup(name.name, name.hash, nullptr); }

void* allocate(size_t size) {
  // (the first call after start-up looks libc's functions up: see after_relocation)
  if (__atomic_load_n(&libc_pending, __ATOMIC_ACQUIRE)) bind_libc_functions();
  if (libc.malloc) return libc.malloc(size);
  return runtime.arena.allocate(size);
}

void release(void* p) {
  if (!p) return;
  if (libc.free) libc.free(p);  // blocks from before the switch are never released
}

}  // namespace ldso::glibc
