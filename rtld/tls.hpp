// Thread-local storage: module ids, the static TLS layout (variant I or II, per arch/), the
// DTV, and setting up one thread's blocks.
#pragma once
#include <cstddef>
#include <cstdint>

#include "module.hpp"

namespace rtld {

// The DTV entry layout glibc uses too: dtv[-1] holds the length, dtv[0] the generation.
union DtvEntry {
  size_t counter;
  struct {
    void* value;
    void* to_free;
  } pointer;
};

struct StaticTls {
  size_t size = 0;        // bytes of TLS blocks (variant II: below the thread pointer)
  size_t align = 16;      // the largest block alignment seen
  size_t next_id = 1;     // the next module id
  size_t generation = 1;
  // Variant II: bytes [free_top, free_bottom) below the thread pointer that an alignment left
  // unused; a later block that fits goes there (glibc's _dl_determine_tlsoffset). Start-up
  // clears it once its layout is done: objects opened later only go past `size`, as in glibc.
  size_t free_top = 0, free_bottom = 0;
};

// Gives `m` a module id and, with `in_static_block`, a fixed offset from the thread pointer.
void assign_tls(StaticTls& layout, Module& m, bool in_static_block);

// Copies each static module's initialisation image and zeroes the rest, for the thread whose
// thread pointer is `tp`; fills `dtv` (from DtvEntry[1] on, length in dtv[-1]).
void init_static_tls(uintptr_t tp, Module* first, DtvEntry* dtv, size_t dtv_length);

// __tls_get_addr's argument.
struct TlsIndex {
  uintptr_t module;
  uintptr_t offset;
};

}  // namespace rtld
