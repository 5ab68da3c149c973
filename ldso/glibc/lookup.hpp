// The pieces of symbol lookup and loading that libc's GLRO entry points (exports.cpp) and the
// dlfcn hook (dlfcn_hook.cpp) share: the load lock, the remembered dlsym answers, and the
// searches, opens and closes both run.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rtld/diagnostics.hpp"
#include "rtld/string.hpp"
#include "rtld/symbols.hpp"
#include "state.hpp"

namespace ldso::glibc {

// libc's recursive GL(dl_load_lock): dlopen, dlclose and libc's dlsym all hold it.
struct LoadLock {
  LoadLock() { lock_with_libc(lock()); }
  ~LoadLock() { if (libc.mutex_unlock) libc.mutex_unlock(lock()); }
  static void* lock() { return address_of<L::rtld_global::dl_load_lock>(rg()); }
};

// struct r_found_version {name, hash, hidden, filename}
struct FoundVersion {
  const char* name;
  uint32_t hash;
  int hidden;
  const char* filename;
};

// The dlmopen namespace ids of <dlfcn.h>, and glibc's id for "the caller's namespace".
constexpr long kNewNamespace = -1, kCallerNamespace = -2;

// The key of a name in the dlsym cache: its bytes a word at a time.
uint32_t name_key(const char* name, size_t n);

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

  // Without a lock: each entry is a seqlock (odd while written, 0 before its first write), and
  // a torn read is a miss.
  // `text` (kTextMax bytes), if given, receives a remembered dlerror() text, its length in
  // *text_length (0 if none).
  [[gnu::noinline]] bool find(const Key& k, Answer& out, char* text = nullptr, size_t* text_length = nullptr) const {
    const Entry& e = entries_[k.hash % kEntries];
    unsigned seq = __atomic_load_n(&e.seq, __ATOMIC_ACQUIRE);
    bool hit = seq && !(seq & 1) && e.generation == __atomic_load_n(&generation_, __ATOMIC_ACQUIRE) &&
               e.key.scopes == k.scopes && e.key.skip_map == k.skip_map && e.key.flags == k.flags &&
               e.key.hash == k.hash && e.key.length == k.length && rtld::mem_eq(e.name, k.name, k.length);
    Answer a = e.answer;
    if (hit && text && (*text_length = e.text_length)) rtld::mem_copy(text, e.text, e.text_length);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!hit || __atomic_load_n(&e.seq, __ATOMIC_RELAXED) != seq) return false;
    out = a;
    return true;
  }

  [[gnu::noinline]] void remember(const Key& k, const Answer& a, const char* text = nullptr, size_t text_length = 0) {
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
    unsigned seq = 0;  // 0: never written (everything starts as zeros, in .bss)
    uint64_t generation = 0;
    Key key{};
    Answer answer{};
    char name[kNameMax + 1] = {};
    size_t text_length = 0;
    char text[kTextMax] = {};
  };
  // Writers exclude each other (libc's dlsym holds the load lock, other callers may not): a
  // busy cache is not written.
  bool try_lock() { return !__atomic_test_and_set(&busy_, __ATOMIC_ACQUIRE); }
  void unlock() { __atomic_clear(&busy_, __ATOMIC_RELEASE); }

  // Apart from the entries (ldso/bss-order.txt lays it out with start-up's data): every dlopen
  // and dlclose writes it, while the entries' pages are touched only once dlsym runs.
  static inline uint64_t generation_ = 0;
  bool busy_ = false;
  Entry entries_[kEntries];
};

extern constinit LookupCache lookup_cache;

// Whether pc is inside one of m's segments (not merely its span, which may have gaps).
inline bool contains(const rtld::Module& m, uintptr_t pc) {
  if (pc < m.image.start || pc >= m.image.start + m.image.size) return false;
  for (size_t i = 0; i < m.image.phnum; ++i) {
    const rtld::elf::Phdr& p = m.image.phdr[i];
    if (p.p_type == rtld::elf::PT_LOAD && pc >= m.bias() + p.p_vaddr && pc < m.bias() + p.p_vaddr + p.p_memsz)
      return true;
  }
  return false;
}

// The object (of any namespace) whose segments contain pc.
rtld::Module* module_containing(uintptr_t pc);

// dlopen's and dlclose's work: the link_map (or success), or the reason in diag.
void* open_map(rtld::Diagnostics& diag, const char* file, int mode, const void* caller, long nsid);
bool close_map(rtld::Diagnostics& diag, void* map);
// A failure's errno for dlerror(), cut from the message (0 if none).
int split_errno(rtld::Text<512>& message, int err);

// _dl_lookup_symbol_x's search, and its answer for a definition (the definer's link_map, *ref
// set) or the text of its error for none (returns the object the error names).
rtld::SymbolMatch search_scopes(const rtld::SymbolName& name, void** scopes, const FoundVersion* version, int flags,
                                void* skip_map);
void* found(const char* undef_name, void* undef_map, const rtld::elf::Sym** ref, const FoundVersion* version,
            int flags, const rtld::elf::Sym* sym, rtld::Module* m);
const char* undefined_symbol(rtld::Text<512>& t, const char* undef_name, void* undef_map, const FoundVersion* version);

// Sets GLRO(dl_dlfcn_hook) in _rtld_global_ro (dlfcn_hook.cpp).
void install_dlfcn_hook(void* rtld_global_ro);

}  // namespace ldso::glibc
