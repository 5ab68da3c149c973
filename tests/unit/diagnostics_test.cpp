// Diagnostics: first error wins, detail appended, numbers built in place; errno texts.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "rtld/diagnostics.hpp"

namespace {

TEST(Diagnostics, StartsClean) {
  rtld::Diagnostics d;
  EXPECT_FALSE(d.failed());
  EXPECT_STREQ(d.object(), "");
  EXPECT_STREQ(d.message(), "");
}

TEST(Diagnostics, FailRecordsObjectMessageAndDetail) {
  rtld::Diagnostics d;
  EXPECT_FALSE(d.fail("libfoo.so", "cannot open shared object file", "No such file or directory"));
  EXPECT_TRUE(d.failed());
  EXPECT_STREQ(d.object(), "libfoo.so");
  EXPECT_STREQ(d.message(), "cannot open shared object file: No such file or directory");
}

TEST(Diagnostics, FirstFailureWins) {
  rtld::Diagnostics d;
  d.fail("a.so", "first");
  d.fail("b.so", "second", "detail");
  EXPECT_STREQ(d.object(), "a.so");
  EXPECT_STREQ(d.message(), "first");
}

TEST(Diagnostics, ClearAllowsANewFailure) {
  rtld::Diagnostics d;
  d.fail("a.so", "first");
  d.clear();
  EXPECT_FALSE(d.failed());
  EXPECT_STREQ(d.message(), "");
  d.fail("b.so", "second");
  EXPECT_STREQ(d.object(), "b.so");
  EXPECT_STREQ(d.message(), "second");
}

TEST(Diagnostics, MessageTextBuildsNumbers) {
  rtld::Diagnostics d;
  d.fail("x.so", "bad value ");
  d.message_text().add_dec(1234567890123ull).add(" at 0x").add_hex(0xdeadbeefull);
  EXPECT_STREQ(d.message(), "bad value 1234567890123 at 0xdeadbeef");
}

TEST(Diagnostics, LongTextIsTruncatedNotOverflowed) {
  rtld::Diagnostics d;
  std::string longname(2000, 'n');
  d.fail(longname.c_str(), std::string(2000, 'm').c_str(), "detail");
  EXPECT_EQ(std::strlen(d.object()), 511u);
  EXPECT_EQ(std::strlen(d.message()), 511u);
}

// glibc's ld.so carries the text of a few errno values only (and prints "Error N" for the rest).
TEST(ErrnoText, MatchesGlibcWording) {
  for (int e : {EPERM, ENOENT, EIO, ENOMEM, EACCES, EINVAL}) {
    const char* t = rtld::errno_text(e);
    ASSERT_NE(t, nullptr) << e;
    EXPECT_STREQ(t, std::strerror(e)) << e;
  }
  for (int e : {0, EBADF, EISDIR, ENOEXEC, ENOTDIR, 9999}) EXPECT_EQ(rtld::errno_text(e), nullptr) << e;
}

TEST(Diagnostics, FailErrnoWithAndWithoutText) {
  rtld::Diagnostics d;
  EXPECT_FALSE(d.fail_errno("a.so", "cannot open shared object file", -ENOENT));
  EXPECT_STREQ(d.message(), "cannot open shared object file: No such file or directory");
  EXPECT_STREQ(d.object(), "a.so");
  rtld::Diagnostics e;
  e.fail_errno("b.so", "cannot read file data", EISDIR);  // positive values work too
  EXPECT_STREQ(e.message(), "cannot read file data: Error 21");
  e.fail_errno("c.so", "later", ENOENT);  // the first failure stays
  EXPECT_STREQ(e.object(), "b.so");
}

}  // namespace
