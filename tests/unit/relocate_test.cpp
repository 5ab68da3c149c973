// relocate_module's relative relocations on a synthetic object: the DT_RELACOUNT block is taken
// eight entries at a time when the bitwise OR of their offsets is inside the object, and entry by
// entry otherwise; either way every entry is applied, and an offset outside the object is an error
// before anything is written outside it.
#include "rtld/relocate.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <tuple>
#include <vector>

#include "arch/machine.hpp"

namespace {

namespace elf = rtld::elf;

bool no_lookups(void*, const rtld::Module&, uint32_t, unsigned, rtld::Resolved&) { return false; }

struct Synthetic {
  // The object's image: `words` words, with guard words on both sides outside it.
  explicit Synthetic(size_t words) : memory(words + 2 * kGuard, kPoison) {
    m.path = "synthetic.so";
    m.image.start = reinterpret_cast<uintptr_t>(&memory[kGuard]);
    m.image.size = words * sizeof(uintptr_t);
    m.image.bias = m.image.start;  // link-time address 0 is the first word
  }
  void add(uint64_t offset, int64_t addend) {
    elf::Rela r{};
    r.r_offset = offset;
    r.r_info = arch::kRelativeType;
    r.r_addend = addend;
    rela.push_back(r);
  }
  bool relocate(size_t relative_count) {
    m.dyn.rela = rtld::Table<elf::Rela>{rela.data(), rela.size()};
    m.dyn.relative_count = relative_count;
    rtld::RelocationOptions options{{no_lookups, nullptr}};
    return rtld::relocate_module(diag, m, options);
  }
  bool relocate_relr(std::vector<elf::Relr> entries) {
    relr = std::move(entries);
    m.dyn.relr = rtld::Table<elf::Relr>{relr.data(), relr.size()};
    return relocate(0);
  }
  uintptr_t word(size_t i) const { return memory[kGuard + i]; }
  bool guards_intact() const {
    for (size_t i = 0; i < kGuard; ++i)
      if (memory[i] != kPoison || memory[memory.size() - 1 - i] != kPoison) return false;
    return true;
  }
  static constexpr size_t kGuard = 64;
  static constexpr uintptr_t kPoison = 0x5a5a5a5a5a5a5a5a;
  std::vector<uintptr_t> memory;
  std::vector<elf::Rela> rela;
  std::vector<elf::Relr> relr;
  rtld::Module m;
  rtld::Diagnostics diag;
};

TEST(RelativeRelocations, AscendingBlockAppliesEveryEntry) {
  Synthetic s(100);
  for (size_t i = 0; i < 37; ++i) s.add(i * 2 * sizeof(uintptr_t), static_cast<int64_t>(1000 + i));
  ASSERT_TRUE(s.relocate(37)) << s.diag.message();
  for (size_t i = 0; i < 37; ++i) EXPECT_EQ(s.word(2 * i), s.m.image.start + 1000 + i) << i;
  EXPECT_EQ(s.word(1), Synthetic::kPoison);
  EXPECT_TRUE(s.guards_intact());
}

TEST(RelativeRelocations, UnsortedBlockAppliesEveryEntry) {
  Synthetic s(64);
  for (size_t i = 0; i < 40; ++i) {
    size_t w = (i * 37) % 64;  // every word once, out of order
    s.add(w * sizeof(uintptr_t), static_cast<int64_t>(w));
  }
  ASSERT_TRUE(s.relocate(40)) << s.diag.message();
  for (size_t i = 0; i < 40; ++i) {
    size_t w = (i * 37) % 64;
    EXPECT_EQ(s.word(w), s.m.image.start + w) << w;
  }
  EXPECT_TRUE(s.guards_intact());
}

// Offsets near the end of the object, all inside it, whose OR is past it (0x40 | 0x18 = 0x58,
// the object being 0x50 bytes): those blocks are applied entry by entry, the blocks after them
// eight at a time again.
TEST(RelativeRelocations, BlockWhoseOrIsPastTheEndAppliesEveryEntry) {
  Synthetic s(11);  // offsets 0 to 0x50
  const size_t order[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 3,  10, 9, 4, 2, 1, 0, 7,
                          6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 7,  6, 5, 4, 3, 9};
  for (size_t w : order) s.add(w * sizeof(uintptr_t), static_cast<int64_t>(w));
  ASSERT_TRUE(s.relocate(sizeof order / sizeof *order)) << s.diag.message();
  for (size_t w = 0; w < 11; ++w) EXPECT_EQ(s.word(w), s.m.image.start + w) << w;
  EXPECT_TRUE(s.guards_intact());
}

// An offset past the end (or before the start) inside an eight-entry block, with the block's
// other entries inside: the OR is past the end, and the entry-by-entry check stops.
TEST(RelativeRelocations, OffsetOutsideTheObjectIsAnErrorAndWritesNothingOutside) {
  for (uint64_t bad : {uint64_t{100 * sizeof(uintptr_t)}, uint64_t{1} << 40, ~uint64_t{0} - 7}) {
    Synthetic s(16);
    for (size_t i = 0; i < 16; ++i) s.add(i == 3 ? bad : i * sizeof(uintptr_t), 1);
    EXPECT_FALSE(s.relocate(16));
    EXPECT_STREQ(s.diag.message(), "relocation outside the object") << bad;
    EXPECT_TRUE(s.guards_intact()) << bad;
  }
  // The last entry of an ascending block past the end.
  Synthetic s(16);
  for (size_t i = 0; i < 8; ++i) s.add(i * 3 * sizeof(uintptr_t), 1);
  EXPECT_FALSE(s.relocate(8));
  EXPECT_TRUE(s.guards_intact());
}

// An object whose first address is not 0 at link time (lo > 0): an offset below it, first in a
// block that otherwise ascends past a block inside the object, is an error too.
TEST(RelativeRelocations, OffsetBelowTheObjectIsAnError) {
  Synthetic s(32);
  s.m.image.bias = s.m.image.start - 256;  // the image starts at link-time address 256
  for (size_t i = 0; i < 8; ++i) s.add(256 + i * sizeof(uintptr_t), 1);
  s.add(256 - 64, 1);  // below the object
  for (size_t i = 1; i < 8; ++i) s.add(256 + (8 + i) * sizeof(uintptr_t), 1);
  EXPECT_FALSE(s.relocate(16));
  EXPECT_STREQ(s.diag.message(), "relocation outside the object");
  EXPECT_TRUE(s.guards_intact());
}

// Lazy binding: each JUMP_SLOT's word gets the load bias added (it points into the PLT until the
// first call), in the tight loop the run of them takes; GOT[1] and GOT[2] lead to the entry
// point. A slot outside the object is an error, with nothing written outside it.
TEST(LazyPltSlots, EverySlotGetsTheBiasAndGotLeadsToTheEntry) {
  for (bool bad_slot : {false, true}) {
    Synthetic s(40);
    std::vector<elf::Rela> plt;
    for (size_t i = 0; i < 30; ++i) {
      s.memory[Synthetic::kGuard + 8 + i] = 0x100 + i;  // the PLT entry's link-time address
      elf::Rela r{};
      r.r_offset = bad_slot && i == 17 ? 41 * sizeof(uintptr_t) : (8 + i) * sizeof(uintptr_t);
      r.r_info = 7;  // R_X86_64_JUMP_SLOT
      plt.push_back(r);
    }
    s.m.dyn.plt_rela = rtld::Table<elf::Rela>{plt.data(), plt.size()};
    s.m.dyn.pltgot = s.m.image.start;  // GOT[0..2] at words 0..2
    rtld::LazyBinding lazy{};
    rtld::RelocationOptions options{{no_lookups, nullptr}};
    options.lazy = &lazy;
    options.lazy_entry = 0x1234;
    bool ok = rtld::relocate_module(s.diag, s.m, options);
    EXPECT_TRUE(s.guards_intact());
    if (bad_slot) {
      EXPECT_FALSE(ok);
      EXPECT_STREQ(s.diag.message(), "relocation outside the object");
      continue;
    }
    ASSERT_TRUE(ok) << s.diag.message();
    for (size_t i = 0; i < 30; ++i) EXPECT_EQ(s.word(8 + i), s.m.image.start + 0x100 + i) << i;
    EXPECT_EQ(s.word(1), reinterpret_cast<uintptr_t>(&s.m));
    EXPECT_EQ(s.word(2), 0x1234u);
  }
}

// DT_RELR: an address entry relocates its word, a bitmap the words after it that its bits name.
TEST(RelrRelocations, AddressesAndBitmapsApply) {
  Synthetic s(200);
  constexpr uintptr_t kWord = sizeof(uintptr_t);
  for (size_t i = 0; i < 200; ++i) s.memory[Synthetic::kGuard + i] = i;
  // Word 2; then words 3, 5 and 65 (bits 0, 2 and 62 of a bitmap after word 2); then words 66
  // and 128 (bits 0 and 62 of the next bitmap).
  ASSERT_TRUE(s.relocate_relr({2 * kWord, (uintptr_t{1} | 4 | (uintptr_t{1} << 62)) << 1 | 1,
                               (uintptr_t{1} | (uintptr_t{1} << 62)) << 1 | 1}))
      << s.diag.message();
  for (size_t i = 0; i < 200; ++i) {
    bool relocated = i == 2 || i == 3 || i == 5 || i == 65 || i == 66 || i == 128;
    EXPECT_EQ(s.word(i), relocated ? s.m.image.start + i : i) << i;
  }
  EXPECT_TRUE(s.guards_intact());
}

// Bitmaps with every bit set, every other one, runs, and pseudo-random ones: exactly the words
// their bits name are relocated (the x86-64 bitmap step is written in assembly).
TEST(RelrRelocations, EveryKindOfBitmap) {
  constexpr size_t kWords = 1 + 8 * 63;
  Synthetic s(kWords + 8);
  constexpr uintptr_t kWord = sizeof(uintptr_t);
  constexpr size_t kBits = kWord * 8 - 1;
  uint64_t seed = 88172645463325252u;
  auto next = [&seed] { return seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; };
  std::vector<uintptr_t> relr = {0};  // word 0, then a bitmap per kBits words after it
  std::vector<bool> expected(kWords + 8, false);
  expected[0] = true;
  const uintptr_t all = ~uintptr_t{0} >> 1;
  const uintptr_t maps[8] = {all,
                             all & (~uintptr_t{0} / 3),
                             uintptr_t{1} << (kBits - 1),
                             1,
                             all & ~(uintptr_t{0xff} << 20),
                             next() & all,
                             next() & all,
                             next() & all};
  for (size_t b = 0; b < 8; ++b) {
    relr.push_back(maps[b] << 1 | 1);
    for (size_t i = 0; i < kBits; ++i)
      if (maps[b] >> i & 1) expected[1 + b * kBits + i] = true;
  }
  for (size_t i = 0; i < kWords + 8; ++i) s.memory[Synthetic::kGuard + i] = i;
  ASSERT_TRUE(s.relocate_relr(relr)) << s.diag.message();
  for (size_t i = 0; i < kWords + 8; ++i)
    EXPECT_EQ(s.word(i), expected[i] ? s.m.image.start + i : i) << i;
  EXPECT_TRUE(s.guards_intact());
}

// An address past the end, a bitmap whose last bit names a word past the end, and a bitmap with
// no address before it: errors, with nothing written outside the object.
TEST(RelrRelocations, EntriesOutsideTheObjectAreErrors) {
  constexpr uintptr_t kWord = sizeof(uintptr_t);
  const std::vector<std::vector<elf::Relr>> bad = {
      {16 * kWord},                                              // one past the last word
      {~uintptr_t{0} - 7},                                       // before the start
      {10 * kWord, (uintptr_t{1} << 5) << 1 | 1},                // word 16 through a bitmap
      {(uintptr_t{1}) << 1 | 1},                                 // a bitmap first
      {0, (uintptr_t{1} << 5) << 1 | 1, uintptr_t{1} << 1 | 1},  // word 64: the second bitmap
  };
  for (const auto& entries : bad) {
    Synthetic s(16);
    EXPECT_FALSE(s.relocate_relr(entries)) << entries.size();
    EXPECT_STREQ(s.diag.message(), "relocation outside the object");
    EXPECT_TRUE(s.guards_intact());
  }
}

// COPY relocations: the symbol sizes come from symbol tables, which may be corrupt. A copy that
// would end past the end of the executable, or read past the end of the defining object, is an
// error; nothing is written outside either.
struct CopyCase {
  Synthetic exe{8}, lib{4};
  elf::Sym symtab[2] = {};
  elf::Sym definition = {};
  CopyCase() {
    for (size_t i = 0; i < 4; ++i) lib.memory[Synthetic::kGuard + i] = 0x1000 + i;
    symtab[1].st_info = static_cast<unsigned char>(elf::STB_GLOBAL << 4 | elf::STT_OBJECT);
    exe.m.dyn.symtab = symtab;
    exe.m.symbol_count = 2;
    definition.st_info = symtab[1].st_info;
    definition.st_shndx = 1;
  }
  static bool resolve(void* context, const rtld::Module&, uint32_t, unsigned, rtld::Resolved& out) {
    auto* c = static_cast<CopyCase*>(context);
    out = rtld::Resolved{&c->lib.m, &c->definition, 0, true};
    return true;
  }
  // Copies `size` bytes (both symbols' size) from word `from` of lib to word `to` of exe.
  bool copy(size_t from, size_t to, uint64_t size) {
    symtab[1].st_size = definition.st_size = size;
    definition.st_value = from * sizeof(uintptr_t);
    elf::Rela r{};
    r.r_offset = to * sizeof(uintptr_t);
    uint32_t type = 0;
    while (arch::classify(type).kind != rtld::RelocKind::Copy) ++type;
    r.r_info =
        (elf::Native::kClass == elf::ELFCLASS64 ? uint64_t{1} << 32 : 1u << 8) | type;  // symbol 1
    exe.rela = {r};
    exe.m.dyn.rela = rtld::Table<elf::Rela>{exe.rela.data(), 1};
    rtld::RelocationOptions options{{resolve, this}};
    return rtld::relocate_module(exe.diag, exe.m, options);
  }
};

TEST(CopyRelocations, CopiesInsideBothObjects) {
  CopyCase c;
  ASSERT_TRUE(c.copy(1, 5, 3 * sizeof(uintptr_t))) << c.exe.diag.message();
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(c.exe.word(i), i >= 5 ? 0x1000 + i - 4 : Synthetic::kPoison) << i;
  EXPECT_TRUE(c.exe.guards_intact());
}

TEST(CopyRelocations, CopyPastEitherEndIsAnError) {
  for (auto [from, to, size] : {std::tuple<size_t, size_t, uint64_t>{0, 6, 3 * sizeof(uintptr_t)},
                                {2, 0, 3 * sizeof(uintptr_t)},
                                {0, 0, uint64_t{1} << 40},
                                {0, 0, ~uint64_t{0}}}) {
    CopyCase c;
    EXPECT_FALSE(c.copy(from, to, size)) << from << ' ' << to << ' ' << size;
    EXPECT_STREQ(c.exe.diag.message(), "relocation outside the object");
    EXPECT_TRUE(c.exe.guards_intact());
  }
}

}  // namespace

namespace {

// The first word-sized relocation number of a kind on this architecture.
uint32_t word_type(rtld::RelocKind kind) {
  for (uint32_t type = 0; type < 256; ++type)
    if (rtld::RelocType t = arch::classify(type); t.kind == kind && t.width == sizeof(uintptr_t))
      return type;
  return 0;
}

uintptr_t resolver_a() { return 0xa11a; }
uintptr_t resolver_b() { return 0xb22b; }

}  // namespace

// IRELATIVE, in the second pass (deferred, libc's 40 at start-up) and in the first: each word
// gets what its resolver returns, or with skip_ifunc the resolver's address; an offset outside
// the object is an error, with nothing written outside it.
TEST(IRelativeRelocations, ResolversResultsAndOffsetsOutsideTheObject) {
  const uint32_t type = word_type(rtld::RelocKind::IRelative);
  ASSERT_NE(type, 0u);
  for (bool defer : {true, false})
    for (bool skip : {false, true})
      for (bool bad : {false, true}) {
        Synthetic s(16);
        const uintptr_t a = reinterpret_cast<uintptr_t>(&resolver_a);
        const uintptr_t b = reinterpret_cast<uintptr_t>(&resolver_b);
        for (auto [word, resolver] : {std::pair<size_t, uintptr_t>{3, a}, {bad ? 16 : 5, b}}) {
          elf::Rela r{};
          r.r_offset = word * sizeof(uintptr_t);
          r.r_info = type;
          r.r_addend = static_cast<int64_t>(resolver - s.m.image.bias);
          s.rela.push_back(r);
        }
        s.m.dyn.rela = rtld::Table<elf::Rela>{s.rela.data(), s.rela.size()};
        rtld::RelocationOptions options{{no_lookups, nullptr}};
        options.defer_irelative = defer;
        options.skip_ifunc = skip;
        const bool ok = rtld::relocate_module(s.diag, s.m, options);
        EXPECT_TRUE(s.guards_intact());
        if (bad) {
          EXPECT_FALSE(ok);
          EXPECT_STREQ(s.diag.message(), "relocation outside the object");
          continue;
        }
        ASSERT_TRUE(ok) << s.diag.message();
        EXPECT_EQ(s.word(3), skip ? a : 0xa11au) << defer;
        EXPECT_EQ(s.word(5), skip ? b : 0xb22bu) << defer;
        EXPECT_EQ(s.word(4), Synthetic::kPoison);
      }
}

// An offset from the thread pointer without a symbol (an object's own initial-exec TLS
// variable): its static block's offset plus the addend. Without a static block it is the
// static TLS error; an offset outside the object is an error, with nothing written outside it.
TEST(TlsTpOffsetRelocations, OwnStaticBlockWithoutSymbol) {
  const uint32_t type = word_type(rtld::RelocKind::TlsTpOffset);
  ASSERT_NE(type, 0u);
  for (int c = 0; c < 3; ++c) {
    const bool is_static = c != 1, bad = c == 2;
    Synthetic s(16);
    s.m.tls.is_static = is_static;
    s.m.tls.tp_offset = -0x140;
    for (size_t word : {size_t{2}, size_t{bad ? 17u : 6u}}) {
      elf::Rela r{};
      r.r_offset = word * sizeof(uintptr_t);
      r.r_info = type;  // symbol 0
      r.r_addend = static_cast<int64_t>(word * 8);
      s.rela.push_back(r);
    }
    const bool ok = s.relocate(0);
    EXPECT_TRUE(s.guards_intact());
    if (!is_static) {
      EXPECT_FALSE(ok);
      EXPECT_STREQ(s.diag.message(), "cannot allocate memory in static TLS block");
    } else if (bad) {
      EXPECT_FALSE(ok);
      EXPECT_STREQ(s.diag.message(), "relocation outside the object");
    } else {
      ASSERT_TRUE(ok) << s.diag.message();
      EXPECT_EQ(s.word(2), static_cast<uintptr_t>(-0x140 + 16));
      EXPECT_EQ(s.word(6), static_cast<uintptr_t>(-0x140 + 48));
      EXPECT_EQ(s.word(3), Synthetic::kPoison);
    }
  }
}

// Relocations write only the object's writable pages (those of its PF_W segments, as
// describe_mapped records them): an offset inside the object but in a read-only part is an error
// before anything is written there, in the relative block (the lower bound comes from the AND
// of eight offsets), entry by entry, in DT_RELR and in the IRELATIVE pass. Found by fuzzing a
// library's relocation table: ld.so wrote to its read-only text and crashed.
TEST(RelocationBounds, OnlyWritablePagesAreWritten) {
  const elf::Phdr dummy{};
  auto make = [&](Synthetic& s) {
    s.m.image.phdr = &dummy;  // the bounds below, not the whole image
    s.m.image.write_start = s.m.image.start + 32 * sizeof(uintptr_t);
    s.m.image.write_end = s.m.image.start + 64 * sizeof(uintptr_t);
  };
  for (size_t bad : {size_t{0}, size_t{5}, size_t{31}, size_t{64}}) {
    for (size_t count : {size_t{16}, size_t{3}}) {  // through the block, and one by one
      Synthetic s(64);
      make(s);
      for (size_t i = 0; i < count; ++i)
        s.add((i == count / 2 ? bad : 40 + i) * sizeof(uintptr_t), 1);
      EXPECT_FALSE(s.relocate(count)) << bad << " " << count;
      EXPECT_STREQ(s.diag.message(), "relocation outside the object");
      for (size_t w = 0; w < 32; ++w) EXPECT_EQ(s.word(w), Synthetic::kPoison) << w;
      EXPECT_TRUE(s.guards_intact());
    }
  }
  {  // all inside: applied, through the block with a lower bound that is not 0
    Synthetic s(64);
    make(s);
    for (size_t i = 0; i < 24; ++i) s.add((32 + i) * sizeof(uintptr_t), static_cast<int64_t>(i));
    ASSERT_TRUE(s.relocate(24)) << s.diag.message();
    for (size_t i = 0; i < 24; ++i) EXPECT_EQ(s.word(32 + i), s.m.image.start + i) << i;
  }
  {  // DT_RELR naming word 3
    Synthetic s(64);
    make(s);
    EXPECT_FALSE(s.relocate_relr({3 * sizeof(uintptr_t)}));
    EXPECT_EQ(s.word(3), Synthetic::kPoison);
  }
  {  // IRELATIVE (deferred to the second pass) at word 4
    Synthetic s(64);
    make(s);
    elf::Rela r{};
    r.r_offset = 4 * sizeof(uintptr_t);
    r.r_info = word_type(rtld::RelocKind::IRelative);
    r.r_addend = static_cast<int64_t>(reinterpret_cast<uintptr_t>(&resolver_a) - s.m.image.bias);
    s.rela.push_back(r);
    EXPECT_FALSE(s.relocate(0));
    EXPECT_EQ(s.word(4), Synthetic::kPoison);
  }
  {  // nothing writable at all
    Synthetic s(64);
    s.m.image.phdr = &dummy;
    s.add(40 * sizeof(uintptr_t), 1);
    EXPECT_FALSE(s.relocate(1));
    EXPECT_EQ(s.word(40), Synthetic::kPoison);
  }
}
