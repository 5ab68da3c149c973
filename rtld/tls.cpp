#include "tls.hpp"

#include "arch/machine.hpp"
#include "string.hpp"

namespace rtld {

void assign_tls(StaticTls& layout, Module& m, bool in_static_block) {
  if (!m.image.has_tls) return;
  m.tls.id = layout.next_id++;
  if (!in_static_block) return;
  const TlsSegment& t = m.image.tls;
  size_t align = t.align ? t.align : 1;
  if (align > layout.align) layout.align = align;
  if constexpr (arch::kTlsVariant2) {
    // Blocks grow down from the thread pointer; the block's first byte keeps the congruence
    // of p_vaddr modulo the alignment that the static linker assumed.
    size_t first = (-t.first_byte_offset) & (align - 1);
    if (layout.free_bottom - layout.free_top >= t.mem_size) {
      size_t offset = align_up(layout.free_top + t.mem_size - first, align) + first;
      if (offset <= layout.free_bottom) {
        layout.free_top = offset;
        m.tls.tp_offset = -static_cast<intptr_t>(offset);
        m.tls.is_static = true;
        return;
      }
    }
    size_t offset = align_up(layout.size + t.mem_size - first, align) + first;
    if (offset > layout.size + t.mem_size + (layout.free_bottom - layout.free_top)) {
      layout.free_top = layout.size;  // the alignment leaves a bigger gap than the last one
      layout.free_bottom = offset - t.mem_size;
    }
    layout.size = offset;
    m.tls.tp_offset = -static_cast<intptr_t>(offset);
  } else {
    // Blocks grow up from after the TCB (arch::kTlsBlockStart bytes past the thread pointer).
    size_t offset = align_up(layout.size, align) + t.first_byte_offset;
    if (offset < t.first_byte_offset) offset += align;
    layout.size = offset + t.mem_size;
    m.tls.tp_offset = static_cast<intptr_t>(offset);
  }
  m.tls.is_static = true;
}

void init_static_tls(uintptr_t tp, Module* first, DtvEntry* dtv, size_t dtv_length) {
  for (Module* m = first; m; m = m->next) {
    if (!m->tls.id || !m->tls.is_static) continue;
    auto* block = reinterpret_cast<char*>(tp + m->tls.tp_offset);
    const TlsSegment& t = m->image.tls;
    mem_copy(block, reinterpret_cast<const void*>(t.init_image), t.init_size);
    mem_zero(block + t.init_size, t.mem_size - t.init_size);
    if (m->tls.id < dtv_length) {
      dtv[m->tls.id].pointer.value = block;
      dtv[m->tls.id].pointer.to_free = nullptr;
    }
  }
}

}  // namespace rtld
