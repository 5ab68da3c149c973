// ld.so's own strlen and index (rtld/freestanding_libc.cpp), which read whole aligned words,
// against the C library's, for every alignment, length and position of the character, next to
// an inaccessible page (a read into it would fault). Compiled here under other names, and
// without AddressSanitizer (the word reads go past the terminator by design, never past the
// word holding it).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#define memcpy fl_memcpy
#define memmove fl_memmove
#define memset fl_memset
#define memcmp fl_memcmp
#define memchr fl_memchr
#define strlen fl_strlen
#define index fl_index
#include "rtld/freestanding_libc.cpp"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef index

namespace {

// Two pages, the second inaccessible: strings end at the first page's end.
struct Guarded {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  char* base = static_cast<char*>(
      mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  Guarded() { mprotect(base + page, page, PROT_NONE); }
  ~Guarded() { munmap(base, 2 * page); }
};

TEST(FreestandingLibc, StrlenAndIndexAgreeWithTheCLibrary) {
  Guarded g;
  ASSERT_NE(g.base, MAP_FAILED);
  const unsigned char kChars[] = {'/', '$', ':', 0x01, 0x80, 0xff, 0x7f, 'a'};
  for (size_t len = 0; len <= 40; ++len) {
    for (size_t misalign = 0; misalign < 8; ++misalign) {
      // The string's NUL is the last byte of the page (or `misalign` bytes before it), so that
      // the word holding it is the page's last.
      char* s = g.base + g.page - 1 - len - misalign;
      // What comes before s: NULs and every character searched for, which must be ignored.
      for (char* p = g.base + g.page - 64 - 48; p < s; ++p)
        *p = (p - g.base) % 3 == 0 ? '\0' : static_cast<char>(kChars[(p - g.base) % 8]);
      for (unsigned char c : kChars) {
        for (size_t at = 0; at <= len; ++at) {  // c at `at` (at == len: absent)
          for (size_t i = 0; i < len; ++i) s[i] = static_cast<char>(i == at ? c : 0x01 + (i % 2) * 'b');
          s[len] = '\0';
          for (size_t i = len + 1; i <= len + misalign; ++i) s[i] = static_cast<char>(c);  // after the NUL
          ASSERT_EQ(fl_strlen(s), std::strlen(s)) << len << ' ' << misalign;
          ASSERT_EQ(fl_index(s, c), std::strchr(s, c)) << len << ' ' << misalign << ' ' << int{c} << ' ' << at;
          ASSERT_EQ(fl_index(s, '\0'), s + len);
          ASSERT_EQ(fl_index(s, c | 0x100), std::strchr(s, c));  // (only the low byte counts)
        }
      }
    }
  }
}

}  // namespace
