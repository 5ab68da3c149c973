// LD_DEBUG: what the dynamic linker reports as it works, one line per event, each prefixed
// with the process id as glibc's ld.so prefixes them; to stderr or to LD_DEBUG_OUTPUT.PID.
#pragma once
#include <cstdarg>
#include <cstdint>

#include "rtld/relocate.hpp"

namespace ldso::debug {

enum Category : unsigned {
  kLibs = 1, kReloc = 2, kFiles = 4, kSymbols = 8, kBindings = 16, kVersions = 32,
  kScopes = 64, kStatistics = 128, kUnused = 256,
};

extern unsigned mask;
inline bool on(Category c) { return (mask & c) != 0; }
// glibc's DL_DEBUG_IMPCALLS ("calling init:", "calling fini:"): on with every category that
// traces loading.
inline bool impcalls() { return (mask & (kLibs | kReloc | kFiles | kSymbols | kBindings | kVersions)) != 0; }

// Parses LD_DEBUG; prints the help text and exits for "help".
void init(const char* spec, const char* output_file, bool secure);

// One line (a newline is added): "%s %d %u %x %p %lu %zx" and widths.
void print(const char* fmt, ...);
void vprint(const char* fmt, va_list ap);
// One line made of the parts up to a null one, unformatted and longer than print allows (a
// search path with its hwcaps subdirectories runs to a few KiB).
void print_parts(const char* const* parts);

// Start-up statistics (LD_DEBUG=statistics).
struct Statistics {
  uint64_t start_cycles = 0, relocation_cycles = 0, load_cycles = 0;
};
extern Statistics stats;
extern rtld::RelocationStats relocations;  // start-up, lazy and dlopen relocation counts
uint64_t cycles();
void print_statistics(bool final);

// LD_DEBUG=bindings, reloc and files, as glibc's ld.so words them.
void report_binding(const rtld::Module& referrer, uint32_t index, const rtld::Resolved& def);
void report_relocation(const rtld::Module& m, bool lazy);
// A lookup of `name` (asking for `version`, or none) made for `referrer` found it in `def`;
// `protected_ref`: the reference is a protected symbol of the referrer itself.
void report_named_binding(const rtld::Module& referrer, const rtld::Module& def, const char* name,
                          const char* version, bool protected_ref = false);
void report_loaded(const rtld::Module& m);
void report_loading(const char* name, const rtld::Module* requester);  // files: "needed by"
void report_searched();  // libs: the blank line after a search
// LD_DEBUG=symbols: a lookup of `name` searches `m`.
void report_lookup(const char* name, const rtld::Module& m);
// LD_DEBUG=scopes: an object's scopes from number `from` on; an object added to the global
// scope by dlopen(RTLD_GLOBAL); every object's scopes at start-up.
void show_scope(const rtld::Module& m, size_t from);
void report_made_global(const rtld::Module& m);
void report_nodelete(const rtld::Module& m, const rtld::Module* from);  // bindings
void report_nodelete_files(const rtld::Module& m, bool activating);     // files
void show_initial_scopes();
// LD_DEBUG=versions: `requirer` needs `version` of `target`.
void report_version_check(const rtld::Module& target, const char* version, const rtld::Module& requirer);
const char* name_of(const rtld::Module& m);  // the program's argv[0] for the executable

}  // namespace ldso::debug
