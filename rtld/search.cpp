#include "search.hpp"

#include "arch/machine.hpp"
#include "image.hpp"
#include "string.hpp"

namespace rtld {
namespace {

// Reads the start of an opened file; false when it is not an object for this machine.
bool read_head(OpenedFile& f) {
  intptr_t n = platform::read_at(f.fd, f.head, sizeof f.head, 0);
  f.head_len = n > 0 ? static_cast<size_t>(n) : 0;
  return n >= 0;
}

// glibc's message for a name that the search did not find.
bool not_found(Diagnostics& diag, const char* name, const OpenedFile& out) {
  if (out.other_class)
    return diag.fail(name, elf::Native::kClass == elf::ELFCLASS64 ? "wrong ELF class: ELFCLASS32"
                                                                  : "wrong ELF class: ELFCLASS64");
  return diag.fail_errno(name, "cannot open shared object file", 2 /* ENOENT */);
}

// Tries one path. 1: opened and usable; 0: not there (keep searching); -1: a hard error
// recorded in diag (glibc stops the search on errors other than "no such file").
int try_path(Diagnostics& diag, Arena& arena, const SearchConfig& cfg, const char* path,
             OpenedFile& out, bool keep_searching) {
  // As glibc, only the places a search tries are reported (not a name with a slash).
  if (cfg.trace && keep_searching) cfg.trace(cfg.trace_context, SearchConfig::Event::Trying, path, nullptr, nullptr);
  int fd = platform::open(path);
  if (fd < 0) {
    if (!keep_searching || (fd != -2 && fd != -20 && fd != -13)) {
      diag.fail_errno(path, "cannot open shared object file", -fd);
      return keep_searching ? 0 : -1;
    }
    return 0;
  }
  out.fd = fd;
  if (platform::identify(fd, &out.id) < 0 || !read_head(out)) {
    if (out.id.is_directory) {
      diag.fail_errno(path, "cannot read file data", 21 /* EISDIR */);
    } else {
      diag.fail(path, "cannot read file data");
    }
    platform::close(fd);
    out.fd = -1;
    return keep_searching ? 0 : -1;
  }
  if (out.id.is_directory) {
    platform::close(fd);
    out.fd = -1;
    diag.fail_errno(path, "cannot read file data", 21 /* EISDIR */);
    return keep_searching ? 0 : -1;
  }
  // As glibc: an object of the other class or for another machine is passed over (for the
  // other class, the final message says so); any other defect is load_image's to report, and
  // ends the search. A name with a slash ends it at once.
  if (Foreign f = foreign_object(out.head, out.head_len); f != Foreign::kNo) {
    platform::close(fd);
    out.fd = -1;
    if (f == Foreign::kOtherClass) out.other_class = true;
    return keep_searching ? 0 : -1;  // the caller words the error, with the name asked for
  }
  out.path = arena.copy_string(path);
  return 1;
}

bool is_directory(const char* path) {
  int fd = platform::open(path);
  if (fd < 0) return false;
  platform::FileId id;
  bool dir = platform::identify(fd, &id) == 0 && id.is_directory;
  platform::close(fd);
  return dir;
}

using Listing = Text<8192>;

// Tries `name` in each subdirectory of `dir`, then in `dir` itself. A subdirectory where the
// open failed is looked at once: when it is not a directory, it is never tried again. With
// `listing`, appends the places it would try instead (LD_DEBUG=libs, as glibc lists them).
int search_dir(Arena& arena, const SearchConfig& cfg, const char* dir, const char* name,
               OpenedFile& out, Listing* listing) {
  if (cfg.find_subdirs) [[unlikely]]
    cfg.find_subdirs(const_cast<SearchConfig&>(cfg));  // (the embedder's, not const)
  Text<4096> path;
  path.add(*dir ? dir : ".");
  SearchMemo::Dir* memo = cfg.memo ? cfg.memo->find(path.data, path.len) : nullptr;
  if (path.data[path.len - 1] != '/') path.add_char('/');
  const size_t dir_end = path.len, name_len = str_len(name);
  Diagnostics scratch;  // (what a failed try says is not kept)
  for (uint32_t i = 0; i <= cfg.subdir_count; ++i) {
    uint64_t bit = i < 64 ? uint64_t{1} << i : 0;
    if (memo && (memo->missing & bit)) continue;
    // dir/subdir/name, composed in place (every subdirectory ends with '/')
    const char* sub = i < cfg.subdir_count ? cfg.subdirs[i] : "";
    const size_t sub_len = str_len(sub), sub_end = dir_end + sub_len;
    if (sub_end + name_len >= sizeof path.data) continue;  // too long to open
    mem_copy(path.data + dir_end, sub, sub_len);
    if (listing) {
      if (listing->len) listing->add_char(':');
      listing->add(path.data, sub_end > 1 ? sub_end - 1 : sub_end);
      continue;
    }
    mem_copy(path.data + sub_end, name, name_len + 1);
    int r = try_path(scratch, arena, cfg, path.data, out, true);
    if (r != 0) return r;
    if (memo && bit && !(memo->known & bit)) {
      memo->known |= bit;
      path.data[sub_end] = '\0';
      if (!is_directory(path.data)) memo->missing |= bit;
    }
  }
  return 0;
}

// Searches a colon-separated list of directories (tokens expanded; empty entries mean "."),
// or the default directories when `list` is null.
int search_list(Arena& arena, const SearchConfig& cfg, const char* list, const char* origin,
                const char* name, OpenedFile& out, Listing* listing = nullptr) {
  if (!list) {
    for (const char* dir : arch::kDefaultDirs)
      if (int r = search_dir(arena, cfg, dir, name, out, listing)) return r;
    return 0;
  }
  for (const char* p = list;; ++p) {
    const char* e = p;
    while (*e && *e != ':' && *e != ';') ++e;
    if (char* dir = expand_tokens(arena, p, static_cast<size_t>(e - p), origin, cfg.platform,
                                  cfg.secure, cfg.main_origin)) {
      int r = search_dir(arena, cfg, dir, name, out, listing);
      arena.release(dir);
      if (r != 0) return r;
    }
    if (!*e) return 0;
    p = e;
  }
}

// LD_DEBUG=libs: reports the directories search_list would try under `what` (apart from
// trace_and_search: the listing's 8 KB of stack only when tracing).
[[gnu::noinline]] void trace_search(Arena& arena, const SearchConfig& cfg, const char* list,
                                    const char* origin, const char* name, OpenedFile& out,
                                    const char* what, const Module* from) {
  Listing t;
  search_list(arena, cfg, list, origin, name, out, &t);
  cfg.trace(cfg.trace_context, SearchConfig::Event::SearchPath, t.c_str(), what, from);
}

// Searches a list, reported first under LD_DEBUG=libs.
int trace_and_search(Arena& arena, const SearchConfig& cfg, const char* list, const char* origin,
                     const char* name, OpenedFile& out, const char* what,
                     const Module* from = nullptr) {
  if (cfg.trace) trace_search(arena, cfg, list, origin, name, out, what, from);
  return search_list(arena, cfg, list, origin, name, out);
}

// --inhibit-rpath: whether `m` is named in the list, by the path it was loaded from (the
// executable's name there is the empty string, as glibc names it).
bool rpath_inhibited(const SearchConfig& cfg, const Module* m) {
  if (!cfg.inhibit_rpath) return false;
  const char* name = m->is_main ? "" : (m->path ? m->path : "");
  size_t len = str_len(name);
  for (const char* p = cfg.inhibit_rpath;;) {
    const char* e = p;
    while (*e && *e != ':') ++e;
    if (static_cast<size_t>(e - p) == len && str_eq_n(name, p, len)) return true;
    if (!*e) return false;
    p = e + 1;
  }
}

int search_rpath(Diagnostics& diag, Arena& arena, const SearchConfig& cfg, const Module* m,
                 const char* name, OpenedFile& out) {
  if (!m->dyn.has_rpath || m->dyn.has_runpath || rpath_inhibited(cfg, m)) return 0;
  const char* origin = m->is_main ? kMainOrigin : nullptr;
  char* dir = origin || m->origin ? nullptr : directory_of(arena, m->path);
  if (!origin) origin = m->origin;
  int r = trace_and_search(arena, cfg, m->str(m->dyn.rpath), origin ? origin : dir, name, out, "RPATH", m);
  arena.release(dir);
  return r;
}

}  // namespace

SearchMemo::Dir* SearchMemo::find(const char* dir, size_t len) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a, never 0 for a real directory in practice
  for (size_t i = 0; i < len; ++i) h = (h ^ static_cast<unsigned char>(dir[i])) * 1099511628211ull;
  h |= 1;
  constexpr size_t n = sizeof dirs / sizeof dirs[0];
  for (size_t i = 0, at = h % n; i < n; ++i, at = (at + 1) % n) {
    if (dirs[at].hash == h) return &dirs[at];
    if (dirs[at].hash == 0) {
      dirs[at].hash = h;
      return &dirs[at];
    }
  }
  return nullptr;
}

namespace {
// origin_of for a relative path: its directory (dir, released here) made absolute. Apart, so
// that the common absolute case does not reserve these buffers' 8 KB of stack (every page of
// stack touched is a page fault).
[[gnu::noinline]] char* absolute_origin(Arena& arena, const char* path, char* dir) {
  char cwd[4096];
  intptr_t n = platform::current_directory(cwd, sizeof cwd);
  if (n <= 0) return dir;
  Text<4096> t;
  t.add(cwd, static_cast<size_t>(n));
  if (t.len && t.data[t.len - 1] != '/') t.add_char('/');
  if (!str_eq(dir, ".") || str_rchr(path, '/')) t.add(dir);  // a bare file name: just the cwd
  else if (t.len > 1) t.data[--t.len] = '\0';
  arena.release(dir);
  return arena.copy_string(t.c_str(), t.len);
}
}  // namespace

char* origin_of(Arena& arena, const char* path) {
  char* dir = directory_of(arena, path);
  if (!dir || dir[0] == '/') return dir;
  return absolute_origin(arena, path, dir);
}

char* directory_of(Arena& arena, const char* path) {
  const char* slash = path ? str_rchr(path, '/') : nullptr;
  if (!slash) return arena.copy_string(".");
  if (slash == path) return arena.copy_string("/");
  return arena.copy_string(path, static_cast<size_t>(slash - path));
}

namespace {
// expand_tokens for a string with a '$' in it (apart: its 4 KB of stack only then).
[[gnu::noinline]] char* substitute_tokens(Arena& arena, const char* in, size_t len,
                                          const char* origin, const char* platform, bool secure,
                                          const char* (*main_origin)()) {
  Text<4096> out;
  for (size_t i = 0; i < len;) {
    if (in[i] != '$') {  // up to the next token, in one piece
      size_t run = 1;
      while (i + run < len && in[i + run] != '$') ++run;
      out.add(in + i, run);
      i += run;
      continue;
    }
    const char* rest = in + i + 1;
    size_t left = len - i - 1;
    bool brace = left > 0 && rest[0] == '{';
    if (brace) ++rest, --left;
    auto token = [&](const char* t) {
      size_t n = str_len(t);
      if (left < n || !str_eq_n(rest, t, n)) return size_t{0};
      if (brace) return (left > n && rest[n] == '}') ? n + 2 : size_t{0};
      // an unbraced token ends at a non-identifier character
      if (left > n && ((rest[n] >= 'A' && rest[n] <= 'Z') || (rest[n] >= 'a' && rest[n] <= 'z') ||
                       (rest[n] >= '0' && rest[n] <= '9') || rest[n] == '_'))
        return size_t{0};
      return n;
    };
    if (size_t n = token("ORIGIN")) {
      if (secure) return nullptr;
      if (origin == kMainOrigin) origin = main_origin ? main_origin() : nullptr;
      if (!origin) return nullptr;
      out.add(origin);
      i += 1 + n;
    } else if (size_t n2 = token("LIB")) {
      out.add(arch::kLibDir);
      i += 1 + n2;
    } else if (size_t n3 = token("PLATFORM")) {
      if (!platform) return nullptr;
      out.add(platform);
      i += 1 + n3;
    } else {
      out.add_char(in[i++]);
    }
  }
  return arena.copy_string(out.c_str(), out.len);
}
}  // namespace

const char kMainOrigin[] = "$ORIGIN";

char* expand_tokens(Arena& arena, const char* in, size_t len, const char* origin,
                    const char* platform, bool secure, const char* (*main_origin)()) {
  for (size_t i = 0; i < len; ++i)
    if (in[i] == '$')
      return substitute_tokens(arena, in, len, origin, platform, secure, main_origin);
  return arena.copy_string(in, len);
}

bool open_library(Diagnostics& diag, Arena& arena, const SearchConfig& cfg, const char* name,
                  const Module* requester, const Module* main, OpenedFile& out) {
  if (has_slash(name)) {
    // A name without a token is tried as it is (try_path keeps its own copy).
    char* expanded = nullptr;
    if (str_chr(name, '$')) {
      const char* origin = nullptr;
      char* dir = nullptr;
      if (requester) {
        if (requester->is_main)
          origin = kMainOrigin;
        else if (requester->origin)
          origin = requester->origin;
        else
          origin = dir = directory_of(arena, requester->path);
      }
      expanded = substitute_tokens(arena, name, str_len(name), origin, cfg.platform, cfg.secure,
                                   cfg.main_origin);
      arena.release(dir);
      if (!expanded) return diag.fail_errno(name, "cannot open shared object file", 2 /* ENOENT */);
    }
    int r = try_path(diag, arena, cfg, expanded ? expanded : name, out, false);
    arena.release(expanded);
    if (r < 0 && !diag.failed()) not_found(diag, name, out);
    return r > 0;
  }

  auto event = [&](SearchConfig::Event e, const char* text, const char* detail) {
    if (cfg.trace) cfg.trace(cfg.trace_context, e, text, detail, nullptr);
  };
  event(SearchConfig::Event::Find, name, requester ? requester->path : nullptr);
  int r = 0;
  // DT_RPATH of the requester and of the objects that loaded it, then of the executable.
  if (cfg.use_rpath && requester && !requester->dyn.has_runpath) {
    bool saw_main = false;
    for (const Module* m = requester; m && r == 0; m = m->loader) {
      r = search_rpath(diag, arena, cfg, m, name, out);
      saw_main |= m == main;
    }
    if (r == 0 && !saw_main && main) r = search_rpath(diag, arena, cfg, main, name, out);
  }
  if (r == 0 && cfg.library_path) {
    r = trace_and_search(arena, cfg, cfg.library_path, kMainOrigin, name, out, "LD_LIBRARY_PATH");
  }
  if (r == 0 && cfg.use_rpath && requester && requester->dyn.has_runpath &&
      !rpath_inhibited(cfg, requester)) {
    const char* origin = requester->is_main ? kMainOrigin : nullptr;
    if (!origin) origin = requester->origin;
    char* dir = origin ? nullptr : directory_of(arena, requester->path);
    r = trace_and_search(arena, cfg, requester->str(requester->dyn.runpath), origin ? origin : dir,
                         name, out, "RUNPATH", requester);
    arena.release(dir);
  }
  bool nodeflib = requester && (requester->dyn.flags_1 & 0x800 /* DF_1_NODEFLIB */);
  if (r == 0 && cfg.cache && !nodeflib) {
    event(SearchConfig::Event::SearchCache, "/etc/ld.so.cache", nullptr);
    if (const char* path = cfg.cache->lookup(name)) {
      Diagnostics scratch;
      r = try_path(scratch, arena, cfg, path, out, true);
    }
  }
  if (r == 0 && !nodeflib) r = trace_and_search(arena, cfg, nullptr, nullptr, name, out, "system search path");
  if (r > 0) return true;
  if (!diag.failed()) not_found(diag, name, out);
  return false;
}

}  // namespace rtld
