#include "memory.hpp"

#include <bit>

#include "platform.hpp"
#include "string.hpp"

namespace rtld {
namespace {
// Every block carries a 16-byte header holding its size class or page count.
struct Header {
  uint64_t size_class;  // < kClasses: small; otherwise the byte length of a large mapping
  uint64_t pad;
};
constexpr size_t kChunk = 64 * 1024;
}  // namespace

// The common case, a fresh block from the current chunk, needs no callee-saved register: the
// rest (a reused block, a new chunk, a large mapping) is a call away.
void* Arena::allocate(size_t size) {
  const size_t need = size + sizeof(Header);
  if (need > sizeof(Header) && need <= (size_t{16} << (kClasses - 1))) {
    // The smallest class whose blocks (16 << class bytes) hold need.
    const int cls = static_cast<int>(std::bit_width(need - 1)) - 4;
    const uintptr_t end = chunk_cur_ + (size_t{16} << cls);
    if (!free_[cls] && end <= chunk_end_) {
      auto* h = reinterpret_cast<Header*>(chunk_cur_);
      chunk_cur_ = end;  // fresh anonymous memory is already zero
      h->size_class = static_cast<uint64_t>(cls);
      return h + 1;
    }
  }
  return allocate_slow(size);
}

void* Arena::allocate_slow(size_t size) {
  if (size > SIZE_MAX / 2) return nullptr;  // never met; keeps the sums below in range
  size_t need = size + sizeof(Header);
  // The smallest class whose blocks (16 << class bytes) hold need.
  const int cls = need <= 16 ? 0 : static_cast<int>(std::bit_width(need - 1)) - 4;
  if (cls >= kClasses) {
    size_t len = align_up(need, platform::page_size());
    intptr_t r = platform::map_zero(0, len, platform::kRead | platform::kWrite);
    if (platform::is_error(r)) return nullptr;
    auto* h = reinterpret_cast<Header*>(r);
    h->size_class = len;
    return h + 1;
  }
  size_t block = size_t{16} << cls;
  Header* h;
  if (free_[cls]) {
    h = reinterpret_cast<Header*>(free_[cls]);
    free_[cls] = free_[cls]->next;
    mem_zero(h, need);  // what the caller gets zeroed, as fresh memory is
  } else {
    if (chunk_cur_ + block > chunk_end_) {
      intptr_t r = platform::map_zero(0, kChunk, platform::kRead | platform::kWrite);
      if (platform::is_error(r)) return nullptr;
      chunk_cur_ = static_cast<uintptr_t>(r);
      chunk_end_ = chunk_cur_ + kChunk;
    }
    h = reinterpret_cast<Header*>(chunk_cur_);
    chunk_cur_ += block;  // fresh anonymous memory is already zero
  }
  h->size_class = static_cast<uint64_t>(cls);
  return h + 1;
}

void Arena::release(void* p) {
  if (!p) return;
  Header* h = static_cast<Header*>(p) - 1;
  if (h->size_class >= kClasses) {
    platform::unmap(reinterpret_cast<uintptr_t>(h), h->size_class);
    return;
  }
  // The free-list link overlays size_class: read the class before writing the link.
  const uint64_t cls = h->size_class;
  auto* f = reinterpret_cast<FreeBlock*>(h);
  f->next = free_[cls];
  free_[cls] = f;
}

char* Arena::copy_string(const char* s, size_t n) {
  char* d = static_cast<char*>(allocate(n + 1));
  if (d) mem_copy(d, s, n), d[n] = 0;
  return d;
}
char* Arena::copy_string(const char* s) { return copy_string(s, str_len(s)); }

}  // namespace rtld
