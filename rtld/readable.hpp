// Readable segments of a mapped image, for checking tables a damaged object points at.
#pragma once
#include <cstddef>
#include <cstdint>

#include "image.hpp"

namespace rtld {

// Whether [p, p + len) lies inside one readable segment of an image. Tables checked piece by piece
// (version definitions and requirements) ask about the same segment again and again: the
// segment of the last answer is tried first, the image's first readable one to begin with.
class Readable {
 public:
  explicit Readable(const Image* image)
      : m_(image), lo_(image ? image->read_start : 1), hi_(image ? image->read_end : 0) {}
  [[gnu::always_inline]] bool holds(const void* p, size_t len) {
    auto a = reinterpret_cast<uintptr_t>(p);
    return (a >= lo_ && a <= hi_ && len <= hi_ - a) || room(p, len) >= len;
  }

  // How many bytes from p on are in the readable segment holding [p, p + len); 0 when none
  // holds them (and len is not 0).
  [[gnu::noinline]] size_t room(const void* p, size_t len) {
    auto a = reinterpret_cast<uintptr_t>(p);
    if (a >= lo_ && a <= hi_ && len <= hi_ - a) return hi_ - a;
    if (!m_->phdr) {
      lo_ = m_->start, hi_ = m_->start + m_->size;
      return a >= lo_ && a <= hi_ && len <= hi_ - a ? hi_ - a : 0;
    }
    for (size_t i = 0; i < m_->phnum; ++i) {
      const elf::Phdr& ph = m_->phdr[i];
      if (ph.p_type != elf::PT_LOAD || !(ph.p_flags & elf::PF_R)) continue;
      uintptr_t lo = m_->bias + ph.p_vaddr, hi = lo + ph.p_memsz;
      if (a >= lo && a <= hi && len <= hi - a) {
        lo_ = lo, hi_ = hi;
        return hi - a;
      }
    }
    return 0;
  }

 private:
  const Image* m_;
  uintptr_t lo_ = 1, hi_ = 0;  // empty
};

}  // namespace rtld
