// rtld's word-at-a-time string equality, against a byte-wise oracle, with strings placed so that
// they end right before an inaccessible page (a read past it would fault).
#include <sys/mman.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "rtld/string.hpp"

namespace {

class GuardedPage {
 public:
  GuardedPage() {
    base_ = static_cast<char*>(mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
    EXPECT_EQ(mprotect(base_ + kPage, kPage, PROT_NONE), 0);
  }
  ~GuardedPage() { munmap(base_, 2 * kPage); }
  // Copies s with its NUL so that `gap` bytes remain before the guard page.
  const char* place(const std::string& s, size_t gap) {
    char* at = base_ + kPage - gap - s.size() - 1;
    std::memcpy(at, s.c_str(), s.size() + 1);
    return at;
  }
  static constexpr size_t kPage = 4096;

 private:
  char* base_;
};

TEST(ImageStrEq, MatchesBytewiseComparison) {
  const char* words[] = {"",         "a",         "ab",         "abcdefg",    "abcdefgh",
                         "abcdefghi", "abcdefgh\x80", "GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.3",
                         "_ZNSt6vectorIiSaIiEE9push_backERKi", "\x01\x01", "\x01"};
  alignas(16) char bufa[64], bufb[64];
  for (const char* x : words)
    for (const char* y : words)
      for (size_t oa = 0; oa < 8; ++oa)
        for (size_t ob = 0; ob < 8; ++ob) {
          std::strcpy(bufa + oa, x);
          std::strcpy(bufb + ob, y);
          EXPECT_EQ(rtld::image_str_eq(bufa + oa, bufb + ob), std::strcmp(x, y) == 0)
              << '"' << x << "\" vs \"" << y << '"' << oa << ob;
        }
}

TEST(ImageStrEq, DifferenceAtEveryPosition) {
  std::string base(40, 'x');
  for (size_t len = 0; len < 40; ++len) {
    std::string a = base.substr(0, len);
    EXPECT_TRUE(rtld::image_str_eq(a.c_str(), std::string(a).c_str()));
    for (size_t i = 0; i < len; ++i) {
      std::string b = a;
      b[i] = 'y';
      EXPECT_FALSE(rtld::image_str_eq(a.c_str(), b.c_str())) << len << ' ' << i;
      b[i] = '\0';  // b is now a prefix of a
      EXPECT_FALSE(rtld::image_str_eq(a.c_str(), b.c_str())) << len << ' ' << i;
      EXPECT_FALSE(rtld::image_str_eq(b.c_str(), a.c_str())) << len << ' ' << i;
    }
  }
}

TEST(ImageStrEq, NeverReadsIntoTheNextPage) {
  GuardedPage pa, pb;
  for (size_t len = 0; len < 24; ++len)
    for (size_t gap = 0; gap < 9; ++gap) {
      std::string s(len, 'q');
      const char* a = pa.place(s, gap);
      const char* b = pb.place(s, 8 - gap);
      EXPECT_TRUE(rtld::image_str_eq(a, b)) << len << ' ' << gap;
      EXPECT_TRUE(rtld::image_str_eq(b, a)) << len << ' ' << gap;
      std::string t = s + "r";
      const char* c = pb.place(t, gap);
      EXPECT_FALSE(rtld::image_str_eq(a, c)) << len << ' ' << gap;
      EXPECT_FALSE(rtld::image_str_eq(c, a)) << len << ' ' << gap;
    }
}

TEST(MemEq, EveryLengthAndDifferencePosition) {
  char a[40], b[40];
  for (size_t n = 0; n <= 33; ++n) {
    for (size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<char>('a' + i);
    EXPECT_TRUE(rtld::mem_eq(a, b, n)) << n;
    for (size_t d = 0; d < n; ++d) {
      b[d] ^= 0x20;
      EXPECT_FALSE(rtld::mem_eq(a, b, n)) << n << ' ' << d;
      b[d] ^= 0x20;
    }
    b[n] = 'x', a[n] = 'y';  // bytes past n are not compared
    EXPECT_TRUE(rtld::mem_eq(a, b, n)) << n;
  }
}

}  // namespace
