// The handful of libc functions the compiler may emit calls to, for the freestanding ld.so.
// Built with -fno-builtin and without loop-distribution so they do not call themselves.
#include <cstddef>
#include <cstdint>

extern "C" {

namespace {
using U64 = uint64_t __attribute__((may_alias, aligned(1)));
using U32 = uint32_t __attribute__((may_alias, aligned(1)));
}  // namespace

__attribute__((visibility("hidden"))) void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  // Short copies (names, messages, small records) by overlapping loads and stores: string
  // instructions take dozens of cycles to start on some processors.
  if (n <= 16) {
    if (n >= 8) {
      uint64_t a = *reinterpret_cast<const U64*>(s), b = *reinterpret_cast<const U64*>(s + n - 8);
      *reinterpret_cast<U64*>(d) = a, *reinterpret_cast<U64*>(d + n - 8) = b;
    } else if (n >= 4) {
      uint32_t a = *reinterpret_cast<const U32*>(s), b = *reinterpret_cast<const U32*>(s + n - 4);
      *reinterpret_cast<U32*>(d) = a, *reinterpret_cast<U32*>(d + n - 4) = b;
    } else if (n) {
      unsigned char a = s[0], b = s[n / 2], c = s[n - 1];
      d[0] = a, d[n / 2] = b, d[n - 1] = c;
    }
    return dst;
  }
#if defined(__x86_64__)
  if (n > 256) {
    // String instructions, eight bytes at a time and then the tail: few instructions retired
    // (what callgrind counts), and fast on every x86-64 since fast-string microcode.
    size_t words = n / sizeof(long), tail = n % sizeof(long);
    asm volatile("rep movsq\n\tmov %[t], %%rcx\n\trep movsb"
                 : "+D"(d), "+S"(s), "+c"(words) : [t] "r"(tail) : "memory");
    return dst;
  }
#endif
  uint64_t last = *reinterpret_cast<const U64*>(s + n - 8);
  for (size_t i = 0; i < n - 8; i += 8) *reinterpret_cast<U64*>(d + i) = *reinterpret_cast<const U64*>(s + i);
  *reinterpret_cast<U64*>(d + n - 8) = last;
  return dst;
}

__attribute__((visibility("hidden"))) void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    while (n--) *d++ = *s++;
  } else if (d > s) {
    while (n--) d[n] = s[n];
  }
  return dst;
}

__attribute__((visibility("hidden"))) void* memset(void* dst, int c, size_t n) {
#if defined(__x86_64__)
  void* d = dst;
  unsigned long v = 0x0101010101010101ull * static_cast<unsigned char>(c);
  size_t words = n / sizeof(long), tail = n % sizeof(long);
  asm volatile("rep stosq\n\tmov %[t], %%rcx\n\trep stosb"
               : "+D"(d), "+c"(words) : "a"(v), [t] "r"(tail) : "memory");
#else
  auto* d = static_cast<unsigned char*>(dst);
  if (n >= 16) {  // align, then whole words
    while (reinterpret_cast<uintptr_t>(d) & 7) *d++ = static_cast<unsigned char>(c), --n;
    uint64_t v = 0x0101010101010101ull * static_cast<unsigned char>(c);
    for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<uint64_t*>(d) = v;
  }
  while (n--) *d++ = static_cast<unsigned char>(c);
#endif
  return dst;
}

__attribute__((visibility("hidden"))) int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x - *y;
  return 0;
}

__attribute__((visibility("hidden"))) void* memchr(const void* p, int c, size_t n) {
  auto* s = static_cast<const unsigned char*>(p);
  for (; n; --n, ++s)
    if (*s == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(s);
  return nullptr;
}

// valgrind looks these two up by name in ld.so's symbol table: kept even if nothing calls them.
// strlen reads whole aligned words, which never cross into the next page, so reading past the
// terminator cannot fault; valgrind replaces it by name, so memcheck sees no over-read either.
__attribute__((visibility("hidden"), used, retain)) size_t strlen(const char* s) {
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    using Word = uint64_t __attribute__((may_alias));
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    uintptr_t a = reinterpret_cast<uintptr_t>(s);
    auto* w = reinterpret_cast<const Word*>(a & ~uintptr_t{7});
    uint64_t x = *w | ((uint64_t{1} << ((a & 7) * 8)) - 1);  // the bytes before s: not NUL
    uint64_t zero;
    while (!(zero = (x - kOnes) & ~x & kHighs)) x = *++w;  // exact up to the first NUL
    return static_cast<size_t>(reinterpret_cast<const char*>(w) - s) + (__builtin_ctzll(zero) >> 3);
  }
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

// index too reads whole aligned words: a word's bytes that are NUL or c are found at once (the
// bytes before s made 0xff in both tests first, so that they neither match nor borrow).
__attribute__((visibility("hidden"), used, retain)) char* index(const char* s, int c) {
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    using Word = uint64_t __attribute__((may_alias));
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    const uint64_t pattern = kOnes * static_cast<unsigned char>(c);
    uintptr_t a = reinterpret_cast<uintptr_t>(s);
    auto* w = reinterpret_cast<const Word*>(a & ~uintptr_t{7});
    uint64_t before = (uint64_t{1} << ((a & 7) * 8)) - 1;
    for (;; ++w, before = 0) {
      const uint64_t x = *w | before, y = (*w ^ pattern) | before;
      if (const uint64_t m = (((x - kOnes) & ~x) | ((y - kOnes) & ~y)) & kHighs) {
        const char* p = reinterpret_cast<const char*>(w) + (__builtin_ctzll(m) >> 3);
        return *p == static_cast<char>(c) ? const_cast<char*>(p) : nullptr;
      }
    }
  }
  for (;; ++s) {
    if (*s == static_cast<char>(c)) return const_cast<char*>(s);
    if (!*s) return nullptr;
  }
}

}  // extern "C"
