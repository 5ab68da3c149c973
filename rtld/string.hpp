// Small string helpers that rtld uses instead of libc's (it has none when it runs inside ld.so).
#pragma once
#include <cstddef>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rtld {

// strlen: folded for literals; otherwise ld.so's word-at-a-time one (freestanding_libc.cpp) or
// the host libc's.
inline size_t str_len(const char* s) { return __builtin_strlen(s); }
inline bool str_eq(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

// str_eq for two strings inside loaded ELF images (string tables), eight bytes at a time:
// symbol and version names are compared on every lookup. A word is read only where it cannot
// cross into the next (4 KiB or larger) page, so reading past a terminator never faults; the
// bytes after it are initialised file contents, so memcheck sees no decision on undefined
// memory (strings from a caller's heap must use str_eq). Sanitizers would still call such reads
// overflows, hence the attribute.
[[gnu::no_sanitize_address]] inline bool image_str_eq(const char* a, const char* b) {
#if defined(__SSE2__)
  // Sixteen bytes a step (C++ names run to a hundred bytes and more): a mask of the bytes
  // that differ or end the string.
  constexpr uintptr_t kLastBlock = 4096 - 16;
  while ((reinterpret_cast<uintptr_t>(a) & 4095) <= kLastBlock && (reinterpret_cast<uintptr_t>(b) & 4095) <= kLastBlock) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    unsigned diff = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y))) ^ 0xffffu;
    unsigned zero = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128())));
    if (diff | zero) return !diff || (zero && __builtin_ctz(zero) < __builtin_ctz(diff));
    a += 16, b += 16;
  }
#endif
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    constexpr uintptr_t kLastWord = 4096 - sizeof(uint64_t);
    while ((reinterpret_cast<uintptr_t>(a) & 4095) <= kLastWord &&
           (reinterpret_cast<uintptr_t>(b) & 4095) <= kLastWord) {
      uint64_t x, y;
      __builtin_memcpy(&x, a, sizeof x);
      __builtin_memcpy(&y, b, sizeof y);
      uint64_t zero = (x - kOnes) & ~x & kHighs;  // exact up to and including the first NUL
      uint64_t diff = x ^ y;
      if (diff | zero) {
        if (!zero) return false;
        // Equal if the first NUL of `a` comes before the first differing byte.
        return !diff || __builtin_ctzll(zero) < __builtin_ctzll(diff);
      }
      a += sizeof x, b += sizeof y;
    }
  }
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
// Whether n bytes at a and b are equal, a word at a time (reads exactly those bytes).
inline bool mem_eq(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const char*>(a);
  auto* y = static_cast<const char*>(b);
  if (n >= 8) {  // whole words, the last one overlapping
    uint64_t u, v;
    for (size_t i = 0; i + 8 < n; i += 8) {
      __builtin_memcpy(&u, x + i, 8), __builtin_memcpy(&v, y + i, 8);
      if (u != v) return false;
    }
    __builtin_memcpy(&u, x + n - 8, 8), __builtin_memcpy(&v, y + n - 8, 8);
    return u == v;
  }
  if (n >= 4) {
    uint32_t u0, v0, u1, v1;
    __builtin_memcpy(&u0, x, 4), __builtin_memcpy(&v0, y, 4);
    __builtin_memcpy(&u1, x + n - 4, 4), __builtin_memcpy(&v1, y + n - 4, 4);
    return u0 == v0 && u1 == v1;
  }
  for (; n; --n)
    if (*x++ != *y++) return false;
  return true;
}
inline bool str_eq_n(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
    if (!a[i]) return true;
  }
  return true;
}
// (the length a word at a time, then back from the end: the last '/' of a path is near it)
inline const char* str_rchr(const char* s, char c) {
  for (size_t n = str_len(s); n--;)
    if (s[n] == c) return s + n;
  return nullptr;
}
extern "C" char* index(const char* s, int c);  // freestanding_libc.cpp (the C library's in tests)
inline const char* str_chr(const char* s, char c) { return index(s, c); }
inline bool has_slash(const char* s) { return str_chr(s, '/') != nullptr; }
// Out of line on purpose: the compiler would otherwise expand large or unknown sizes inline.
extern "C" void* memcpy(void* dst, const void* src, size_t n);
extern "C" void* memset(void* dst, int c, size_t n);
inline void mem_copy(void* dst, const void* src, size_t n) { memcpy(dst, src, n); }
inline void mem_zero(void* dst, size_t n) { memset(dst, 0, n); }

inline uintptr_t align_down(uintptr_t v, uintptr_t a) { return v & ~(a - 1); }
inline uintptr_t align_up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }

// Text's appending, shared by every capacity (one copy instead of one per Text<N>): appends up
// to n bytes of s to data[0, len) within cap bytes (NUL included); returns the new length.
[[gnu::noinline]] inline size_t text_append(char* data, size_t cap, size_t len, const char* s, size_t n) {
  if (n > cap - 1 - len) n = cap - 1 - len;
  mem_copy(data + len, s, n);
  len += n;
  data[len] = 0;
  return len;
}
// The digits of v in base 10 or 16 at the end of out[24]; returns where they start.
[[gnu::noinline]] inline const char* text_digits(char* out, uint64_t v, unsigned base) {
  char* p = out + 24;
  do *--p = "0123456789abcdef"[v % base];
  while (v /= base);
  return p;
}

// A fixed-capacity text builder: never overflows, silently truncates.
// The length and capacity come first and the code reads the capacity from the object: every
// capacity's methods are the same instructions, which the linker folds into one copy.
template <size_t N>
struct Text {
  Text() { data[0] = 0; }  // no zero fill: these live on hot paths' stacks
  size_t len = 0;
  size_t cap = N;
  char data[N];
  Text& add(const char* s) { return s ? add(s, str_len(s)) : *this; }
  // (out of line everywhere, so that every N's add(const char*) compiles to the same code, which
  // the linker folds into one)
  [[gnu::noinline]] Text& add(const char* s, size_t n) {  // n bytes of s (truncated to what fits)
    len = text_append(data, cap, len, s, n);
    return *this;
  }
  Text& add_char(char c) {
    if (len + 1 < cap) data[len++] = c;
    data[len] = 0;
    return *this;
  }
  Text& add_dec(uint64_t v) { return add_digits(v, 10); }
  Text& add_hex(uint64_t v) { return add_digits(v, 16); }
  Text& add_digits(uint64_t v, unsigned base) {
    char tmp[24];
    const char* p = text_digits(tmp, v, base);
    return add(p, static_cast<size_t>(tmp + 24 - p));
  }
  void clear() { len = 0, data[0] = 0; }
  const char* c_str() const { return data; }
};

}  // namespace rtld
