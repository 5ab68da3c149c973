// decode_dynamic: every tag it reads, the bounds checks on every pointer and table, the entry
// size checks; then the dynamic sections of real objects.
#include "rtld/dynamic.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "support/loaded.hpp"

namespace {

using namespace testing_support;
namespace elf = rtld::elf;

constexpr size_t kSpan = 0x1000;

// A fake object: a 4 KiB span at `base` (the bias is the base, as for an object linked at 0),
// and a dynamic array kept outside it (decode_dynamic does not care where the array lives).
struct DynCase {
  alignas(16) uint8_t span[kSpan] = {};
  std::vector<elf::Dyn> dyn;
  rtld::DynamicInfo info;
  rtld::Diagnostics diag;

  uintptr_t base() const { return reinterpret_cast<uintptr_t>(span); }
  DynCase& add(int64_t tag, uint64_t val) {
    dyn.push_back({tag, val});
    return *this;
  }
  // The array decoded, DT_NULL-terminated; kept because DynamicInfo::debug points into it.
  std::vector<elf::Dyn> terminated;
  bool decode(size_t count = SIZE_MAX) {
    terminated = dyn;
    terminated.push_back({elf::DT_NULL, 0});
    if (count == SIZE_MAX) count = terminated.size();
    return rtld::decode_dynamic(diag, "dyn.so", terminated.data(), count, base(), base(),
                                base() + kSpan, info);
  }
};

// A complete, valid dynamic section.
DynCase full() {
  DynCase c;
  c.add(elf::DT_NEEDED, 1)
      .add(elf::DT_NEEDED, 10)
      .add(elf::DT_SONAME, 20)
      .add(elf::DT_RUNPATH, 30)
      .add(elf::DT_STRTAB, 0x100)
      .add(elf::DT_STRSZ, 0x80)
      .add(elf::DT_SYMTAB, 0x200)
      .add(elf::DT_SYMENT, sizeof(elf::Sym))
      .add(elf::DT_HASH, 0x300)
      .add(elf::DT_GNU_HASH, 0x340)
      .add(elf::DT_RELA, 0x400)
      .add(elf::DT_RELASZ, 3 * sizeof(elf::Rela))
      .add(elf::DT_RELAENT, sizeof(elf::Rela))
      .add(elf::DT_RELR, 0x480)
      .add(elf::DT_RELRSZ, 4 * sizeof(elf::Relr))
      .add(elf::DT_RELRENT, sizeof(elf::Relr))
      .add(elf::DT_JMPREL, 0x500)
      .add(elf::DT_PLTRELSZ, 2 * sizeof(elf::Rela))
      .add(elf::DT_PLTREL, elf::DT_RELA)
      .add(elf::DT_PLTGOT, 0x580)
      .add(elf::DT_INIT, 0x700)
      .add(elf::DT_FINI, 0x710)
      .add(elf::DT_INIT_ARRAY, 0x600)
      .add(elf::DT_INIT_ARRAYSZ, 16)
      .add(elf::DT_FINI_ARRAY, 0x610)
      .add(elf::DT_FINI_ARRAYSZ, 8)
      .add(elf::DT_VERSYM, 0x800)
      .add(elf::DT_VERDEF, 0x840)
      .add(elf::DT_VERDEFNUM, 3)
      .add(elf::DT_VERNEED, 0x900)
      .add(elf::DT_VERNEEDNUM, 1)
      .add(elf::DT_FLAGS_1, elf::DF_1_NODELETE)
      .add(elf::DT_DEBUG, 0);
  return c;
}

TEST(DecodeDynamic, FullSectionDecoded) {
  DynCase c = full();
  ASSERT_TRUE(c.decode()) << c.diag.message();
  const rtld::DynamicInfo& d = c.info;
  uintptr_t b = c.base();
  EXPECT_EQ(d.needed_end, 2u);
  EXPECT_TRUE(d.has_soname);
  EXPECT_EQ(d.soname, 20u);
  EXPECT_TRUE(d.has_runpath);
  EXPECT_EQ(d.runpath, 30u);
  EXPECT_FALSE(d.has_rpath);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.strtab), b + 0x100);
  EXPECT_EQ(d.strsz, 0x80u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.symtab), b + 0x200);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.sysv_hash), b + 0x300);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.gnu_hash), b + 0x340);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.rela.data), b + 0x400);
  EXPECT_EQ(d.rela.count, 3u);
  EXPECT_TRUE(d.rel.empty());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.relr.data), b + 0x480);
  EXPECT_EQ(d.relr.count, 4u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.plt_rela.data), b + 0x500);
  EXPECT_EQ(d.plt_rela.count, 2u);
  EXPECT_TRUE(d.plt_rel.empty());
  EXPECT_EQ(d.pltgot, b + 0x580);
  EXPECT_EQ(d.init, b + 0x700);
  EXPECT_EQ(d.fini, b + 0x710);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.init_array.data), b + 0x600);
  EXPECT_EQ(d.init_array.count, 2u);
  EXPECT_EQ(d.fini_array.count, 1u);
  EXPECT_TRUE(d.preinit_array.empty());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.versym), b + 0x800);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.verdef), b + 0x840);
  EXPECT_EQ(d.verdefnum, 3u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d.verneed), b + 0x900);
  EXPECT_EQ(d.verneednum, 1u);
  EXPECT_EQ(d.flags_1, elf::DF_1_NODELETE);
  EXPECT_FALSE(d.bind_now);
  EXPECT_FALSE(d.symbolic);
  EXPECT_FALSE(d.textrel);
  ASSERT_NE(d.debug, nullptr);
  EXPECT_EQ(d.debug, &c.terminated[c.terminated.size() - 2]);
  EXPECT_EQ(d.debug->d_tag, elf::DT_DEBUG);
}

TEST(DecodeDynamic, EmptySectionIsValid) {
  DynCase c;
  ASSERT_TRUE(c.decode()) << c.diag.message();
  EXPECT_EQ(c.info.strtab, nullptr);
  EXPECT_EQ(c.info.symtab, nullptr);
  EXPECT_EQ(c.info.needed_end, 0u);
}

// Every field of two DynamicInfo (the size check makes a field added later join the list).
void expect_same(const rtld::DynamicInfo& a, const rtld::DynamicInfo& b) {
  static_assert(sizeof(rtld::DynamicInfo) == 296, "a field to compare here");
  auto same_table = [](const auto& x, const auto& y) {
    return x.data == y.data && x.count == y.count;
  };
  EXPECT_EQ(a.strtab, b.strtab);
  EXPECT_EQ(a.strsz, b.strsz);
  EXPECT_EQ(a.symtab, b.symtab);
  EXPECT_EQ(a.sysv_hash, b.sysv_hash);
  EXPECT_EQ(a.gnu_hash, b.gnu_hash);
  EXPECT_TRUE(same_table(a.rela, b.rela));
  EXPECT_TRUE(same_table(a.rel, b.rel));
  EXPECT_EQ(a.relative_count, b.relative_count);
  EXPECT_TRUE(same_table(a.relr, b.relr));
  EXPECT_TRUE(same_table(a.plt_rela, b.plt_rela));
  EXPECT_TRUE(same_table(a.plt_rel, b.plt_rel));
  EXPECT_EQ(a.pltgot, b.pltgot);
  EXPECT_EQ(a.init, b.init);
  EXPECT_EQ(a.fini, b.fini);
  EXPECT_TRUE(same_table(a.init_array, b.init_array));
  EXPECT_TRUE(same_table(a.fini_array, b.fini_array));
  EXPECT_TRUE(same_table(a.preinit_array, b.preinit_array));
  EXPECT_EQ(a.soname, b.soname);
  EXPECT_EQ(a.rpath, b.rpath);
  EXPECT_EQ(a.runpath, b.runpath);
  EXPECT_EQ(a.has_soname, b.has_soname);
  EXPECT_EQ(a.has_rpath, b.has_rpath);
  EXPECT_EQ(a.has_runpath, b.has_runpath);
  EXPECT_EQ(a.textrel, b.textrel);
  EXPECT_EQ(a.symbolic, b.symbolic);
  EXPECT_EQ(a.bind_now, b.bind_now);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.flags_1, b.flags_1);
  EXPECT_EQ(a.versym, b.versym);
  EXPECT_EQ(a.verdef, b.verdef);
  EXPECT_EQ(a.verdefnum, b.verdefnum);
  EXPECT_EQ(a.verneed, b.verneed);
  EXPECT_EQ(a.verneednum, b.verneednum);
  EXPECT_EQ(a.needed_end, b.needed_end);
  EXPECT_EQ(a.debug, b.debug);
}

// decode_dynamic sets every field, whatever the output held: an empty section and a full one
// (with DT_PLTREL DT_RELA, then DT_REL) decoded over a previous full decoding, and over bytes all
// ones, give what they give over a fresh DynamicInfo.
TEST(DecodeDynamic, ResetsOutput) {
  DynCase stale = full();
  ASSERT_TRUE(stale.decode());
  for (int variant = 0; variant < 3; ++variant) {
    DynCase c = variant ? full() : DynCase{};
    for (elf::Dyn& d : c.dyn)  // (DT_REL's table at DT_JMPREL: 0x500, inside the span)
      if (variant == 2 && d.d_tag == elf::DT_PLTREL) d.d_val = elf::DT_REL;
    ASSERT_TRUE(c.decode()) << c.diag.message();
    const rtld::DynamicInfo fresh = c.info;
    c.info = stale.info;  // stale contents must not survive
    ASSERT_TRUE(c.decode());
    expect_same(c.info, fresh);
    std::memset(static_cast<void*>(&c.info), 0xff, sizeof c.info);
    ASSERT_TRUE(c.decode());
    expect_same(c.info, fresh);
  }
}

TEST(DecodeDynamic, StopsAtNull) {
  DynCase c;
  c.add(elf::DT_STRTAB, 0x100).add(elf::DT_STRSZ, 0x10).add(elf::DT_NULL, 0).add(elf::DT_NEEDED, 1)
      .add(elf::DT_SYMENT, 1);  // after DT_NULL: neither counted nor checked
  ASSERT_TRUE(c.decode()) << c.diag.message();
  EXPECT_EQ(c.info.needed_end, 0u);
}

TEST(DecodeDynamic, FiltersAreDependencies) {
  DynCase c;
  c.add(elf::DT_STRTAB, 0x100)
      .add(elf::DT_STRSZ, 0x10)
      .add(elf::DT_NEEDED, 1)
      .add(elf::DT_FILTER, 2)
      .add(elf::DT_SYMENT, sizeof(elf::Sym))
      .add(elf::DT_AUXILIARY, 3)
      .add(elf::DT_FLAGS, 0);
  ASSERT_TRUE(c.decode()) << c.diag.message();
  EXPECT_EQ(c.info.needed_end, 6u);  // the walk of the names stops after the DT_AUXILIARY
}

TEST(DecodeDynamic, StopsAtCount) {
  DynCase c;
  c.add(elf::DT_NEEDED, 1).add(elf::DT_STRTAB, 0x100).add(elf::DT_NEEDED, 2).add(elf::DT_SYMENT, 1);
  ASSERT_TRUE(c.decode(3)) << c.diag.message();  // the bad DT_SYMENT is the 4th entry
  EXPECT_EQ(c.info.needed_end, 3u);
}

TEST(DecodeDynamic, FlagsImplyBooleans) {
  DynCase c;
  c.add(elf::DT_FLAGS, elf::DF_SYMBOLIC | elf::DF_TEXTREL | elf::DF_BIND_NOW);
  ASSERT_TRUE(c.decode());
  EXPECT_TRUE(c.info.symbolic);
  EXPECT_TRUE(c.info.textrel);
  EXPECT_TRUE(c.info.bind_now);

  DynCase n;
  n.add(elf::DT_FLAGS_1, elf::DF_1_NOW);
  ASSERT_TRUE(n.decode());
  EXPECT_TRUE(n.info.bind_now);
  EXPECT_FALSE(n.info.symbolic);

  DynCase t;
  t.add(elf::DT_SYMBOLIC, 0).add(elf::DT_TEXTREL, 0).add(elf::DT_BIND_NOW, 0);
  ASSERT_TRUE(t.decode());
  EXPECT_TRUE(t.info.symbolic);
  EXPECT_TRUE(t.info.textrel);
  EXPECT_TRUE(t.info.bind_now);
}

TEST(DecodeDynamic, PltRelSelectsRelTable) {
  DynCase c;
  c.add(elf::DT_JMPREL, 0x500).add(elf::DT_PLTRELSZ, 4 * sizeof(elf::Rel)).add(elf::DT_PLTREL, elf::DT_REL);
  ASSERT_TRUE(c.decode()) << c.diag.message();
  EXPECT_TRUE(c.info.plt_rela.empty());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(c.info.plt_rel.data), c.base() + 0x500);
  EXPECT_EQ(c.info.plt_rel.count, 4u);
}

TEST(DecodeDynamic, TableEndingAtSpanEndAccepted) {
  DynCase c;
  c.add(elf::DT_RELA, kSpan - 2 * sizeof(elf::Rela)).add(elf::DT_RELASZ, 2 * sizeof(elf::Rela));
  EXPECT_TRUE(c.decode()) << c.diag.message();
  EXPECT_EQ(c.info.rela.count, 2u);
}

struct OutsideCase {
  const char* name;
  std::vector<elf::Dyn> entries;
  const char* detail;
};

class DecodeDynamicOutside : public ::testing::TestWithParam<OutsideCase> {};

TEST_P(DecodeDynamicOutside, Rejected) {
  DynCase c;
  for (const elf::Dyn& d : GetParam().entries) c.add(d.d_tag, d.d_val);
  EXPECT_FALSE(c.decode());
  EXPECT_STREQ(c.diag.object(), "dyn.so");
  EXPECT_EQ(std::string(c.diag.message()),
            std::string("dynamic entry points outside the object: ") + GetParam().detail);
}

constexpr uint64_t kFar = 0x100000;        // well past the 4 KiB span
constexpr uint64_t kBelow = ~uint64_t{0};  // bias - 1: just below the span

const OutsideCase kOutside[] = {
    {"Strtab", {{elf::DT_STRTAB, kFar}}, "DT_STRTAB"},
    {"StrtabBelow", {{elf::DT_STRTAB, kBelow}}, "DT_STRTAB"},
    {"StrszPastEnd", {{elf::DT_STRTAB, 0xf00}, {elf::DT_STRSZ, 0x101}}, "DT_STRTAB"},
    {"StrszHuge", {{elf::DT_STRTAB, 0x100}, {elf::DT_STRSZ, ~uint64_t{0}}}, "DT_STRTAB"},
    {"Symtab", {{elf::DT_SYMTAB, kFar}}, "DT_SYMTAB"},
    {"SymtabLastBytes", {{elf::DT_SYMTAB, kSpan - 8}}, "DT_SYMTAB"},
    {"Hash", {{elf::DT_HASH, kSpan - 4}}, "DT_HASH"},
    {"GnuHash", {{elf::DT_GNU_HASH, kSpan - 8}}, "DT_GNU_HASH"},
    {"Rela", {{elf::DT_RELA, kFar}, {elf::DT_RELASZ, 24}}, "DT_RELA"},
    {"RelaszPastEnd", {{elf::DT_RELA, 0xf00}, {elf::DT_RELASZ, 0x108}}, "DT_RELA"},
    {"Rel", {{elf::DT_REL, kFar}, {elf::DT_RELSZ, 16}}, "DT_REL"},
    {"Relr", {{elf::DT_RELR, kFar}, {elf::DT_RELRSZ, 8}}, "DT_RELR"},
    {"RelaszWithoutRela", {{elf::DT_RELASZ, 24}}, "DT_RELA"},
    {"Jmprel", {{elf::DT_JMPREL, kFar}, {elf::DT_PLTRELSZ, 24}}, "DT_JMPREL"},
    {"JmprelRel", {{elf::DT_JMPREL, kFar}, {elf::DT_PLTRELSZ, 16}, {elf::DT_PLTREL, elf::DT_REL}},
     "DT_JMPREL"},
    {"InitArray", {{elf::DT_INIT_ARRAY, 0xff8}, {elf::DT_INIT_ARRAYSZ, 16}}, "DT_INIT_ARRAY"},
    {"FiniArray", {{elf::DT_FINI_ARRAY, kFar}, {elf::DT_FINI_ARRAYSZ, 8}}, "DT_FINI_ARRAY"},
    {"PreinitArray", {{elf::DT_PREINIT_ARRAY, kFar}, {elf::DT_PREINIT_ARRAYSZ, 8}},
     "DT_PREINIT_ARRAY"},
    {"Versym", {{elf::DT_VERSYM, kSpan - 1}}, "DT_VERSYM"},
    {"Verdef", {{elf::DT_VERDEF, kSpan - 4}}, "DT_VERDEF"},
    {"Verneed", {{elf::DT_VERNEED, kFar}}, "DT_VERNEED"},
    {"Init", {{elf::DT_INIT, kSpan}}, "DT_INIT"},
    {"Fini", {{elf::DT_FINI, kBelow}}, "DT_FINI"},
    {"PltRelBogus", {{elf::DT_PLTREL, 99}}, "DT_PLTREL"},
    {"SonameOffset", {{elf::DT_STRTAB, 0x100}, {elf::DT_STRSZ, 0x20}, {elf::DT_SONAME, 0x20}},
     "string table offset"},
    {"RpathOffset", {{elf::DT_STRTAB, 0x100}, {elf::DT_STRSZ, 0x20}, {elf::DT_RPATH, 0x40}},
     "string table offset"},
    {"RunpathOffset", {{elf::DT_STRTAB, 0x100}, {elf::DT_STRSZ, 0x20}, {elf::DT_RUNPATH, 0x1000}},
     "string table offset"},
};

INSTANTIATE_TEST_SUITE_P(All, DecodeDynamicOutside, ::testing::ValuesIn(kOutside),
                         [](const auto& info) { return std::string(info.param.name); });

struct EntSizeCase {
  const char* name;
  int64_t tag;
  uint64_t value;
  const char* message;
};

class DecodeDynamicEntrySize : public ::testing::TestWithParam<EntSizeCase> {};

TEST_P(DecodeDynamicEntrySize, Rejected) {
  DynCase c;
  c.add(GetParam().tag, GetParam().value);
  EXPECT_FALSE(c.decode());
  EXPECT_STREQ(c.diag.message(), GetParam().message);
}

const EntSizeCase kEntSizes[] = {
    {"SymentSmall", elf::DT_SYMENT, 16, "unexpected DT_SYMENT"},
    {"SymentLarge", elf::DT_SYMENT, 32, "unexpected DT_SYMENT"},
    {"SymentZero", elf::DT_SYMENT, 0, "unexpected DT_SYMENT"},
    {"RelaentWrong", elf::DT_RELAENT, 16, "unexpected DT_RELAENT"},
    {"RelentWrong", elf::DT_RELENT, 24, "unexpected DT_RELENT"},
    {"RelrentWrong", elf::DT_RELRENT, 4, "unexpected DT_RELRENT"},
};

INSTANTIATE_TEST_SUITE_P(All, DecodeDynamicEntrySize, ::testing::ValuesIn(kEntSizes),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DecodeDynamic, NeededWithoutStrtabRejected) {
  DynCase c;
  c.add(elf::DT_NEEDED, 1);
  EXPECT_FALSE(c.decode());
  EXPECT_STREQ(c.diag.message(), "DT_NEEDED without DT_STRTAB");
}

TEST(DecodeDynamic, NarrowerSpanRejectsWhatTheWholeSpanAccepts) {
  // The same entries, but the span starts 0x200 into the buffer: DT_STRTAB at 0x100 is below it.
  DynCase c;
  c.add(elf::DT_STRTAB, 0x100).add(elf::DT_STRSZ, 0x10);
  std::vector<elf::Dyn> d = c.dyn;
  d.push_back({elf::DT_NULL, 0});
  EXPECT_TRUE(rtld::decode_dynamic(c.diag, "dyn.so", d.data(), d.size(), c.base(), c.base(),
                                   c.base() + kSpan, c.info));
  rtld::Diagnostics diag;
  EXPECT_FALSE(rtld::decode_dynamic(diag, "dyn.so", d.data(), d.size(), c.base(), c.base() + 0x200,
                                    c.base() + kSpan, c.info));
  EXPECT_STREQ(diag.message(), "dynamic entry points outside the object: DT_STRTAB");
}

// --- real objects ------------------------------------------------------------------------------

TEST(DecodeDynamic, Libc) {
  auto l = load(kLibc, Source::kFd);
  ASSERT_TRUE(l->decoded) << l->diag.message();
  const rtld::DynamicInfo& d = l->module.dyn;
  ASSERT_TRUE(d.has_soname);
  EXPECT_STREQ(l->module.str(d.soname), "libc.so.6");
  EXPECT_EQ(d.needed_end, 1u);  // ld-linux-x86-64.so.2, the first entry
  EXPECT_NE(d.symtab, nullptr);
  EXPECT_NE(d.gnu_hash, nullptr);
  EXPECT_NE(d.versym, nullptr);
  EXPECT_NE(d.verdef, nullptr);
  EXPECT_GE(d.verdefnum, 30u);
  EXPECT_NE(d.verneed, nullptr);
  EXPECT_FALSE(d.rela.empty());
  EXPECT_FALSE(d.init_array.empty());
  uintptr_t lo = l->image().start, hi = lo + l->image().size;
  EXPECT_GE(reinterpret_cast<uintptr_t>(d.strtab), lo);
  EXPECT_LE(reinterpret_cast<uintptr_t>(d.strtab) + d.strsz, hi);
}

TEST(DecodeDynamic, TestLibrary) {
  auto l = load(kLibBoth, Source::kFd);
  ASSERT_TRUE(l->decoded) << l->diag.message();
  const rtld::DynamicInfo& d = l->module.dyn;
  ASSERT_TRUE(d.has_soname);
  EXPECT_STREQ(l->module.str(d.soname), "librtldtest_both.so");
  EXPECT_NE(d.gnu_hash, nullptr);
  EXPECT_NE(d.sysv_hash, nullptr);
  EXPECT_EQ(d.verdefnum, 4u);  // base, VERS_1, VERS_2, VERS_3
  EXPECT_NE(d.init, 0u);
  EXPECT_NE(d.fini, 0u);
}

TEST(DecodeDynamic, HashStylesSelectTables) {
  auto gnu = load(kLibGnu, Source::kFd);
  ASSERT_TRUE(gnu->decoded) << gnu->diag.message();
  EXPECT_NE(gnu->module.dyn.gnu_hash, nullptr);
  EXPECT_EQ(gnu->module.dyn.sysv_hash, nullptr);
  auto sysv = load(kLibSysv, Source::kFd);
  ASSERT_TRUE(sysv->decoded) << sysv->diag.message();
  EXPECT_EQ(sysv->module.dyn.gnu_hash, nullptr);
  EXPECT_NE(sysv->module.dyn.sysv_hash, nullptr);
}

TEST(DecodeDynamic, UnversionedLibraryHasNoVersionTables) {
  auto l = load(kLibNover, Source::kFd);
  ASSERT_TRUE(l->decoded) << l->diag.message();
  EXPECT_EQ(l->module.dyn.versym, nullptr);
  EXPECT_EQ(l->module.dyn.verdef, nullptr);
  EXPECT_EQ(l->module.dyn.verneed, nullptr);
  EXPECT_EQ(l->module.dyn.needed_end, 0u);
}

}  // namespace
