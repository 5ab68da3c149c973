// libc's IFUNC-selected string functions (memcpy memmove memset strlen strcmp, plus memcmp
// memchr strchr strcpy) at sizes from 1 byte to 1 MiB, aligned and unaligned: every result is
// checked against a byte loop, and a checksum of the buffers is printed.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Called through volatile pointers so that the compiler cannot inline or fold them.
static void* (*volatile p_memcpy)(void*, const void*, size_t) = memcpy;
static void* (*volatile p_memmove)(void*, const void*, size_t) = memmove;
static void* (*volatile p_memset)(void*, int, size_t) = memset;
static size_t (*volatile p_strlen)(const char*) = strlen;
static int (*volatile p_strcmp)(const char*, const char*) = strcmp;
static int (*volatile p_memcmp)(const void*, const void*, size_t) = memcmp;
static void* (*volatile p_memchr)(const void*, int, size_t) = memchr;
static char* (*volatile p_strchr)(const char*, int) = strchr;
static char* (*volatile p_strcpy)(char*, const char*) = strcpy;

#define MAX (1u << 20)
static unsigned char *src, *dst, *ref;
static uint64_t checksum = 1469598103934665603ull;
static int errors;

static void mix(const unsigned char* p, size_t n) {
  // FNV-1a over a sample of the bytes (every byte for small sizes).
  size_t step = n > 4096 ? 61 : 1;
  for (size_t i = 0; i < n; i += step) checksum = (checksum ^ p[i]) * 1099511628211ull;
  if (n) checksum = (checksum ^ p[n - 1]) * 1099511628211ull;
  checksum = (checksum ^ n) * 1099511628211ull;
}

static void fail(const char* fn, size_t n, size_t a, size_t b) {
  if (++errors <= 20) printf("%s: wrong result, size %zu, offsets %zu %zu\n", fn, n, a, b);
}

static void fill(unsigned char* p, size_t n, unsigned seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    p[i] = (unsigned char)(x >> 16);
  }
}

static void test_size(size_t n, size_t sa, size_t da) {
  const size_t pad = 64;
  fill(src, n + 2 * pad, (unsigned)(n + sa));
  memset(dst, 0xa5, n + 2 * pad + 64);
  // memcpy
  void* r = p_memcpy(dst + pad + da, src + pad + sa, n);
  if (r != dst + pad + da) fail("memcpy return", n, sa, da);
  for (size_t i = 0; i < n; ++i)
    if (dst[pad + da + i] != src[pad + sa + i]) { fail("memcpy", n, sa, da); break; }
  if (dst[pad + da - 1] != 0xa5 || dst[pad + da + n] != 0xa5) fail("memcpy bounds", n, sa, da);
  mix(dst + pad + da, n);
  // memcmp on equal and differing buffers
  if (p_memcmp(dst + pad + da, src + pad + sa, n) != 0) fail("memcmp equal", n, sa, da);
  if (n) {
    size_t k = n / 2;
    dst[pad + da + k] ^= 0x80;
    int c = p_memcmp(dst + pad + da, src + pad + sa, n);
    int want = dst[pad + da + k] < src[pad + sa + k] ? -1 : 1;
    if ((c < 0 ? -1 : 1) != want || c == 0) fail("memcmp differ", n, sa, da);
    dst[pad + da + k] ^= 0x80;
  }
  // memmove, overlapping forwards and backwards
  memcpy(ref, dst, n + 2 * pad + 64);
  size_t shift = 1 + (n % 37);
  r = p_memmove(dst + pad + da + shift, dst + pad + da, n);
  if (r != dst + pad + da + shift) fail("memmove return", n, sa, da);
  for (size_t i = 0; i < n; ++i)
    if (dst[pad + da + shift + i] != ref[pad + da + i]) { fail("memmove fwd", n, sa, da); break; }
  mix(dst + pad + da, n + shift);
  memcpy(ref, dst, n + 2 * pad + 64);
  p_memmove(dst + pad + da, dst + pad + da + shift, n);
  for (size_t i = 0; i < n; ++i)
    if (dst[pad + da + i] != ref[pad + da + shift + i]) { fail("memmove back", n, sa, da); break; }
  mix(dst + pad + da, n + shift);
  // memset
  int byte = (int)(n * 7 + 3) & 0xff;
  memset(dst, 0x5a, n + 2 * pad + 64);
  r = p_memset(dst + pad + da, byte, n);
  if (r != dst + pad + da) fail("memset return", n, sa, da);
  for (size_t i = 0; i < n; ++i)
    if (dst[pad + da + i] != (unsigned char)byte) { fail("memset", n, sa, da); break; }
  if (dst[pad + da - 1] != 0x5a || dst[pad + da + n] != 0x5a) fail("memset bounds", n, sa, da);
  mix(dst + pad + da, n);
  // memchr: a byte placed at the end
  memset(dst + pad + da, 1, n);
  if (n) {
    dst[pad + da + n - 1] = 0xee;
    if (p_memchr(dst + pad + da, 0xee, n) != dst + pad + da + n - 1) fail("memchr", n, sa, da);
    if (p_memchr(dst + pad + da, 0xef, n) != NULL) fail("memchr absent", n, sa, da);
  }
  // strlen, strchr, strcpy, strcmp on a string of n - 1 non-zero bytes
  if (n) {
    char* s = (char*)src + pad + sa;
    for (size_t i = 0; i + 1 < n; ++i)
      if (s[i] == 0 || (unsigned char)s[i] == 255) s[i] = (char)(1 + i % 250);
    s[n - 1] = 0;
    if (p_strlen(s) != n - 1) fail("strlen", n, sa, da);
    char* d = (char*)dst + pad + da;
    if (p_strcpy(d, s) != d) fail("strcpy return", n, sa, da);
    if (memcmp(d, s, n) != 0) fail("strcpy", n, sa, da);
    if (p_strcmp(d, s) != 0) fail("strcmp equal", n, sa, da);
    if (n > 1) {
      d[n - 2] = (char)((unsigned char)s[n - 2] + 1);
      if (p_strcmp(d, s) <= 0) fail("strcmp greater", n, sa, da);
      if (p_strcmp(s, d) >= 0) fail("strcmp less", n, sa, da);
      if (p_strchr(s, 0) != s + n - 1) fail("strchr nul", n, sa, da);
      s[n - 2] = (char)0xfe;
      for (size_t i = 0; i + 2 < n; ++i)
        if ((unsigned char)s[i] == 0xfe) s[i] = 3;
      if (p_strchr(s, 0xfe) != s + n - 2) fail("strchr", n, sa, da);
    }
    mix((unsigned char*)d, n);
  }
}

int main(void) {
  src = aligned_alloc(4096, MAX + 4096);
  dst = aligned_alloc(4096, MAX + 4096);
  ref = aligned_alloc(4096, MAX + 4096);
  static const size_t special[] = {129, 513, 16449, 4095, 4097, 65535, 65536, 65537,
                                   (1u << 20) - 256, 1u << 19, 777777};
  size_t count = 0;
  for (size_t n = 0; n <= 300; ++n)
    for (size_t a = 0; a < 4; ++a) test_size(n, a * 5 % 64, a * 3 % 64), ++count;
  for (size_t n = 256; n <= (1u << 20) - 256; n *= 2)
    for (size_t d = 0; d < 3; ++d)
      for (size_t a = 0; a < 64; a += 13) test_size(n - 1 + d, a, (a * 7) % 64), ++count;
  for (size_t i = 0; i < sizeof special / sizeof *special; ++i)
    for (size_t a = 0; a < 64; a += 9) test_size(special[i], a, 63 - a), ++count;
  printf("cases %zu errors %d checksum %016llx\n", count, errors, (unsigned long long)checksum);
  return errors != 0;
}
