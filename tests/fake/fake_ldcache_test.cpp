// ld.so.cache lookups on synthetic cache files (the fake platform's file table; its mappings are
// followed by an inaccessible page, so a read past one faults).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "arch/machine.hpp"
#include "fake_platform.hpp"
#include "rtld/ldcache.hpp"

namespace {

// A "glibc-ld.so.cache1.1" file: the header, one 24-byte entry per (name, path), then the
// strings. `tail`, if given, is appended unterminated (as ldconfig's closing string is), and
// `size` pads the file with NULs before it up to that many bytes.
struct CacheFile {
  std::vector<uint8_t> bytes;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;  // key, value
};

CacheFile make_cache(const std::vector<std::pair<std::string, std::string>>& entries,
                     const std::string& tail = "", size_t size = 0) {
  CacheFile c;
  const size_t strings = 48 + 24 * entries.size();
  std::string table;
  for (auto& [name, path] : entries) {
    uint32_t key = static_cast<uint32_t>(strings + table.size());
    table += name + '\0';
    uint32_t value = static_cast<uint32_t>(strings + table.size());
    table += path + '\0';
    c.offsets.push_back({key, value});
  }
  c.bytes.assign(strings, 0);
  std::memcpy(c.bytes.data(), "glibc-ld.so.cache1.1", 20);
  const uint32_t n = static_cast<uint32_t>(entries.size());
  std::memcpy(c.bytes.data() + 20, &n, 4);
  for (size_t i = 0; i < entries.size(); ++i) {
    uint8_t* e = c.bytes.data() + 48 + 24 * i;
    const int32_t flags = 3 | arch::kLdCacheFlags;  // ELF, libc6, this architecture
    std::memcpy(e, &flags, 4);
    std::memcpy(e + 4, &c.offsets[i].first, 4);
    std::memcpy(e + 8, &c.offsets[i].second, 4);
  }
  c.bytes.insert(c.bytes.end(), table.begin(), table.end());
  if (size) c.bytes.resize(size - tail.size(), 0);
  c.bytes.insert(c.bytes.end(), tail.begin(), tail.end());
  return c;
}

void set_entry(CacheFile& c, size_t i, uint32_t key, uint32_t value) {
  std::memcpy(c.bytes.data() + 48 + 24 * i + 4, &key, 4);
  std::memcpy(c.bytes.data() + 48 + 24 * i + 8, &value, 4);
}

TEST(FakeLdCache, FindsEntriesInLdconfigOrder) {
  fake::reset();
  // ldconfig's order, descending: digit runs as numbers ("libz.so.10" after "libz.so.9").
  CacheFile c = make_cache({{"libz.so.10", "/lib/libz.so.10"},
                            {"libz.so.9", "/lib/libz.so.9"},
                            {"libc.so.6", "/lib/libc.so.6"}},
                           "ldconfig (a closing string without a NUL)");
  fake::add_file("/etc/ld.so.cache", c.bytes);
  rtld::LdCache cache;
  ASSERT_TRUE(cache.open("/etc/ld.so.cache"));
  EXPECT_STREQ(cache.lookup("libz.so.10"), "/lib/libz.so.10");
  EXPECT_STREQ(cache.lookup("libz.so.9"), "/lib/libz.so.9");
  EXPECT_STREQ(cache.lookup("libc.so.6"), "/lib/libc.so.6");
  EXPECT_EQ(cache.lookup("libm.so.6"), nullptr);
}

// ldconfig's order, worked out independently as the oracle for the sort below: each name as a
// list of tokens (a digit run is one number, any other byte itself), compared token by token;
// a number sorts after any other byte, and a name that runs out first sorts first.
int reference_compare(const char* a, const char* b) {
  struct Token {
    bool number;
    unsigned long value;
  };
  auto tokens = [](const char* s) {
    std::vector<Token> out;
    while (*s) {
      if (std::isdigit(static_cast<unsigned char>(*s))) {
        unsigned long v = 0;
        for (; std::isdigit(static_cast<unsigned char>(*s)); ++s)
          v = v * 10 + static_cast<unsigned long>(*s - '0');
        out.push_back({true, v});
      } else {
        out.push_back({false, static_cast<unsigned char>(*s++)});
      }
    }
    return out;
  };
  const std::vector<Token> x = tokens(a), y = tokens(b);
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (x[i].number != y[i].number) return x[i].number ? 1 : -1;
    if (x[i].value != y[i].value) return x[i].value < y[i].value ? -1 : 1;
  }
  return x.size() == y.size() ? 0 : x.size() < y.size() ? -1 : 1;
}

// Names that share prefixes ending inside digit runs, with leading zeros and runs of several
// lengths, sorted as ldconfig sorts them: each is found, and names not in the file are not.
TEST(FakeLdCache, DigitRunsInCommonPrefixes) {
  fake::reset();
  uint32_t seed = 7;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  const char kAlphabet[] = "lib.so-x0123456789";
  std::vector<std::string> names;
  for (int i = 0; i < 600; ++i) {
    std::string n = (next() & 1) ? "libz.so." : "lib1";
    for (int k = 0, len = 1 + static_cast<int>(next() % 6); k < len; ++k)
      n += kAlphabet[(next() >> 8) % (sizeof kAlphabet - 1)];
    names.push_back(n);
  }
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return reference_compare(a.c_str(), b.c_str()) > 0;
  });
  // Names that compare equal (only leading zeros apart) would make the search ambiguous.
  std::vector<std::string> unique;
  for (const std::string& n : names)
    if (unique.empty() || reference_compare(unique.back().c_str(), n.c_str()) != 0)
      unique.push_back(n);
  std::vector<std::pair<std::string, std::string>> entries;
  for (const std::string& n : unique) entries.push_back({n, "/lib/" + n});
  fake::add_file("/etc/ld.so.cache", make_cache(entries).bytes);
  rtld::LdCache cache;
  ASSERT_TRUE(cache.open("/etc/ld.so.cache"));
  for (const std::string& n : unique) {
    const char* found = cache.lookup(n.c_str());
    ASSERT_NE(found, nullptr) << n;
    EXPECT_EQ(std::string(found), "/lib/" + n);
  }
  for (const char* absent : {"libz.so.", "lib1", "libz.so.99999", "lib10000x", "libzz"})
    if (std::find(unique.begin(), unique.end(), absent) == unique.end()) {
      EXPECT_EQ(cache.lookup(absent), nullptr) << absent;
    }
}

// A file that fills its last page and ends in a string without a NUL (as ldconfig's files end):
// a damaged entry whose name or path starts in that string is not read past the file (the
// mapping is followed by an inaccessible page). Before, the lookup read on and faulted.
TEST(FakeLdCache, StringsRunningToTheEndOfAFullPageAreNotRead) {
  fake::reset();
  const std::string tail = "libtail.so";
  CacheFile c = make_cache({{"libtail.so", "/lib/libtail.so"}, {"libc.so.6", "/lib/libc.so.6"}},
                           tail, 4096);
  ASSERT_EQ(c.bytes.size(), 4096u);
  const uint32_t in_tail = 4096 - static_cast<uint32_t>(tail.size());
  set_entry(c, 0, in_tail, c.offsets[0].second);  // the name: the unterminated tail
  set_entry(c, 1, c.offsets[1].first, in_tail);   // libc's path: the same
  fake::add_file("/etc/ld.so.cache", c.bytes);
  auto body = [&] {
    rtld::LdCache cache;
    if (!cache.open("/etc/ld.so.cache")) std::exit(2);
    const char* a = cache.lookup("libtail.so");
    const char* b = cache.lookup("libc.so.6");
    std::exit(a == nullptr && b == nullptr ? 0 : 3);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// Damaged files: offsets past the end, a count larger than the file holds, random bytes.
TEST(FakeLdCache, DamagedFilesAreSafe) {
  fake::reset();
  CacheFile c = make_cache({{"libz.so.1", "/lib/libz.so.1"}, {"libc.so.6", "/lib/libc.so.6"}});
  CacheFile bad = c;
  set_entry(bad, 0, 0xfffffff0, 0xfffffff0);
  fake::add_file("/bad-offsets", bad.bytes);
  CacheFile many = c;
  const uint32_t n = 1000;
  std::memcpy(many.bytes.data() + 20, &n, 4);
  fake::add_file("/bad-count", many.bytes);
  rtld::LdCache a, b;
  ASSERT_TRUE(a.open("/bad-offsets"));
  EXPECT_EQ(a.lookup("libz.so.1"), nullptr);
  (void)a.lookup("libc.so.6");  // (the damaged entry breaks the sort order the search relies on)
  EXPECT_FALSE(b.open("/bad-count"));
  auto body = [&] {
    std::vector<uint8_t> pristine = make_cache({{"libz.so.1", "/lib/libz.so.1"},
                                                {"libm.so.6", "/lib/libm.so.6"},
                                                {"libc.so.6", "/lib/libc.so.6"}},
                                               "closing", 4096)
                                        .bytes;
    uint32_t seed = 20261128;
    auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
    for (int iter = 0; iter < 3000; ++iter) {
      std::vector<uint8_t> file = pristine;
      for (int k = 0, flips = 1 + static_cast<int>(next() % 4); k < flips; ++k)
        file[next() % 160] = static_cast<uint8_t>(next() >> 24);  // header, entries, strings
      fake::add_file("/fuzzed", file);
      rtld::LdCache cache;
      if (!cache.open("/fuzzed")) continue;
      for (const char* name : {"libz.so.1", "libm.so.6", "libc.so.6", "libx.so"})
        if (const char* p = cache.lookup(name)) (void)std::strlen(p);
    }
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
