// From a library name to an opened file: DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH,
// /etc/ld.so.cache and the default directories, in glibc's order, with $ORIGIN, $LIB and
// $PLATFORM expanded.
#pragma once
#include <cstddef>
#include <cstdint>

#include "diagnostics.hpp"
#include "ldcache.hpp"
#include "memory.hpp"
#include "module.hpp"
#include "platform.hpp"

namespace rtld {

// Which subdirectories of which search directories are known not to exist (glibc stats a
// subdirectory once after a failed open there, and never tries it again). Keyed by a hash of
// the directory; the first 64 subdirectories are remembered.
struct SearchMemo {
  struct Dir {
    uint64_t hash = 0, known = 0, missing = 0;
  };
  Dir dirs[48];
  Dir* find(const char* dir, size_t len);  // null when the table is full
};

struct SearchConfig {
  const char* library_path = nullptr;  // LD_LIBRARY_PATH or --library-path
  const LdCache* cache = nullptr;      // null: not consulted
  const char* platform = nullptr;      // what $PLATFORM expands to
  // The executable's $ORIGIN (its directory; null when unknown), asked for when a $ORIGIN that
  // stands for it is first substituted (see kMainOrigin). Null: unknown.
  const char* (*main_origin)() = nullptr;
  bool use_rpath = true;
  // Objects whose DT_RPATH/DT_RUNPATH are ignored (--inhibit-rpath), colon-separated names.
  const char* inhibit_rpath = nullptr;
  bool secure = false;  // AT_SECURE: $ORIGIN only in trusted places
  // Subdirectories tried, in order, in every search directory before the directory itself
  // (glibc-hwcaps/x86-64-v3/, tls/x86_64/, ...), each ending with '/'.
  const char* const* subdirs = nullptr;
  uint32_t subdir_count = 0;
  SearchMemo* memo = nullptr;  // may be null: nothing remembered
  // If set, called (once: it clears itself) when a directory is first searched, to set subdirs
  // and memo: most programs find every library in ld.so.cache and never need them.
  void (*find_subdirs)(SearchConfig& cfg) = nullptr;
  // What the search does, for LD_DEBUG=libs; may be null.
  enum class Event { Find, SearchPath, SearchCache, Trying };
  // `from`: whose DT_RPATH/DT_RUNPATH a SearchPath is (null for the others).
  void (*trace)(void* context, Event event, const char* text, const char* detail,
                const Module* from) = nullptr;
  void* trace_context = nullptr;
};

struct OpenedFile {
  int fd = -1;
  char* path = nullptr;  // allocated from the arena
  platform::FileId id;
  alignas(8) uint8_t head[1024];
  size_t head_len = 0;
  bool other_class = false;  // an object of the other ELF class was passed over
};

// Opens `name` for `requester` (whose DT_RPATH/DT_RUNPATH and loader chain apply). Objects for
// another machine or class are skipped. On failure: glibc's message in `diag`.
bool open_library(Diagnostics& diag, Arena& arena, const SearchConfig& config, const char* name,
                  const Module* requester, const Module* main, OpenedFile& out);

// The directory part of a path ("." when it has none), allocated from the arena.
char* directory_of(Arena& arena, const char* path);

// What $ORIGIN means for an object loaded from `path`: its directory, made absolute with the
// current directory when relative ("/cwd/./sub" for "./sub/lib.so", as glibc keeps it).
char* origin_of(Arena& arena, const char* path);

// Expands $ORIGIN, $LIB and $PLATFORM (and their ${...} forms) in `in`. Returns nullptr when an
// expansion is not allowed (unknown origin, or $ORIGIN in secure mode). `origin` may be
// kMainOrigin: the executable's, from `main_origin` when a $ORIGIN is substituted.
char* expand_tokens(Arena& arena, const char* in, size_t len, const char* origin,
                    const char* platform, bool secure, const char* (*main_origin)() = nullptr);

// Stands for the executable's $ORIGIN in an `origin` argument: finding it may take a system
// call (readlink of /proc/self/exe), made only if a $ORIGIN is substituted with it.
extern const char kMainOrigin[];

}  // namespace rtld
