// gnu_hash and sysv_hash: known values (computed independently, with a Python transcription of
// the ELF and GNU definitions), and agreement with the values the linker stored in real objects.
#include <vector>

#include <gtest/gtest.h>

#include "rtld/symbols.hpp"
#include "support/files.hpp"
#include "support/loaded.hpp"

namespace {

using namespace testing_support;

TEST(GnuHash, KnownValues) {
  EXPECT_EQ(rtld::gnu_hash(""), 5381u);
  EXPECT_EQ(rtld::gnu_hash("a"), 0x0002b606u);
  EXPECT_EQ(rtld::gnu_hash("printf"), 0x156b2bb8u);
  EXPECT_EQ(rtld::gnu_hash("memcpy"), 0x0d827590u);
  EXPECT_EQ(rtld::gnu_hash("GLIBC_2.2.5"), 0x427315bau);
  EXPECT_EQ(rtld::gnu_hash("_ZNSt8ios_base4InitC1Ev"), 0x4cd4b8c7u);
  EXPECT_EQ(rtld::gnu_hash("abcdefghijklmnopqrstuvwxyz0123456789"), 0x774c7211u);
}

// The compile-time forms (ld.so's own look-ups in libc use them) give the same values.
static_assert(rtld::gnu_hash_of("printf") == 0x156b2bb8u);
static_assert(rtld::gnu_hash_of("_ZNSt8ios_base4InitC1Ev") == 0x4cd4b8c7u);
static_assert(rtld::sysv_hash("GLIBC_PRIVATE") == 0x0963cf85u);

TEST(GnuHash, ImageVariantAgreesAtEveryLengthAndAlignment) {
  alignas(16) char buf[96];
  for (size_t off = 0; off < 8; ++off)
    for (size_t len = 0; len < 80; ++len) {
      // (bytes 1-255: every lane of the word-at-a-time sums at its largest too)
      for (size_t i = 0; i < len; ++i)
        buf[off + i] = static_cast<char>(1 + (i * 37 + off * 11) % 255);
      buf[off + len] = 0;
      ASSERT_EQ(rtld::image_gnu_hash(buf + off), rtld::gnu_hash(buf + off)) << off << ' ' << len;
    }
  EXPECT_EQ(rtld::image_gnu_hash("_ZNSt8ios_base4InitC1Ev"), 0x4cd4b8c7u);
  EXPECT_EQ(rtld::image_gnu_hash("\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
            rtld::gnu_hash("\xff\xff\xff\xff\xff\xff\xff\xff\xff"));
}

// The definition, a byte at a time, against the four-bytes-a-step loop; and the length it reports.
TEST(GnuHash, MatchesDefinitionAndReportsLength) {
  char buf[80];
  for (size_t len = 0; len < 79; ++len) {
    uint32_t h = 5381;
    for (size_t i = 0; i < len; ++i) {
      buf[i] = static_cast<char>(0x80 + (i * 37) % 127);  // bytes above 0x7f too
      h = h * 33 + static_cast<unsigned char>(buf[i]);
    }
    buf[len] = 0;
    size_t got = 12345;
    ASSERT_EQ(rtld::gnu_hash(buf, &got), h) << len;
    ASSERT_EQ(got, len);
  }
}

TEST(GnuHash, BytesAboveAsciiAreUnsigned) {
  EXPECT_EQ(rtld::gnu_hash("\xff"), 5381u * 33u + 0xffu);
}

TEST(SysvHash, KnownValues) {
  EXPECT_EQ(rtld::sysv_hash(""), 0u);
  EXPECT_EQ(rtld::sysv_hash("a"), 0x61u);
  EXPECT_EQ(rtld::sysv_hash("printf"), 0x077905a6u);
  EXPECT_EQ(rtld::sysv_hash("memcpy"), 0x073c3a79u);
  EXPECT_EQ(rtld::sysv_hash("GLIBC_2.2.5"), 0x09691a75u);
  EXPECT_EQ(rtld::sysv_hash("GLIBC_2.14"), 0x06969194u);
  EXPECT_EQ(rtld::sysv_hash("_ZNSt8ios_base4InitC1Ev"), 0x0c0d71d6u);
  // Long enough for the high nibble to be folded back in many times.
  EXPECT_EQ(rtld::sysv_hash("abcdefghijklmnopqrstuvwxyz0123456789"), 0x067d7f09u);
}

TEST(SysvHash, TopNibbleAlwaysClear) {
  const char* names[] = {"abcdefghijklmnopqrstuvwxyz0123456789", "\xff\xff\xff\xff\xff\xff\xff\xff",
                         "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4findEPKcmm"};
  for (const char* n : names) EXPECT_EQ(rtld::sysv_hash(n) & 0xf0000000u, 0u) << n;
  EXPECT_EQ(rtld::sysv_hash("\xff"), 0xffu);
}

TEST(SymbolName, CachesBothHashes) {
  rtld::SymbolName n("printf");
  EXPECT_EQ(n.gnu, 0x156b2bb8u);
  EXPECT_EQ(n.sysv(), 0x077905a6u);
  EXPECT_EQ(n.sysv(), 0x077905a6u);
}

// The linker stored the GNU hash of every symbol from symoffset on in the chain array (low bit
// reused as end-of-chain marker): each must equal gnu_hash of the symbol's name.
TEST(GnuHash, MatchesLibcChainValues) {
  auto l = load(kLibc, Source::kFd);
  ASSERT_TRUE(l->prepared) << l->diag.message();
  const rtld::Module& m = l->module;
  ASSERT_NE(m.gnu.buckets, nullptr);
  ASSERT_GT(m.symbol_count, m.gnu.symoffset + 1000u);
  for (size_t i = m.gnu.symoffset; i < m.symbol_count; ++i) {
    const char* name = m.str(m.dyn.symtab[i].st_name);
    ASSERT_EQ(m.gnu.chain[i - m.gnu.symoffset] | 1u, rtld::gnu_hash(name) | 1u) << name;
  }
}

// name_of_symbol reads a symbol's hash back from its object's own table (recovering the low bit
// from the bucket that holds it): for every symbol of these objects, it must equal gnu_hash.
TEST(GnuHash, NameOfSymbolRecoversTheFullHash) {
  for (const char* path : {kLibc, kLibm, kLibGnu, kLibBoth, kLibSysv}) {
    auto l = load(path, Source::kFd);
    ASSERT_TRUE(l->prepared) << l->diag.message();
    const rtld::Module& m = l->module;
    ASSERT_GT(m.symbol_count, 1u) << path;
    for (uint32_t i = 1; i < m.symbol_count; ++i) {
      rtld::SymbolName n = rtld::name_of_symbol(m, i);
      const char* name = m.str(m.dyn.symtab[i].st_name);
      ASSERT_EQ(n.name, name) << path << ' ' << i;
      ASSERT_EQ(n.gnu, rtld::gnu_hash(name)) << path << ' ' << name;
    }
  }
}

// A hash table whose runs do not hold together: the hash is computed, never guessed.
TEST(GnuHash, NameOfSymbolWithInconsistentBucketsHashesTheName) {
  auto l = load(kLibGnu, Source::kFd);
  ASSERT_TRUE(l->prepared) << l->diag.message();
  rtld::Module m = l->module;
  ASSERT_GE(m.gnu.nbuckets, 2u);
  std::vector<uint32_t> buckets(m.gnu.nbuckets, 0);  // every bucket empty
  m.gnu.buckets = buckets.data();
  for (uint32_t i = m.gnu.symoffset; i < m.symbol_count; ++i) {
    const char* name = m.str(m.dyn.symtab[i].st_name);
    EXPECT_EQ(rtld::name_of_symbol(m, i).gnu, rtld::gnu_hash(name)) << name;
  }
}

// Every version definition carries the ELF (SysV) hash of its name.
TEST(SysvHash, MatchesLibcVersionDefinitionHashes) {
  auto l = load(kLibc, Source::kFd);
  ASSERT_TRUE(l->prepared) << l->diag.message();
  const rtld::Module& m = l->module;
  ASSERT_GE(m.version_count, 30u);
  size_t checked = 0;
  for (size_t i = 0; i < m.version_count; ++i) {
    const rtld::Version& v = m.versions[i];
    if (!v.name) continue;
    EXPECT_EQ(v.hash, rtld::sysv_hash(v.name)) << v.name;
    ++checked;
  }
  EXPECT_GE(checked, 30u);
}

// The SysV table's buckets: every symbol is on the chain of bucket sysv_hash(name) % nbucket.
TEST(SysvHash, MatchesLibcBuckets) {
  auto l = load(kLibc, Source::kFd);
  ASSERT_TRUE(l->prepared) << l->diag.message();
  const rtld::Module& m = l->module;
  ASSERT_NE(m.sysv.buckets, nullptr);
  for (uint32_t i = 1; i < m.sysv.nchain; ++i) {
    const char* name = m.str(m.dyn.symtab[i].st_name);
    bool found = false;
    uint32_t steps = 0;
    for (uint32_t j = m.sysv.buckets[rtld::sysv_hash(name) % m.sysv.nbucket];
         j != 0 && steps <= m.sysv.nchain; j = m.sysv.chain[j], ++steps)
      if (j == i) found = true;
    ASSERT_TRUE(found) << name;
  }
}

}  // namespace
