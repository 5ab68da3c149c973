// find_in_module's per-symbol rules on a hand-built object: symbol table, string table, version
// index and both hash tables written by the test, so that each rule gets a symbol of its own
// (bindings, types, undefined and absolute symbols, st_value 0, names outside the string table,
// duplicates, version index corner cases). Each rule is checked through the GNU and the SysV
// table alike. Also the tables that prepare_module must bound.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rtld/module.hpp"
#include "rtld/symbols.hpp"

namespace {

namespace elf = rtld::elf;
constexpr size_t kPage = 4096;

struct SymSpec {
  std::string name;
  unsigned char bind = elf::STB_GLOBAL;
  unsigned char type = elf::STT_FUNC;
  uint16_t shndx = 7;     // some defined section
  uint64_t value = 0x1000;
  uint16_t versym = 1;    // *global*
  uint32_t name_offset = 0;  // 0: where the builder puts the name; else this raw offset
};

// Layout inside a 4-page span followed by an inaccessible page:
//   0x0000 SysV hash   0x0800 GNU hash   0x1000 symbols   0x2000 strings   0x3000 versym
struct Synthetic {
  uint8_t* base = nullptr;
  size_t span = 4 * kPage;
  rtld::Module m;
  rtld::Version versions[4];  // 0 local, 1 base, 2 V1, 3 V2
  rtld::Arena arena;
  rtld::Diagnostics diag;

  Synthetic() {
    void* p = mmap(nullptr, span + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base = static_cast<uint8_t*>(p);
    mprotect(base + span, kPage, PROT_NONE);
  }
  ~Synthetic() { munmap(base, span + kPage); }
  Synthetic(const Synthetic&) = delete;

  uint32_t* at32(size_t off) { return reinterpret_cast<uint32_t*>(base + off); }

  // Builds the tables for `syms` (symbol 0, the null symbol, is added in front) and prepares
  // the module. Chains visit the symbols in the order given.
  bool build(const std::vector<SymSpec>& syms, bool with_versym = true) {
    size_t n = syms.size() + 1;
    auto* symtab = reinterpret_cast<elf::Sym*>(base + 0x1000);
    char* strtab = reinterpret_cast<char*>(base + 0x2000);
    auto* versym = reinterpret_cast<uint16_t*>(base + 0x3000);
    size_t str = 1;  // offset 0: the empty name
    std::memset(base, 0, span);
    for (size_t i = 1; i < n; ++i) {
      const SymSpec& s = syms[i - 1];
      elf::Sym& e = symtab[i];
      e.st_name = s.name_offset ? s.name_offset : static_cast<uint32_t>(str);
      std::memcpy(strtab + str, s.name.c_str(), s.name.size() + 1);
      str += s.name.size() + 1;
      e.st_info = static_cast<unsigned char>((s.bind << 4) | s.type);
      e.st_shndx = s.shndx;
      e.st_value = s.value;
      versym[i] = s.versym;
    }
    // SysV: one bucket, chain 1 -> 2 -> ... -> n-1 -> 0.
    uint32_t* h = at32(0);
    h[0] = 1, h[1] = static_cast<uint32_t>(n), h[2] = 1;
    for (size_t i = 1; i < n; ++i) h[3 + i] = i + 1 < n ? static_cast<uint32_t>(i + 1) : 0;
    // GNU: one bucket from symbol 1, a bloom word that lets everything through.
    uint32_t* g = at32(0x800);
    g[0] = 1, g[1] = 1, g[2] = 1, g[3] = 6;
    *reinterpret_cast<uint64_t*>(g + 4) = ~uint64_t{0};
    g[6] = 1;  // bucket 0
    for (size_t i = 1; i < n; ++i) {
      uint32_t hash = rtld::gnu_hash(syms[i - 1].name.c_str()) & ~1u;
      g[7 + i - 1] = hash | (i + 1 == n ? 1u : 0u);
    }
    m = rtld::Module{};
    m.path = "synthetic.so";
    m.image.start = m.image.bias = reinterpret_cast<uintptr_t>(base);
    m.image.size = span;
    m.dyn.sysv_hash = at32(0);
    m.dyn.gnu_hash = at32(0x800);
    m.dyn.symtab = symtab;
    m.dyn.strtab = strtab;
    m.dyn.strsz = str;
    if (with_versym) m.dyn.versym = versym;
    versions[2].name = "V1", versions[2].hash = rtld::sysv_hash("V1");
    versions[3].name = "V2", versions[3].hash = rtld::sysv_hash("V2");
    // versions[1] (the base version) stays empty, as glibc keeps it: see
    // BaseVersionSymbol.SatisfiesVersionedRequest.
    m.versions = versions;
    m.version_count = 4;
    return rtld::prepare_module(diag, arena, m);
  }

  // The index of the symbol found (0: none), through the GNU or the SysV table.
  size_t find(const char* name, bool gnu, const rtld::Version* want = nullptr,
              unsigned flags = rtld::kLookupDefault) const {
    rtld::Module view = m;
    if (gnu) view.sysv.buckets = nullptr;
    else view.gnu = rtld::GnuHash{};  // as an object without a GNU hash table has it
    rtld::SymbolName n(name);
    const elf::Sym* s = rtld::find_in_module(view, n, want, flags);
    return s ? static_cast<size_t>(s - m.dyn.symtab) : 0;
  }
};

rtld::Version version(const char* name, bool hidden = false) {
  rtld::Version v;
  v.name = name;
  v.hash = rtld::sysv_hash(name);
  v.hidden = hidden;
  return v;
}

class LookupRules : public ::testing::TestWithParam<bool> {
 protected:
  bool gnu() const { return GetParam(); }
  Synthetic s;
};

TEST_P(LookupRules, BindingsAndTypes) {
  ASSERT_TRUE(s.build({
      {"global_func"},
      {"weak_obj", elf::STB_WEAK, elf::STT_OBJECT},
      {"unique_obj", elf::STB_GNU_UNIQUE, elf::STT_OBJECT},
      {"local_func", elf::STB_LOCAL},
      {"notype", elf::STB_GLOBAL, elf::STT_NOTYPE},
      {"common", elf::STB_GLOBAL, elf::STT_COMMON},
      {"ifunc", elf::STB_GLOBAL, elf::STT_GNU_IFUNC},
      {"section", elf::STB_GLOBAL, elf::STT_SECTION},
      {"file", elf::STB_GLOBAL, elf::STT_FILE},
  })) << s.diag.message();
  EXPECT_EQ(s.find("global_func", gnu()), 1u);
  EXPECT_EQ(s.find("weak_obj", gnu()), 2u);
  EXPECT_EQ(s.find("unique_obj", gnu()), 3u);
  EXPECT_EQ(s.find("local_func", gnu()), 0u);
  EXPECT_EQ(s.find("notype", gnu()), 5u);
  EXPECT_EQ(s.find("common", gnu()), 6u);
  EXPECT_EQ(s.find("ifunc", gnu()), 7u);
  EXPECT_EQ(s.find("section", gnu()), 0u);
  EXPECT_EQ(s.find("file", gnu()), 0u);
}

// The relocation driver's shortcut takes, of a referrer's own symbols, the global and weak ones
// that a search of its table finds for the name: never a local, unique, section or file symbol
// or one with value 0 (but an absolute or a TLS one); nor an undefined one with a value (an
// executable's PLT entry, which the search finds), left to the lookup.
TEST(LookupRulesGnu, OwnDefinitionIsWhatTheSearchFinds) {
  Synthetic s;
  SymSpec undef{"undef"};
  undef.shndx = elf::SHN_UNDEF;
  SymSpec zero{"zero_value"};
  zero.value = 0;
  const std::vector<SymSpec> syms = {
      {"global_func"},
      {"weak_obj", elf::STB_WEAK, elf::STT_OBJECT},
      {"unique_obj", elf::STB_GNU_UNIQUE, elf::STT_OBJECT},
      {"local_func", elf::STB_LOCAL},
      {"notype", elf::STB_GLOBAL, elf::STT_NOTYPE},
      {"common", elf::STB_WEAK, elf::STT_COMMON},
      {"ifunc", elf::STB_GLOBAL, elf::STT_GNU_IFUNC},
      {"section", elf::STB_GLOBAL, elf::STT_SECTION},
      {"file", elf::STB_WEAK, elf::STT_FILE},
      {"os_type", elf::STB_GLOBAL, 11},
      {"os_bind", 11, elf::STT_FUNC},
      undef,
      zero,
      {"abs_zero", elf::STB_GLOBAL, elf::STT_OBJECT, elf::SHN_ABS, 0},
      {"tls_zero", elf::STB_WEAK, elf::STT_TLS, 7, 0},
  };
  ASSERT_TRUE(s.build(syms)) << s.diag.message();
  size_t own = 0;
  for (uint32_t i = 1; i <= syms.size(); ++i) {
    const bool found = s.find(syms[i - 1].name.c_str(), true) == i;
    const unsigned char bind = syms[i - 1].bind;
    EXPECT_EQ(rtld::own_definition(s.m, i, 0),
              found && syms[i - 1].shndx != elf::SHN_UNDEF &&
                  (bind == elf::STB_GLOBAL || bind == elf::STB_WEAK))
        << syms[i - 1].name;
    own += rtld::own_definition(s.m, i, 0);
  }
  EXPECT_EQ(own, 7u);  // global_func, weak_obj, notype, common, ifunc, abs_zero, tls_zero
}

TEST_P(LookupRules, ValueZeroAndUndefined) {
  SymSpec undef{"undef_zero"};
  undef.shndx = elf::SHN_UNDEF, undef.value = 0;
  SymSpec zero{"zero_value"};
  zero.value = 0;
  SymSpec abs{"abs_zero", elf::STB_GLOBAL, elf::STT_OBJECT, elf::SHN_ABS, 0};
  SymSpec tls{"tls_zero", elf::STB_GLOBAL, elf::STT_TLS, 7, 0};
  SymSpec abs_value{"abs_value", elf::STB_GLOBAL, elf::STT_NOTYPE, elf::SHN_ABS, 0x1234};
  ASSERT_TRUE(s.build({undef, zero, abs, tls, abs_value})) << s.diag.message();
  EXPECT_EQ(s.find("undef_zero", gnu()), 0u);
  EXPECT_EQ(s.find("zero_value", gnu()), 0u);  // st_value 0: not a definition
  EXPECT_EQ(s.find("abs_zero", gnu()), 3u);    // unless absolute
  EXPECT_EQ(s.find("tls_zero", gnu()), 4u);    // or TLS (an offset)
  EXPECT_EQ(s.find("abs_value", gnu()), 5u);
}

TEST_P(LookupRules, FirstDefinitionInChainOrderWins) {
  SymSpec weak{"dup", elf::STB_WEAK};
  weak.value = 0x10;
  SymSpec strong{"dup"};
  strong.value = 0x20;
  ASSERT_TRUE(s.build({{"other"}, weak, strong})) << s.diag.message();
  EXPECT_EQ(s.find("dup", gnu()), 2u);  // weak or not, the first one (as glibc's lookup)
}

TEST_P(LookupRules, NamesMustMatchExactly) {
  ASSERT_TRUE(s.build({{"abc"}, {"abcd"}, {"ab"}})) << s.diag.message();
  EXPECT_EQ(s.find("abc", gnu()), 1u);
  EXPECT_EQ(s.find("abcd", gnu()), 2u);
  EXPECT_EQ(s.find("ab", gnu()), 3u);
  EXPECT_EQ(s.find("a", gnu()), 0u);
  EXPECT_EQ(s.find("abcde", gnu()), 0u);
}

TEST_P(LookupRules, NameOffsetOutsideStringTableIsIgnored) {
  SymSpec bad{"far"};
  bad.name_offset = 0x100000;  // way past the string table (and the image)
  ASSERT_TRUE(s.build({bad, {"near"}})) << s.diag.message();
  EXPECT_EQ(s.find("far", gnu()), 0u);
  EXPECT_EQ(s.find("near", gnu()), 2u);
}

TEST_P(LookupRules, VersionIndexRules) {
  SymSpec global{"g"};  // versym 1
  SymSpec global_hidden{"gh"};
  global_hidden.versym = 1 | elf::VERSYM_HIDDEN;
  SymSpec v1{"f"};
  v1.versym = 2 | elf::VERSYM_HIDDEN;  // f@V1
  SymSpec v2{"f"};
  v2.versym = 3;  // f@@V2
  SymSpec local{"l"};
  local.versym = 0;  // *local* index on a global symbol
  ASSERT_TRUE(s.build({global, global_hidden, v1, v2, local})) << s.diag.message();
  rtld::Version V1 = version("V1"), V2 = version("V2"), V9 = version("V9"),
                V1h = version("V1", true);
  // A base/global symbol satisfies a versioned request unless either side is hidden.
  EXPECT_EQ(s.find("g", gnu(), &V9), 1u);
  EXPECT_EQ(s.find("g", gnu(), &V1h), 0u);
  EXPECT_EQ(s.find("gh", gnu(), &V9), 0u);
  EXPECT_EQ(s.find("gh", gnu()), 2u);  // unversioned request: index 1 is taken as is
  // Named versions must match.
  EXPECT_EQ(s.find("f", gnu(), &V1), 3u);
  EXPECT_EQ(s.find("f", gnu(), &V2), 4u);
  EXPECT_EQ(s.find("f", gnu(), &V9), 0u);
  EXPECT_EQ(s.find("f", gnu(), &V1h), 3u);
  // Unversioned: the oldest (index 2) by default, the default version for dlsym.
  EXPECT_EQ(s.find("f", gnu()), 3u);
  EXPECT_EQ(s.find("f", gnu(), nullptr, rtld::kLookupNewest), 4u);
  EXPECT_EQ(s.find("l", gnu()), 5u);
}

TEST_P(LookupRules, VersionNameComparedNotJustHash) {
  SymSpec v1{"f"};
  v1.versym = 2;
  ASSERT_TRUE(s.build({v1})) << s.diag.message();
  rtld::Version same_hash_other_name;
  same_hash_other_name.name = "NOT_V1";
  same_hash_other_name.hash = rtld::sysv_hash("V1");
  EXPECT_EQ(s.find("f", gnu(), &same_hash_other_name), 0u);
  rtld::Version other_hash_same_name;
  other_hash_same_name.name = "V1";
  other_hash_same_name.hash = rtld::sysv_hash("V1") ^ 1;
  EXPECT_EQ(s.find("f", gnu(), &other_hash_same_name), 0u);
}

TEST_P(LookupRules, UnversionedRequestTakesALoneNonDefaultCandidate) {
  SymSpec only{"only"};
  only.versym = 3;  // index 3, not hidden
  SymSpec a{"two"}, b{"two"};
  a.versym = 3, b.versym = 3;  // two candidates: ambiguous, none taken
  ASSERT_TRUE(s.build({only, a, b})) << s.diag.message();
  EXPECT_EQ(s.find("only", gnu()), 1u);
  EXPECT_EQ(s.find("two", gnu()), 0u);
  EXPECT_EQ(s.find("two", gnu(), nullptr, rtld::kLookupNewest), 0u);
}

TEST_P(LookupRules, WithoutVersymAnyVersionIsSatisfied) {
  ASSERT_TRUE(s.build({{"f"}}, /*with_versym=*/false)) << s.diag.message();
  rtld::Version V9 = version("V9"), hidden = version("V9", true);
  EXPECT_EQ(s.find("f", gnu(), &V9), 1u);
  EXPECT_EQ(s.find("f", gnu(), &hidden), 1u);
  EXPECT_EQ(s.find("f", gnu()), 1u);
}

INSTANTIATE_TEST_SUITE_P(Tables, LookupRules, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Gnu" : "Sysv"; });

TEST(LookupRulesGnu, BloomFilterRejectsAbsentNames) {
  Synthetic s;
  ASSERT_TRUE(s.build({{"present"}})) << s.diag.message();
  *reinterpret_cast<uint64_t*>(s.at32(0x800) + 4) = 0;  // an empty bloom filter
  EXPECT_EQ(s.find("present", true), 0u);
  EXPECT_EQ(s.find("present", false), 1u);  // SysV does not use it
}

// DT_HASH counting more symbols than the GNU chains hold (a damaged or mixed table): a symbol
// past the chains is not read back from them (that would read past the chain array); its hash
// is computed.
TEST(LookupRulesGnu, SymbolPastTheChainsIsHashed) {
  Synthetic s;
  ASSERT_TRUE(s.build({{"a"}, {"b"}, {"c"}})) << s.diag.message();
  ASSERT_EQ(s.m.gnu.symbol_end, 4u);
  s.m.symbol_count = 5;  // as a DT_HASH with nchain 5 would make it
  auto* symtab = const_cast<elf::Sym*>(s.m.dyn.symtab);
  symtab[4] = symtab[3];
  symtab[4].st_name = symtab[2].st_name;  // "b", past the chains
  EXPECT_EQ(rtld::name_of_symbol(s.m, 4).gnu, rtld::gnu_hash("b"));
  // Not taken as its own definition by the relocation driver's shortcut either.
  EXPECT_FALSE(rtld::own_definition(s.m, 4, 0));
  rtld::Module* scope[] = {&s.m};
  rtld::SymbolMatch own = rtld::find_reference(scope, 1, s.m, 4, 0);
  ASSERT_TRUE(own);
  EXPECT_EQ(own.sym, &s.m.dyn.symtab[2]);  // found through the table: the chains' "b"
}

TEST(LookupRulesGnu, SymbolCountFromChains) {
  Synthetic s;
  ASSERT_TRUE(s.build({{"a"}, {"b"}, {"c"}})) << s.diag.message();
  EXPECT_EQ(s.m.symbol_count, 4u);
  EXPECT_EQ(s.m.gnu.nbuckets, 1u);
  EXPECT_EQ(s.m.sysv.nchain, 4u);
}

// --- tables prepare_module has to bound ---------------------------------------------------------

// Runs `body` in a child process: 0 = fine, a crash shows as a signal.
template <class F>
void in_child(F body) {
  auto run = [&] {
    alarm(5);
    std::exit(body() ? 0 : 1);
  };
  EXPECT_EXIT(run(), ::testing::ExitedWithCode(0), "");
}

// The synthetic object's tables described by a dynamic section, minus the tags in `drop`, with
// `change` applied; decoded and prepared as an object would be. Returns whether the object was
// accepted (into `out`); what a correct loader may do with a damaged one is reject it here, or
// accept it and look up without faulting.
bool through_pipeline(Synthetic& s, std::vector<int64_t> drop, rtld::Module& out,
                      void (*change)(std::vector<elf::Dyn>&, Synthetic&) = nullptr) {
  std::vector<elf::Dyn> dyn = {{elf::DT_HASH, 0},         {elf::DT_GNU_HASH, 0x800},
                               {elf::DT_SYMTAB, 0x1000},  {elf::DT_SYMENT, sizeof(elf::Sym)},
                               {elf::DT_STRTAB, 0x2000},  {elf::DT_STRSZ, s.m.dyn.strsz},
                               {elf::DT_VERSYM, 0x3000}};
  std::erase_if(dyn, [&](const elf::Dyn& d) {
    for (int64_t t : drop)
      if (d.d_tag == t) return true;
    return false;
  });
  if (change) change(dyn, s);
  dyn.push_back({elf::DT_NULL, 0});
  out = rtld::Module{};
  out.path = "synthetic.so";
  out.image = s.m.image;
  out.versions = s.versions;
  out.version_count = 4;
  rtld::Diagnostics d;
  uintptr_t base = reinterpret_cast<uintptr_t>(s.base);
  return rtld::decode_dynamic(d, "synthetic.so", dyn.data(), dyn.size(), base, base,
                              base + s.span, out.dyn) &&
         rtld::prepare_module(d, s.arena, out);
}

bool lookup_is_safe(const rtld::Module& m, const char* name) {
  rtld::SymbolName n(name);
  const elf::Sym* s = rtld::find_in_module(m, n, nullptr, rtld::kLookupDefault);
  return !s || (s >= m.dyn.symtab && s < m.dyn.symtab + m.symbol_count);
}

// BUG (rtld/symbols.cpp, find_in_module, the SysV walk): `for (i = bucket; i != 0 && i < nchain;
// i = chain[i])` never ends on a cyclic chain, so a damaged DT_HASH hangs the loader (found by
// fuzzing the dynamic section of a --hash-style=sysv library). glibc's walk is unbounded too;
// a bound costs nothing: stop after nchain steps.
TEST(LookupRulesBounds, CyclicSysvChainTerminates) {
  in_child([] {
    alarm(1);
    Synthetic s;
    if (!s.build({{"a"}, {"b"}})) return false;
    s.at32(0)[3 + 2] = 1;  // chain[2] = 1: 1 -> 2 -> 1 -> ...
    rtld::Module view = s.m;
    view.gnu = rtld::GnuHash{};  // SysV only (no bloom filter to stop the walk first)
    rtld::SymbolName n("absent");
    return rtld::find_in_module(view, n, nullptr, rtld::kLookupDefault) == nullptr;
  });
}

// BUG (rtld/module.cpp, prepare_hashes, the GNU symbol count walk): when the last chain has no
// end marker before the object ends, the walk just stops there and the table is accepted;
// find_in_module's chain walk (`for (;; ++i) ... if (h & 1) break;`) then runs past the
// object. Here the table's 5 chain words end exactly at an inaccessible page. Fix: fail
// ("invalid DT_GNU_HASH table") when the walk leaves the object without finding the end bit.
TEST(LookupRulesBounds, GnuChainWithoutEndMarker) {
  in_child([] {
    Synthetic s;
    if (!s.build({{"a"}})) return false;
    size_t at = s.span - 48;  // header 16, bloom 8, one bucket 4, five chain words 20
    uint32_t* g = s.at32(at);
    g[0] = 1, g[1] = 1, g[2] = 1, g[3] = 6;
    *reinterpret_cast<uint64_t*>(g + 4) = ~uint64_t{0};
    g[6] = 1;
    for (int i = 0; i < 5; ++i) g[7 + i] = 2;  // no end bit
    rtld::Module m;
    auto move_gnu = [](std::vector<elf::Dyn>& dyn, Synthetic& sy) {
      for (elf::Dyn& d : dyn)
        if (d.d_tag == elf::DT_GNU_HASH) d.d_val = sy.span - 48;
        else if (d.d_tag == elf::DT_HASH) d.d_tag = elf::DT_SYMENT, d.d_val = sizeof(elf::Sym);
    };
    if (!through_pipeline(s, {}, m, move_gnu)) return true;
    return lookup_is_safe(m, "absent");
  });
}

TEST(LookupRulesBounds, IntactTablesPassThePipeline) {
  Synthetic s;
  ASSERT_TRUE(s.build({{"f"}, {"g"}})) << s.diag.message();
  rtld::Module m;
  ASSERT_TRUE(through_pipeline(s, {}, m));
  EXPECT_EQ(m.symbol_count, 3u);
  rtld::SymbolName g("g");
  EXPECT_EQ(rtld::find_in_module(m, g, nullptr, rtld::kLookupDefault), m.dyn.symtab + 2);
}

// BUG (rtld/dynamic.cpp decode_dynamic, rtld/module.cpp prepare_hashes): hash tables without
// DT_SYMTAB are accepted (prepare's symbol table check is skipped when symtab is null), and
// find_in_module then reads m.dyn.symtab[index] through a null pointer. Found by fuzzing the
// dynamic section. Fix: reject DT_HASH / DT_GNU_HASH without DT_SYMTAB in decode_dynamic (or
// fail prepare_module when symbol_count > 0 and symtab is null).
TEST(LookupRulesBounds, HashTableWithoutSymbolTable) {
  in_child([] {
    Synthetic s;
    rtld::Module m;
    if (!s.build({{"f"}})) return false;
    if (!through_pipeline(s, {elf::DT_SYMTAB}, m)) return true;
    return lookup_is_safe(m, "f");
  });
}

// BUG (same places): DT_STRSZ without DT_STRTAB leaves strtab null with strsz > 0;
// check_symbol's `st_name >= strsz` test passes and str_eq reads from address st_name. Fix:
// reject DT_STRSZ (or a symbol table) without DT_STRTAB in decode_dynamic, or treat a null
// strtab as strsz 0.
TEST(LookupRulesBounds, StringTableSizeWithoutStringTable) {
  in_child([] {
    Synthetic s;
    rtld::Module m;
    if (!s.build({{"f"}})) return false;
    if (!through_pipeline(s, {elf::DT_STRTAB}, m)) return true;
    return lookup_is_safe(m, "f");
  });
}

// BUG (rtld/module.cpp prepare_module): DT_VERSYM is only checked for 2 bytes (decode_dynamic),
// never for symbol_count entries, so check_symbol reads versym[index] past the image. Here the
// version index starts 2 bytes before an inaccessible page. Fix: in prepare_hashes, require
// `inside(m, versym, symbol_count * 2)`.
TEST(LookupRulesBounds, VersymShorterThanSymbolTable) {
  in_child([] {
    Synthetic s;
    std::vector<SymSpec> syms;
    for (int i = 0; i < 40; ++i) syms.push_back({"s" + std::to_string(i)});
    if (!s.build(syms)) return false;
    rtld::Module m;
    auto at_end = [](std::vector<elf::Dyn>& dyn, Synthetic& sy) {
      for (elf::Dyn& d : dyn)
        if (d.d_tag == elf::DT_VERSYM) d.d_val = sy.span - 2;
    };
    if (!through_pipeline(s, {}, m, at_end)) return true;
    return lookup_is_safe(m, "s39");
  });
}

// BUG (rtld/module.cpp, prepare_hashes): with both tables, symbol_count is taken from the SysV
// nchain (it overwrites the count the GNU chains gave), the symbol table is bounds-checked for
// that many entries, and find_in_module then walks the GNU table, whose indices can go further.
// Here nchain says 2 symbols and the table holds exactly 2 before an inaccessible page; the GNU
// table (tried first) leads to symbol 3. Found by Corrupt.RandomDynamicEntries. Fix: check the
// symbol table against the larger of the two counts (or reject tables that disagree).
TEST(LookupRulesBounds, GnuTableReachesPastTheSysvCount) {
  in_child([] {
    Synthetic s;
    if (!s.build({{"a"}, {"b"}, {"c"}})) return false;
    size_t moved = s.span - 2 * sizeof(elf::Sym);
    std::memcpy(s.base + moved, s.base + 0x1000, 2 * sizeof(elf::Sym));
    s.at32(0)[1] = 2;  // nchain
    rtld::Module m;
    auto move_symtab = [](std::vector<elf::Dyn>& dyn, Synthetic& sy) {
      for (elf::Dyn& d : dyn)
        if (d.d_tag == elf::DT_SYMTAB) d.d_val = sy.span - 2 * sizeof(elf::Sym);
        else if (d.d_tag == elf::DT_VERSYM) d.d_tag = elf::DT_SYMENT, d.d_val = sizeof(elf::Sym);
    };
    if (!through_pipeline(s, {}, m, move_symtab)) return true;
    return lookup_is_safe(m, "c");
  });
}

}  // namespace
