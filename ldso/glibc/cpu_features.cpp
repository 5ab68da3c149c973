// glibc's x86 cpu_features, filled from CPUID exactly as glibc 2.36 (Debian 12) fills them
// (sysdeps/x86/cpu-features.c, dl-cacheinfo.h, cpu-tunables.c): the raw leaves, the "active"
// bits libc's IFUNC resolvers select on (only features whose register state the OS enabled),
// preferences, the cache sizes and copy thresholds memcpy/memset depend on (zero thresholds
// crash memcpy), dl_hwcap / dl_platform and the minimum signal stack size. Whatever differs
// from glibc's values changes which string functions libc picks, or what sysconf reports.
#include <cpuid.h>

#include <initializer_list>  // header-only, freestanding

#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "rtld/string.hpp"
#include "state.hpp"

namespace ldso::glibc {
namespace {

namespace ro_ = L::rtld_global_ro;

enum Reg : uint8_t { EAX, EBX, ECX, EDX };
// Indices of features[] (glibc's CPUID_INDEX_*), each {cpuid[4], active[4]} of 32-bit words.
enum Leaf : uint8_t { kLeaf1, kLeaf7, kLeaf80000001, kLeafD1, kLeaf80000007, kLeaf80000008, kLeaf7_1,
            kLeaf19, kLeaf14, kLeafCount };

constexpr uint32_t bit(unsigned n) { return 1u << n; }

struct Feature {  // 4 bytes: the feature lists stay small
  Leaf leaf;
  Reg reg;
  uint16_t bit;
};
// glibc's index_cpu_*, reg_* and bit_cpu_* (sysdeps/x86/include/cpu-features.h).
constexpr Feature SSE3{kLeaf1, ECX, 0}, PCLMULQDQ{kLeaf1, ECX, 1}, SSSE3{kLeaf1, ECX, 9},
    FMA{kLeaf1, ECX, 12}, CMPXCHG16B{kLeaf1, ECX, 13}, SSE4_1{kLeaf1, ECX, 19},
    SSE4_2{kLeaf1, ECX, 20}, MOVBE{kLeaf1, ECX, 22}, POPCNT{kLeaf1, ECX, 23},
    AES{kLeaf1, ECX, 25}, XSAVE{kLeaf1, ECX, 26}, OSXSAVE{kLeaf1, ECX, 27}, AVX{kLeaf1, ECX, 28},
    F16C{kLeaf1, ECX, 29}, RDRAND{kLeaf1, ECX, 30};
constexpr Feature FPU{kLeaf1, EDX, 0}, TSC{kLeaf1, EDX, 4}, CX8{kLeaf1, EDX, 8},
    CMOV{kLeaf1, EDX, 15}, CLFSH{kLeaf1, EDX, 19}, MMX{kLeaf1, EDX, 23}, FXSR{kLeaf1, EDX, 24},
    SSE{kLeaf1, EDX, 25}, SSE2{kLeaf1, EDX, 26}, HTT{kLeaf1, EDX, 28};
constexpr Feature BMI1{kLeaf7, EBX, 3}, HLE{kLeaf7, EBX, 4}, AVX2{kLeaf7, EBX, 5},
    BMI2{kLeaf7, EBX, 8}, ERMS{kLeaf7, EBX, 9}, RTM{kLeaf7, EBX, 11}, AVX512F{kLeaf7, EBX, 16},
    AVX512DQ{kLeaf7, EBX, 17}, RDSEED{kLeaf7, EBX, 18}, ADX{kLeaf7, EBX, 19},
    AVX512_IFMA{kLeaf7, EBX, 21}, CLFLUSHOPT{kLeaf7, EBX, 23}, CLWB{kLeaf7, EBX, 24},
    AVX512PF{kLeaf7, EBX, 26}, AVX512ER{kLeaf7, EBX, 27}, AVX512CD{kLeaf7, EBX, 28},
    SHA{kLeaf7, EBX, 29}, AVX512BW{kLeaf7, EBX, 30}, AVX512VL{kLeaf7, EBX, 31};
constexpr Feature PREFETCHWT1{kLeaf7, ECX, 0}, AVX512_VBMI{kLeaf7, ECX, 1}, PKU{kLeaf7, ECX, 3},
    OSPKE{kLeaf7, ECX, 4}, WAITPKG{kLeaf7, ECX, 5}, AVX512_VBMI2{kLeaf7, ECX, 6},
    SHSTK{kLeaf7, ECX, 7}, GFNI{kLeaf7, ECX, 8}, VAES{kLeaf7, ECX, 9},
    VPCLMULQDQ{kLeaf7, ECX, 10}, AVX512_VNNI{kLeaf7, ECX, 11}, AVX512_BITALG{kLeaf7, ECX, 12},
    AVX512_VPOPCNTDQ{kLeaf7, ECX, 14}, RDPID{kLeaf7, ECX, 22}, KL{kLeaf7, ECX, 23},
    CLDEMOTE{kLeaf7, ECX, 25}, MOVDIRI{kLeaf7, ECX, 27}, MOVDIR64B{kLeaf7, ECX, 28};
constexpr Feature AVX512_4VNNIW{kLeaf7, EDX, 2}, AVX512_4FMAPS{kLeaf7, EDX, 3},
    FSRM{kLeaf7, EDX, 4}, AVX512_VP2INTERSECT{kLeaf7, EDX, 8}, RTM_ALWAYS_ABORT{kLeaf7, EDX, 11},
    SERIALIZE{kLeaf7, EDX, 14}, TSXLDTRK{kLeaf7, EDX, 16}, IBT{kLeaf7, EDX, 20},
    AMX_BF16{kLeaf7, EDX, 22}, AVX512_FP16{kLeaf7, EDX, 23}, AMX_TILE{kLeaf7, EDX, 24},
    AMX_INT8{kLeaf7, EDX, 25};
constexpr Feature LAHF64_SAHF64{kLeaf80000001, ECX, 0}, LZCNT{kLeaf80000001, ECX, 5},
    SSE4A{kLeaf80000001, ECX, 6}, PREFETCHW{kLeaf80000001, ECX, 8}, XOP{kLeaf80000001, ECX, 11},
    FMA4{kLeaf80000001, ECX, 16}, TBM{kLeaf80000001, ECX, 21}, RDTSCP{kLeaf80000001, EDX, 27};
constexpr Feature XSAVEOPT{kLeafD1, EAX, 0}, XSAVEC{kLeafD1, EAX, 1},
    XGETBV_ECX_1{kLeafD1, EAX, 2}, XFD{kLeafD1, EAX, 4};
constexpr Feature WBNOINVD{kLeaf80000008, EBX, 9};
constexpr Feature AVX_VNNI{kLeaf7_1, EAX, 4}, AVX512_BF16{kLeaf7_1, EAX, 5},
    FZLRM{kLeaf7_1, EAX, 10}, FSRS{kLeaf7_1, EAX, 11}, FSRCS{kLeaf7_1, EAX, 12};
constexpr Feature AESKLE{kLeaf19, EBX, 0}, WIDE_KL{kLeaf19, EBX, 2};
constexpr Feature PTWRITE{kLeaf14, EBX, 4};

// Bits of preferred[0] (cpu-features-preferred_feature_index_1.def, in order).
enum Preferred : unsigned {
  Fast_Rep_String, Fast_Copy_Backward, Slow_BSF, Fast_Unaligned_Load, Prefer_PMINUB_for_stringop,
  Fast_Unaligned_Copy, I586, I686, Slow_SSE4_2, AVX_Fast_Unaligned_Load, Prefer_No_VZEROUPPER,
  Prefer_ERMS, Prefer_No_AVX512, MathVec_Prefer_No_AVX512, Prefer_FSRM,
  Avoid_Short_Distance_REP_MOVSB
};

enum Kind : uint32_t { kUnknown, kIntel, kAmd, kZhaoxin, kOther };

// _SC_LEVEL1_ICACHE_SIZE ... _SC_LEVEL4_CACHE_SIZE, relative to the first (glibc's M()).
enum CacheName : int {
  L1I_SIZE, L1I_ASSOC, L1I_LINESIZE, L1D_SIZE, L1D_ASSOC, L1D_LINESIZE, L2_SIZE, L2_ASSOC,
  L2_LINESIZE, L3_SIZE, L3_ASSOC, L3_LINESIZE, L4_SIZE
};

struct Regs {
  uint32_t r[4];
};

// cpuid traps to the hypervisor in a virtual machine (about 14,000 cycles on the machine this
// was measured on), and glibc's cache-information code asks for the same leaves again and
// again: 0x80000000 fourteen times, 0x80000005 and 0x80000006 six times each on AMD; on Intel
// leaf 2 and the subleaves of leaf 4 for every one of a dozen cache parameters. Every answer
// is remembered and asked for once, but those of the leaves that name the calling CPU (0xb's and
// 0x1f's x2APIC ids; leaf 1's APIC id is read once, as glibc reads it). Only start-up asks,
// and the lazy-binding set-up (remembered_cpuid).
struct CpuidAnswer {
  uint32_t leaf, sub;
  Regs regs;
  bool known;
};
// Direct-mapped: a collision only costs a repeated cpuid. No two of the leaves and subleaves
// start-up asks for on Intel, AMD or Zhaoxin share a slot (the index was searched for that).
CpuidAnswer cpuid_answers[64];

// The answer, in its table entry (for leaves 0xb and 0x1f, one that the next such call
// overwrites).
CpuidAnswer unkept;
const Regs& cpuid(uint32_t leaf, uint32_t sub = 0) {
  const bool keep = leaf != 0xb && leaf != 0x1f;
  CpuidAnswer& e = keep ? cpuid_answers[(leaf + (leaf >> 31) * 28 + sub * 19) & 63] : unkept;
  if (!keep || !e.known || e.leaf != leaf || e.sub != sub) {
    __cpuid_count(leaf, sub, e.regs.r[EAX], e.regs.r[EBX], e.regs.r[ECX], e.regs.r[EDX]);
    e.leaf = leaf, e.sub = sub, e.known = keep;
  }
  return e.regs;
}

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

// glibc's struct cpu_features, by the generated layout.
struct CpuFeatures {
  uint32_t (*f)[2][4];
  uint32_t kind = kOther, max_cpuid = 0, family = 0, model = 0, stepping = 0;
  uint32_t preferred = 0, isa_1 = 0;
  uint64_t xsave_state_size = 0;
  uint32_t xsave_state_full_size = 0;

  bool cpu(Feature x) const { return (f[x.leaf][0][x.reg] & bit(x.bit)) != 0; }      // _CPU_P
  bool usable(Feature x) const { return (f[x.leaf][1][x.reg] & bit(x.bit)) != 0; }   // _USABLE_P
  void set_active(Feature x) { f[x.leaf][1][x.reg] |= f[x.leaf][0][x.reg] & bit(x.bit); }
  void set(Feature x) { f[x.leaf][1][x.reg] |= bit(x.bit); }
  void unset(Feature x) { f[x.leaf][1][x.reg] &= ~bit(x.bit); }
  void read(Leaf l, uint32_t leaf, uint32_t sub) {
    Regs x = cpuid(leaf, sub);
    for (int i = 0; i < 4; ++i) f[l][0][i] = x.r[i];
  }
  bool preferred_p(Preferred p) const { return (preferred & bit(p)) != 0; }
  // Many features at once, a word at a time (FeatureWords): active |= CPUID's bits, or &= ~bits.
  [[gnu::noinline]] void apply(const struct FeatureWord* w, size_t n, bool clear);
  bool all_usable(const struct FeatureWord* w, size_t n) const;  // every bit given, active
  template <const auto& Words>
  void set_active_all() {
    apply(Words.w, Words.n, false);
  }
  template <const auto& Words>
  void unset_all() {
    apply(Words.w, Words.n, true);
  }
};

// A list of features as the words of features[] they are in, each with its bits: a few words
// instead of a Feature per entry. `word` indexes the words flatly, leaf * 8 + reg (the CPUID
// word; the active one is 4 further).
struct [[gnu::packed]] FeatureWord {
  uint8_t word;
  uint32_t mask;
};
constexpr size_t count_words(std::initializer_list<Feature> list) {
  size_t n = 0;
  for (const Feature* x = list.begin(); x != list.end(); ++x) {
    bool seen = false;
    for (const Feature* y = list.begin(); y != x; ++y)
      seen |= y->leaf == x->leaf && y->reg == x->reg;
    n += !seen;
  }
  return n;
}
template <size_t N>
struct FeatureWords {
  static constexpr size_t n = N;
  FeatureWord w[N]{};
  constexpr explicit FeatureWords(std::initializer_list<Feature> list) {
    size_t k = 0;
    for (Feature x : list) {
      uint8_t word = static_cast<uint8_t>(x.leaf * 8 + x.reg);
      size_t i = 0;
      while (i < k && w[i].word != word) ++i;
      if (i == k) w[k++] = FeatureWord{word, 0};
      w[i].mask |= bit(x.bit);
    }
  }
};
#define LDSO_FEATURE_WORDS(name, ...)                       \
  constexpr FeatureWords<count_words({__VA_ARGS__})> name { \
    { __VA_ARGS__ }                                         \
  }

bool CpuFeatures::all_usable(const FeatureWord* w, size_t n) const {
  const uint32_t* words = &f[0][0][0];
  for (; n; --n, ++w)
    if ((words[w->word + 4] & w->mask) != w->mask) return false;
  return true;
}

void CpuFeatures::apply(const FeatureWord* w, size_t n, bool clear) {
  uint32_t* words = &f[0][0][0];
  for (; n; --n, ++w) {
    uint32_t* cpuid = words + w->word;
    if (clear)
      cpuid[4] &= ~w->mask;
    else
      cpuid[4] |= cpuid[0] & w->mask;
  }
}

// The lists update_active and init_cpu_features turn on or off whole.
LDSO_FEATURE_WORDS(kUsableWithCpuid, SSE3, PCLMULQDQ, SSSE3, CMPXCHG16B, SSE4_1, SSE4_2, MOVBE,
                   POPCNT, AES, OSXSAVE, TSC, CX8, CMOV, CLFSH, MMX, FXSR, SSE, SSE2, HTT, BMI1,
                   HLE, BMI2, ERMS, RDSEED, ADX, CLFLUSHOPT, CLWB, SHA, PREFETCHWT1, OSPKE, WAITPKG,
                   GFNI, RDPID, RDRAND, CLDEMOTE, MOVDIRI, MOVDIR64B, FSRM, RTM_ALWAYS_ABORT,
                   SERIALIZE, TSXLDTRK, LAHF64_SAHF64, LZCNT, SSE4A, PREFETCHW, TBM, RDTSCP,
                   WBNOINVD, FZLRM, FSRS, FSRCS, PTWRITE);
LDSO_FEATURE_WORDS(kAvxUsable, AVX_VNNI, FMA, VAES, VPCLMULQDQ, XOP, F16C);
LDSO_FEATURE_WORDS(kAvx512Usable, AVX512CD, AVX512ER, AVX512PF, AVX512VL, AVX512DQ, AVX512BW,
                   AVX512_4FMAPS, AVX512_4VNNIW, AVX512_BITALG, AVX512_IFMA, AVX512_VBMI,
                   AVX512_VBMI2, AVX512_VNNI, AVX512_VPOPCNTDQ, AVX512_VP2INTERSECT, AVX512_BF16,
                   AVX512_FP16);
LDSO_FEATURE_WORDS(kAmxUsable, AMX_BF16, AMX_TILE, AMX_INT8);
LDSO_FEATURE_WORDS(kXsaveUsable, XSAVEOPT, XSAVEC, XGETBV_ECX_1, XFD);
LDSO_FEATURE_WORDS(kXsaveFeatures, XSAVE, XSAVEOPT, XSAVEC, XGETBV_ECX_1, XFD);
LDSO_FEATURE_WORDS(kNeedXsave, AVX, AVX2, AVX_VNNI, FMA, VAES, VPCLMULQDQ, XOP, F16C, AVX512F,
                   AVX512CD, AVX512ER, AVX512PF, AVX512VL, AVX512DQ, AVX512BW, AVX512_4FMAPS,
                   AVX512_4VNNIW, AVX512_BITALG, AVX512_IFMA, AVX512_VBMI, AVX512_VBMI2,
                   AVX512_VNNI, AVX512_VPOPCNTDQ, AVX512_VP2INTERSECT, AVX512_BF16, AVX512_FP16,
                   AMX_BF16, AMX_TILE, AMX_INT8, FMA4);

// get_common_indices: leaf 1 (only with a known vendor), 7, 7.1, 0xd.1, 0x14, 0x19.
void get_common_indices(CpuFeatures& c, bool with_leaf1, uint32_t& extended_model) {
  if (with_leaf1) {
    c.read(kLeaf1, 1, 0);
    uint32_t eax = c.f[kLeaf1][0][EAX];
    c.family = (eax >> 8) & 0x0f;
    c.model = (eax >> 4) & 0x0f;
    extended_model = (eax >> 12) & 0xf0;
    c.stepping = eax & 0x0f;
    if (c.family == 0x0f) {
      c.family += (eax >> 20) & 0xff;
      c.model += extended_model;
    }
  }
  if (c.max_cpuid >= 7) c.read(kLeaf7, 7, 0), c.read(kLeaf7_1, 7, 1);
  if (c.max_cpuid >= 0xd) c.read(kLeafD1, 0xd, 1);
  if (c.max_cpuid >= 0x14) c.read(kLeaf14, 0x14, 0);
  if (c.max_cpuid >= 0x19) c.read(kLeaf19, 0x19, 0);
}

void get_extended_indices(CpuFeatures& c) {
  uint32_t max = cpuid(0x80000000).r[EAX];
  if (max >= 0x80000001) c.read(kLeaf80000001, 0x80000001, 0);
  if (max >= 0x80000007) c.read(kLeaf80000007, 0x80000007, 0);
  if (max >= 0x80000008) c.read(kLeaf80000008, 0x80000008, 0);
}

// The features of the baseline, x86-64-v2, -v3 and -v4 (FPU by CPUID, the rest usable).
// The features each x86-64 ISA level needs, usable (FPU: reported by CPUID), a word at a time.
LDSO_FEATURE_WORDS(kIsaBaseline, CMOV, CX8, FXSR, MMX, SSE, SSE2);
LDSO_FEATURE_WORDS(kIsaV2, CMPXCHG16B, LAHF64_SAHF64, POPCNT, SSE3, SSSE3, SSE4_1, SSE4_2);
LDSO_FEATURE_WORDS(kIsaV3, AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE);
LDSO_FEATURE_WORDS(kIsaV4, AVX512F, AVX512BW, AVX512CD, AVX512DQ, AVX512VL);

uint32_t get_isa_level(const CpuFeatures& c) {
  if (!c.cpu(FPU) || !c.all_usable(kIsaBaseline.w, kIsaBaseline.n)) return 0;
  if (!c.all_usable(kIsaV2.w, kIsaV2.n)) return 1;
  if (!c.all_usable(kIsaV3.w, kIsaV3.n)) return 3;
  return c.all_usable(kIsaV4.w, kIsaV4.n) ? 15 : 7;
}

void update_active(CpuFeatures& c) {
  // Usable whenever CPUID reports them.
  c.set_active_all<kUsableWithCpuid>();
  if (!c.cpu(RTM_ALWAYS_ABORT)) c.set_active(RTM);
  // IBT and SHSTK (Debian builds with CET) are set here and cleared again below: Linux does not
  // report CET through arch_prctl(ARCH_CET_STATUS).

  if (c.cpu(OSXSAVE)) {
    uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) == 0x6) {  // XMM and YMM state
      if (c.cpu(AVX)) {
        c.set(AVX);
        if (c.cpu(AVX2)) {
          c.set(AVX2);
          c.preferred |= bit(AVX_Fast_Unaligned_Load);
        }
        c.set_active_all<kAvxUsable>();
      }
      if ((xcr0 & 0xe0) == 0xe0 && c.cpu(AVX512F)) {  // opmask, ZMM0-15, ZMM16-31 state
        c.set(AVX512F);
        c.set_active_all<kAvx512Usable>();
      }
    }
    if ((xcr0 & (bit(17) | bit(18))) == (bit(17) | bit(18)))  // XTILECFG, XTILEDATA state
      c.set_active_all<kAmxUsable>();
    c.set(XSAVE);
    c.set_active_all<kXsaveUsable>();

    // _dl_runtime_resolve's save area: the XSAVE area plus 64 bytes of integer registers.
    constexpr uint32_t kStateSaveOffset = 8 * 7 + 8;
    constexpr uint32_t kStateSaveMask = bit(1) | bit(2) | bit(3) | bit(5) | bit(6) | bit(7);
    if (c.max_cpuid >= 0xd) {
      Regs d = cpuid(0xd, 0);
      if (d.r[EBX] != 0) {
        uint32_t full = static_cast<uint32_t>(align_up(d.r[EBX] + kStateSaveOffset, 64));
        c.xsave_state_size = full;
        c.xsave_state_full_size = full;
        if (c.cpu(XSAVEC)) {
          // glibc sums the compacted-format sizes of the components in kStateSaveMask from
          // their CPUID 0xd subleaves, five more cpuid instructions (each a trap to the
          // hypervisor in a virtual machine, about 4 us on the machine this was measured on).
          // Those sizes are the architecture's (AVX 256 bytes, MPX bounds 64, AVX-512 opmask
          // 64, ZMM_Hi256 512, Hi16_ZMM 1024) for a component the CPU supports (subleaf 0's
          // EAX), 0 otherwise, and none of them asks for 64-byte alignment in that format (only
          // AMX tile data does). Only glibc's own lazy-binding trampoline reads the result; ours
          // sizes its save area itself (arch_xsave_size), so it is kept here for the record.
          constexpr uint32_t kSizes[8] = {0, 0, 256, 64, 0, 64, 512, 1024};
          uint32_t size = 576;  // the legacy region and the XSAVE header
          for (unsigned i = 2; i < 8; ++i)
            if ((kStateSaveMask & bit(i)) && (d.r[EAX] & bit(i))) size += kSizes[i];
          c.xsave_state_size = align_up(size + kStateSaveOffset, 64);
          c.set(XSAVEC);
        }
      }
    }
  }
  if (c.cpu(OSPKE)) c.set(PKU);
  if (c.cpu(AESKLE)) {
    c.set(AESKLE);
    c.set_active(KL);
    c.set_active(WIDE_KL);
  }
  c.isa_1 = get_isa_level(c);
}

// Intel's preferences and errata (family 6 models), after update_active.
void intel_preferences(CpuFeatures& c, uint32_t extended_model) {
  if (c.family == 0x06) {
    c.model += extended_model;
    switch (c.model) {
      case 0x1c:
      case 0x26:
        c.preferred |= bit(Slow_BSF);  // BSF is slow on Atom
        break;
      case 0x57: case 0x7a: case 0x5c: case 0x5f: case 0x4c: case 0x5a: case 0x75:
      case 0x37: case 0x4a: case 0x4d: case 0x5d:  // Silvermont, Airmont, Goldmont, KNL
        c.preferred |= bit(Fast_Unaligned_Load) | bit(Fast_Unaligned_Copy) |
                       bit(Prefer_PMINUB_for_stringop) | bit(Slow_SSE4_2);
        break;
      case 0x86: case 0x96: case 0x9c:  // Tremont
        c.preferred |= bit(Fast_Rep_String) | bit(Fast_Unaligned_Load) |
                       bit(Fast_Unaligned_Copy) | bit(Prefer_PMINUB_for_stringop) |
                       bit(Slow_SSE4_2);
        break;
      default:
        if (!c.cpu(AVX)) break;
        [[fallthrough]];
      case 0x1a: case 0x1e: case 0x1f: case 0x25: case 0x2c: case 0x2e: case 0x2f:
        c.preferred |= bit(Fast_Rep_String) | bit(Fast_Unaligned_Load) |
                       bit(Fast_Unaligned_Copy) | bit(Prefer_PMINUB_for_stringop);
        break;
    }
    // TSX off where microcode may leave it broken.
    bool disable_tsx = false;
    switch (c.model) {
      case 0x55:
        disable_tsx = c.stepping <= 5;
        break;
      case 0x8e:
      case 0x9e:
        disable_tsx = c.stepping <= 0xc;
        break;
      case 0x4e:
      case 0x5e:
        disable_tsx = true;
        break;
      case 0x3f:
        if (c.stepping >= 4) break;
        [[fallthrough]];
      case 0x3c:
      case 0x45:
      case 0x46:
        c.unset(RTM);
        break;
      default:
        break;
    }
    if (disable_tsx) {
      c.unset(HLE);
      c.unset(RTM);
      c.set(RTM_ALWAYS_ABORT);
    }
  }
  if (c.cpu(AVX512ER)) {
    c.preferred |= bit(Prefer_No_VZEROUPPER);
  } else {
    // Cores without AVX-VNNI lower their clock for 512-bit vectors.
    if (!c.cpu(AVX_VNNI)) c.preferred |= bit(Prefer_No_AVX512);
    if (c.usable(RTM)) c.preferred |= bit(Prefer_No_VZEROUPPER);
  }
  if (c.cpu(FSRM)) c.preferred |= bit(Avoid_Short_Distance_REP_MOVSB);
}

// ---- Caches (dl-cacheinfo.h) ----

// Four bytes: every size is m x 2^k bytes with m odd and below 16 and k at least 13 (8 KB), every
// line 32 or 64 bytes.
struct Intel02 {
  static constexpr uint8_t encode_size(uint32_t bytes) {  // m in bits 4-7, k - 13 in bits 0-3 (0: none)
    uint32_t k = bytes ? __builtin_ctz(bytes) : 0, m = bytes >> k;
    if (!bytes || k < 13 || k - 13 > 15 || m > 15) return 0;
    return static_cast<uint8_t>(m << 4 | (k - 13));
  }
  constexpr Intel02(uint8_t i, uint8_t a, uint8_t l, uint8_t r, uint32_t bytes)
      : idx(i), assoc(a), shape(static_cast<uint8_t>(r | (l == 64 ? 0x80 : 0))), size_code(encode_size(bytes)) {}
  uint8_t idx, assoc;
  uint8_t shape;      // rel_name, bit 7: 64-byte lines (else 32)
  uint8_t size_code;  // encode_size
  int rel_name() const { return shape & 0x7f; }
  long linesize() const { return shape & 0x80 ? 64 : 32; }
  long size() const { return long{size_code >> 4} << ((size_code & 15) + 13); }
};
// CPUID leaf 2 descriptors, sorted by idx.
constexpr Intel02 kIntel02[] = {
    {0x06, 4, 32, L1I_SIZE, 8192},      {0x08, 4, 32, L1I_SIZE, 16384},
    {0x09, 4, 32, L1I_SIZE, 32768},     {0x0a, 2, 32, L1D_SIZE, 8192},
    {0x0c, 4, 32, L1D_SIZE, 16384},     {0x0d, 4, 64, L1D_SIZE, 16384},
    {0x0e, 6, 64, L1D_SIZE, 24576},     {0x21, 8, 64, L2_SIZE, 262144},
    {0x22, 4, 64, L3_SIZE, 524288},     {0x23, 8, 64, L3_SIZE, 1048576},
    {0x25, 8, 64, L3_SIZE, 2097152},    {0x29, 8, 64, L3_SIZE, 4194304},
    {0x2c, 8, 64, L1D_SIZE, 32768},     {0x30, 8, 64, L1I_SIZE, 32768},
    {0x39, 4, 64, L2_SIZE, 131072},     {0x3a, 6, 64, L2_SIZE, 196608},
    {0x3b, 2, 64, L2_SIZE, 131072},     {0x3c, 4, 64, L2_SIZE, 262144},
    {0x3d, 6, 64, L2_SIZE, 393216},     {0x3e, 4, 64, L2_SIZE, 524288},
    {0x3f, 2, 64, L2_SIZE, 262144},     {0x41, 4, 32, L2_SIZE, 131072},
    {0x42, 4, 32, L2_SIZE, 262144},     {0x43, 4, 32, L2_SIZE, 524288},
    {0x44, 4, 32, L2_SIZE, 1048576},    {0x45, 4, 32, L2_SIZE, 2097152},
    {0x46, 4, 64, L3_SIZE, 4194304},    {0x47, 8, 64, L3_SIZE, 8388608},
    {0x48, 12, 64, L2_SIZE, 3145728},   {0x49, 16, 64, L2_SIZE, 4194304},
    {0x4a, 12, 64, L3_SIZE, 6291456},   {0x4b, 16, 64, L3_SIZE, 8388608},
    {0x4c, 12, 64, L3_SIZE, 12582912},  {0x4d, 16, 64, L3_SIZE, 16777216},
    {0x4e, 24, 64, L2_SIZE, 6291456},   {0x60, 8, 64, L1D_SIZE, 16384},
    {0x66, 4, 64, L1D_SIZE, 8192},      {0x67, 4, 64, L1D_SIZE, 16384},
    {0x68, 4, 64, L1D_SIZE, 32768},     {0x78, 8, 64, L2_SIZE, 1048576},
    {0x79, 8, 64, L2_SIZE, 131072},     {0x7a, 8, 64, L2_SIZE, 262144},
    {0x7b, 8, 64, L2_SIZE, 524288},     {0x7c, 8, 64, L2_SIZE, 1048576},
    {0x7d, 8, 64, L2_SIZE, 2097152},    {0x7f, 2, 64, L2_SIZE, 524288},
    {0x80, 8, 64, L2_SIZE, 524288},     {0x82, 8, 32, L2_SIZE, 262144},
    {0x83, 8, 32, L2_SIZE, 524288},     {0x84, 8, 32, L2_SIZE, 1048576},
    {0x85, 8, 32, L2_SIZE, 2097152},    {0x86, 4, 64, L2_SIZE, 524288},
    {0x87, 8, 64, L2_SIZE, 1048576},    {0xd0, 4, 64, L3_SIZE, 524288},
    {0xd1, 4, 64, L3_SIZE, 1048576},    {0xd2, 4, 64, L3_SIZE, 2097152},
    {0xd6, 8, 64, L3_SIZE, 1048576},    {0xd7, 8, 64, L3_SIZE, 2097152},
    {0xd8, 8, 64, L3_SIZE, 4194304},    {0xdc, 12, 64, L3_SIZE, 2097152},
    {0xdd, 12, 64, L3_SIZE, 4194304},   {0xde, 12, 64, L3_SIZE, 8388608},
    {0xe2, 16, 64, L3_SIZE, 2097152},   {0xe3, 16, 64, L3_SIZE, 4194304},
    {0xe4, 16, 64, L3_SIZE, 8388608},   {0xea, 24, 64, L3_SIZE, 12582912},
    {0xeb, 24, 64, L3_SIZE, 18874368},  {0xec, 24, 64, L3_SIZE, 25165824},
};
static_assert([] {
  for (const Intel02& e : kIntel02)
    if (e.size_code == 0) return false;
  return true;
}(), "a leaf 2 size that does not fit Intel02's encoding");

// A cache's three values, as its three _SC names ask for them: size, associativity, line size.
// Leaf 2 and leaf 4 answer all three from one entry, so each cache is looked up once, not once
// per name as glibc does (the same answers: what settles one name settles the other two).
struct CacheValues {
  long v[3];
  void set(long size, long assoc, long line) { v[0] = size, v[1] = assoc, v[2] = line; }
};

// CPUID leaf 4's caches, by _SIZE name / 3 (L1I, L1D, L2, L3, L4): the first subleaf that
// describes each, level 4 only when with_l4 (Intel); -1s for one none describes. Bit k of the
// result: cache k was found.
unsigned leaf4_caches(bool with_l4, CacheValues (&found)[5]) {
  unsigned mask = 0;
  for (CacheValues& v : found) v.set(-1, -1, -1);
  for (uint32_t round = 0;; ++round) {
    Regs x = cpuid(4, round);
    const uint32_t type = x.r[EAX] & 0x1f, level = (x.r[EAX] >> 5) & 0x7;
    if (type == 0) return mask;
    const unsigned k = level == 1                                              ? (type == 1   ? 1
                                                                                  : type == 2 ? 0
                                                                                              : 5)
                       : (level == 2 || level == 3 || (with_l4 && level == 4)) ? level
                                                                               : 5;
    if (k == 5 || (mask >> k & 1)) continue;
    mask |= 1u << k;
    const uint32_t ebx = x.r[EBX], ecx = x.r[ECX];
    found[k].set(static_cast<long>((uint64_t{(ebx >> 22) + 1}) * (((ebx >> 12) & 0x3ff) + 1) *
                                   ((ebx & 0xfff) + 1) * (uint64_t{ecx} + 1)),
                 (ebx >> 22) + 1, (ebx & 0xfff) + 1);
  }
}

// glibc's handle_intel for the five caches at once, from one pass over CPUID leaf 2's descriptor
// bytes: for each cache, what glibc's scan of those bytes for that cache alone settles it with.
// A cache's scan of a register ends at the byte that settles it, for the level 3 cache at a 0x40
// byte too ("no level 2 or 3 cache"), and at a 0xff byte ("see leaf 4"), which settles every cache
// still scanning the register. For family 15 model 6, a 0x49 byte turns the rest of the level 3
// cache's scan of the register into a level 2 one (that model's L3 is encoded so).
void handle_intel(const CpuFeatures& c, CacheValues (&out)[5]) {
  unsigned pending = 0x1f;  // caches not settled
  bool no_level_2_or_3 = false;
  Regs x{};  // (below leaf 2: nothing settles, and every value is -1)
  long none = -1;
  if (c.max_cpuid >= 2) {
    x = cpuid(2), none = 0;
    if ((x.r[EAX] & 0xff) == 1)
      x.r[EAX] &= 0xffffff00;  // (the low byte: how many times to ask)
    else
      x = Regs{{0xff, 0, 0, 0}};  // else: see leaf 4
  }
  for (CacheValues& v : out) v.set(none, none, none);
  CacheValues leaf4[5], found;
  for (uint32_t word : x.r) {
    if (word & 0x80000000) continue;  // reserved
    bool l3_as_l2 = false;
    for (unsigned active = pending; word && active; word >>= 8) {
      const uint32_t byte = word & 0xff;
      if (byte == 0x40) {
        no_level_2_or_3 = true;
        active &= ~8u;
        continue;
      }
      if (byte == 0x49 && c.family == 15 && c.model == 6) l3_as_l2 = true;
      // The table is sorted by descriptor byte: binary search. (0xff: every active cache.)
      int rel_name = -1;
      if (byte != 0xff) {
        size_t lo = 0, hi = sizeof(kIntel02) / sizeof(kIntel02[0]);
        while (lo < hi) {
          size_t mid = (lo + hi) / 2;
          if (kIntel02[mid].idx < byte)
            lo = mid + 1;
          else
            hi = mid;
        }
        if (lo == sizeof(kIntel02) / sizeof(kIntel02[0]) || kIntel02[lo].idx != byte) continue;
        const Intel02& e = kIntel02[lo];
        found.set(e.size(), e.assoc, e.linesize()), rel_name = e.rel_name();
      } else {
        leaf4_caches(true, leaf4);  // (read again for a later 0xff: only when a 0x40 came first)
      }
      for (unsigned k = 0; k < 5; ++k) {
        const unsigned as = k == 3 && l3_as_l2 ? 2 : k;  // the cache the scan looks for
        if (!(active >> k & 1) || (rel_name >= 0 && rel_name != static_cast<int>(3 * as))) continue;
        out[k] = rel_name >= 0 ? found : leaf4[as];
        active &= ~(1u << k), pending &= ~(1u << k);
      }
    }
  }
  // A level 2 or 3 cache left unsettled is -1 after a 0x40 byte.
  for (unsigned k = 2; k < 4; ++k)
    if (pending >> k & 1 && no_level_2_or_3) out[k].set(-1, -1, -1);
}

long amd_assoc(uint32_t field, uint32_t size, uint32_t line) {
  switch (field) {
    case 0: case 1: case 2: case 4: return field;
    case 6: return 8;
    case 8: return 16;
    case 10: return 32;
    case 11: return 48;
    case 12: return 64;
    case 13: return 96;
    case 14: return 128;
    case 15: return line ? size / line : 0;
    default: return 0;
  }
}

long handle_amd(int name) {
  uint32_t max = cpuid(0x80000000).r[EAX];
  if (name > L3_LINESIZE) return 0;  // no level 4 cache
  uint32_t fn = 0x80000005 + (name >= L2_SIZE ? 1 : 0);
  if (max < fn) return 0;
  Regs x = cpuid(fn);
  uint32_t ecx = x.r[ECX], edx = x.r[EDX];
  if (name < L1D_SIZE) {
    name += L1D_SIZE - L1I_SIZE;
    ecx = edx;
  }
  switch (name) {
    case L1D_SIZE: return (ecx >> 14) & 0x3fc00;
    case L1D_ASSOC:
      ecx >>= 16;
      if ((ecx & 0xff) == 0xff) return (ecx << 2) & 0x3fc00;  // fully associative
      return ecx & 0xff;
    case L1D_LINESIZE: return ecx & 0xff;
    case L2_SIZE: return (ecx & 0xf000) == 0 ? 0 : (ecx >> 6) & 0x3fffc00;
    case L2_ASSOC: return amd_assoc((ecx >> 12) & 0xf, (ecx >> 6) & 0x3fffc00, ecx & 0xff);
    case L2_LINESIZE: return (ecx & 0xf000) == 0 ? 0 : ecx & 0xff;
    case L3_SIZE: return (edx & 0xf000) == 0 ? 0 : static_cast<long>((edx & 0x3ffc0000) << 1);
    case L3_ASSOC: return amd_assoc((edx >> 12) & 0xf, (edx & 0x3ffc0000) << 1, edx & 0xff);
    case L3_LINESIZE: return (edx & 0xf000) == 0 ? 0 : edx & 0xff;
    default: return -1;
  }
}

int bsr(int v) { return 31 - __builtin_clz(static_cast<unsigned>(v)); }

// How many threads share the highest cache level (Intel and Zhaoxin).
void get_common_cache_info(const CpuFeatures& c, long& shared, long& shared_per_thread,
                           uint32_t& threads, long core) {
  int threads_l2, threads_l3;
  bool inclusive_cache = true;
  bool support_count_mask = !(c.kind == kZhaoxin && c.family == 6);
  int max_cpuid = static_cast<int>(c.max_cpuid);
  unsigned level = 3;
  if (shared <= 0) {
    level = 2;
    shared = core;
    shared_per_thread = core;
    threads_l2 = 0;
    threads_l3 = -1;
  } else {
    threads_l2 = 0;
    threads_l3 = 0;
  }
  if (c.cpu(HTT)) {
    bool no_info = max_cpuid < 4;
    if (!no_info) {
      int i = 0;
      int check = 0x1 | (threads_l3 == 0) << 1;
      do {
        Regs x = cpuid(4, static_cast<uint32_t>(i++));
        uint32_t eax = x.r[EAX];
        if (c.kind == kIntel && (eax & 0x1f) == 0) {  // Pentium D bug: no cache info
          no_info = true;
          break;
        }
        switch ((eax >> 5) & 0x7) {
          case 2:
            if (check & 0x1) {
              threads_l2 = (eax >> 14) & 0x3ff;
              check &= ~0x1;
            }
            break;
          case 3:
            if (check & 0x2) {
              threads_l3 = (eax >> 14) & 0x3ff;
              inclusive_cache = (x.r[EDX] & 0x2) != 0;
              check &= ~0x2;
            }
            break;
          default:
            break;
        }
      } while (check);
    }
    if (!no_info) {
      if (max_cpuid >= 11 && support_count_mask) {
        int i = 0;
        int count = ((threads_l2 > 0 && level == 3) ? 1 : 0) |
                    ((threads_l3 > 0 || (threads_l2 > 0 && level == 2)) ? 2 : 0);
        while (count) {
          Regs x = cpuid(11, static_cast<uint32_t>(i++));
          int shipped = x.r[EBX] & 0xff;
          int type = x.r[ECX] & 0xff00;
          if (shipped == 0 || type == 0) break;
          if (type == 0x100) {
            if (count & 0x1) {
              int mask = ~(-1 << (bsr(threads_l2) + 1));
              threads_l2 = (shipped - 1) & mask;
              count &= ~0x1;
            }
          } else if (type == 0x200) {
            if (count & 0x2) {
              int threads_core = level == 2 ? threads_l2 : threads_l3;
              int mask = ~(-1 << (bsr(threads_core) + 1));
              threads_core = (shipped - 1) & mask;
              if (level == 2) threads_l2 = threads_core;
              else threads_l3 = threads_core;
              count &= ~0x2;
            }
          }
        }
      }
      if (threads_l2 > 0) threads_l2 += 1;
      if (threads_l3 > 0) threads_l3 += 1;
      if (level == 2) {
        if (threads_l2) {
          threads = static_cast<uint32_t>(threads_l2);
          if (c.kind == kIntel && threads > 2 && c.family == 6) {
            switch (c.model) {
              case 0x37: case 0x4a: case 0x4d: case 0x5a: case 0x5d:
                threads = 2;  // Silvermont: L2 shared by 2 cores
                break;
              default:
                break;
            }
          }
        }
      } else if (threads_l3) {
        threads = static_cast<uint32_t>(threads_l3);
      }
    } else {
      threads = (c.f[kLeaf1][0][EBX] >> 16) & 0xff;  // all logical threads share it
    }
    if (shared_per_thread > 0 && threads > 0) shared_per_thread /= threads;
  }
  if (!inclusive_cache) {
    long core_per_thread = threads_l2 > 0 ? core / threads_l2 : core;
    shared_per_thread += core_per_thread;
    shared += core;
  }
}

void init_cacheinfo(CpuFeatures& c, void* r) {
  uint32_t threads = 0;
  CacheValues caches[5];  // L1I, L1D, L2, L3, L4
  for (CacheValues& v : caches) v.set(-1, -1, -1);
  auto level = [&](int name) -> long& { return caches[name / 3].v[name % 3]; };  // by _SC name
  const bool intel_like = c.kind == kIntel || c.kind == kZhaoxin;
  if (intel_like) {
    if (c.kind == kIntel) {
      handle_intel(c, caches);
    } else {
      // (glibc asks for no level 4 cache: -1; a level missing from leaf 4 is 0)
      const unsigned found = leaf4_caches(false, caches);
      for (unsigned k = 0; k < 4; ++k)
        if (!(found >> k & 1)) caches[k].set(0, 0, 0);
    }
  } else if (c.kind == kAmd) {
    for (int n = L1I_SIZE; n <= L3_LINESIZE; ++n) level(n) = handle_amd(n);
  }
  long data = level(L1D_SIZE), core = level(L2_SIZE);
  long shared = level(L3_SIZE), shared_per_thread = shared;
  if (intel_like) {
    get_common_cache_info(c, shared, shared_per_thread, threads, core);
  } else if (c.kind == kAmd) {
    uint32_t max_ex = cpuid(0x80000000).r[EAX];
    if (shared <= 0) {
      shared = core;  // no shared L3: all we have is L2
      shared_per_thread = core;
    } else {
      if (max_ex >= 0x80000008) threads = 1u << ((cpuid(0x80000008).r[ECX] >> 12) & 0x0f);
      if (threads == 0 || c.family >= 0x17) {
        const uint32_t* leaf1 = c.f[kLeaf1][0];  // as read at start (HTT and the logical count)
        if (leaf1[EDX] & bit(28)) threads = (leaf1[EBX] >> 16) & 0xff;
      }
      if (threads > 0) shared_per_thread /= threads;
      if (c.family >= 0x17) {  // the L3 is per CCX on Zen
        uint32_t per_ccx = ((cpuid(0x8000001D, 3).r[EAX] >> 14) & 0xfff) + 1;
        shared_per_thread *= per_ccx;
      } else {
        shared += core;  // exclusive L2 and L3
        shared_per_thread += core;
      }
    }
  }

  namespace F = L::rtld_global_ro;
  at<F::dl_x86_cpu_features_level1_icache_size, uint64_t>(r) =
      static_cast<uint64_t>(level(L1I_SIZE));
  at<F::dl_x86_cpu_features_level1_icache_linesize, uint64_t>(r) =
      static_cast<uint64_t>(level(L1I_LINESIZE));
  at<F::dl_x86_cpu_features_level1_dcache_size, uint64_t>(r) =
      static_cast<uint64_t>(level(L1D_SIZE));
  at<F::dl_x86_cpu_features_level1_dcache_assoc, uint64_t>(r) =
      static_cast<uint64_t>(level(L1D_ASSOC));
  at<F::dl_x86_cpu_features_level1_dcache_linesize, uint64_t>(r) =
      static_cast<uint64_t>(level(L1D_LINESIZE));
  at<F::dl_x86_cpu_features_level2_cache_size, uint64_t>(r) = static_cast<uint64_t>(level(L2_SIZE));
  at<F::dl_x86_cpu_features_level2_cache_assoc, uint64_t>(r) =
      static_cast<uint64_t>(level(L2_ASSOC));
  at<F::dl_x86_cpu_features_level2_cache_linesize, uint64_t>(r) =
      static_cast<uint64_t>(level(L2_LINESIZE));
  at<F::dl_x86_cpu_features_level3_cache_size, uint64_t>(r) = static_cast<uint64_t>(level(L3_SIZE));
  at<F::dl_x86_cpu_features_level3_cache_assoc, uint64_t>(r) =
      static_cast<uint64_t>(level(L3_ASSOC));
  at<F::dl_x86_cpu_features_level3_cache_linesize, uint64_t>(r) =
      static_cast<uint64_t>(level(L3_LINESIZE));
  at<F::dl_x86_cpu_features_level4_cache_size, uint64_t>(r) = static_cast<uint64_t>(level(L4_SIZE));

  // Non-temporal stores from a quarter of the shared cache, at least 3/4 of a thread's share
  // (only that without ERMS).
  uint64_t non_temporal = static_cast<uint64_t>(shared / 4);
  uint64_t lowbound = static_cast<uint64_t>(shared_per_thread * 3 / 4);
  if (non_temporal < lowbound) non_temporal = lowbound;
  if (!c.usable(ERMS)) non_temporal = lowbound;
  constexpr uint64_t kMaxNonTemporal = SIZE_MAX >> 4, kMinNonTemporal = 0x4040;
  if (non_temporal < kMinNonTemporal) non_temporal = kMinNonTemporal;
  else if (non_temporal > kMaxNonTemporal) non_temporal = kMaxNonTemporal;

  uint64_t rep_movsb, min_rep_movsb;
  if (c.usable(AVX512F) && !c.preferred_p(Prefer_No_AVX512)) rep_movsb = 4096 * 4, min_rep_movsb = 64 * 8;
  else if (c.preferred_p(AVX_Fast_Unaligned_Load)) rep_movsb = 4096 * 2, min_rep_movsb = 32 * 8;
  else rep_movsb = 2048, min_rep_movsb = 16 * 8;
  if (c.usable(FSRM)) rep_movsb = 2112;

  // glibc.cpu.x86_* tunables override.
  if (int64_t t = tunable_value("glibc.cpu.x86_data_cache_size")) data = t;
  if (int64_t t = tunable_value("glibc.cpu.x86_shared_cache_size")) shared = t;
  int64_t t = tunable_value("glibc.cpu.x86_non_temporal_threshold");
  if (t > static_cast<int64_t>(kMinNonTemporal) && static_cast<uint64_t>(t) <= kMaxNonTemporal)
    non_temporal = static_cast<uint64_t>(t);
  t = tunable_value("glibc.cpu.x86_rep_movsb_threshold");
  if (t > static_cast<int64_t>(min_rep_movsb)) rep_movsb = static_cast<uint64_t>(t);
  uint64_t rep_stosb = static_cast<uint64_t>(tunable_value("glibc.cpu.x86_rep_stosb_threshold"));

  // The tunables take the values in use, with glibc's bounds (--list-tunables shows them).
  set_tunable_with_bounds("glibc.cpu.x86_data_cache_size", static_cast<uint64_t>(data), 0,
                          SIZE_MAX);
  set_tunable_with_bounds("glibc.cpu.x86_shared_cache_size", static_cast<uint64_t>(shared), 0,
                          SIZE_MAX);
  set_tunable_with_bounds("glibc.cpu.x86_non_temporal_threshold", non_temporal, kMinNonTemporal,
                          kMaxNonTemporal);
  set_tunable_with_bounds("glibc.cpu.x86_rep_movsb_threshold", rep_movsb, min_rep_movsb, SIZE_MAX);
  set_tunable_with_bounds("glibc.cpu.x86_rep_stosb_threshold", rep_stosb, 1, SIZE_MAX);

  // ERMS performs poorly beyond the L2 on AMD Zen 3.
  uint64_t rep_movsb_stop = c.kind == kAmd ? static_cast<uint64_t>(core) : non_temporal;

  at<F::dl_x86_cpu_features_data_cache_size, uint64_t>(r) = static_cast<uint64_t>(data);
  at<F::dl_x86_cpu_features_shared_cache_size, uint64_t>(r) = static_cast<uint64_t>(shared);
  at<F::dl_x86_cpu_features_non_temporal_threshold, uint64_t>(r) = non_temporal;
  at<F::dl_x86_cpu_features_rep_movsb_threshold, uint64_t>(r) = rep_movsb;
  at<F::dl_x86_cpu_features_rep_stosb_threshold, uint64_t>(r) = rep_stosb;
  at<F::dl_x86_cpu_features_rep_movsb_stop_threshold, uint64_t>(r) = rep_movsb_stop;
}

// GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,Prefer_ERMS,...: turns usable features off and
// preferences off or on (cpu-tunables.c; names are case-sensitive, unknown ones ignored).
void apply_hwcaps_tunable(CpuFeatures& c, const char* list) {
  // The names are kept as one string, each followed by a NUL, in the order of the tables.
  static constexpr char kOffNames[] =
      "AVX\0CX8\0FMA\0HTT\0IBT\0RTM\0AVX2\0BMI1\0BMI2\0CMOV\0ERMS\0FMA4\0SSE2\0LZCNT\0MOVBE\0SHSTK\0"
      "SSSE3\0XSAVE\0POPCNT\0SSE4_1\0SSE4_2\0AVX512F\0OSXSAVE\0AVX512CD\0AVX512BW\0AVX512DQ\0"
      "AVX512ER\0AVX512PF\0AVX512VL\0XSAVEC\0";
  static constexpr Feature kOff[] = {AVX,      CX8,      FMA,      HTT,      IBT,     RTM,
                                     AVX2,     BMI1,     BMI2,     CMOV,     ERMS,    FMA4,
                                     SSE2,     LZCNT,    MOVBE,    SHSTK,    SSSE3,   XSAVE,
                                     POPCNT,   SSE4_1,   SSE4_2,   AVX512F,  OSXSAVE, AVX512CD,
                                     AVX512BW, AVX512DQ, AVX512ER, AVX512PF, AVX512VL, XSAVEC};
  static constexpr char kPrefNames[] =
      "I586\0I686\0Slow_BSF\0Prefer_ERMS\0Prefer_FSRM\0Slow_SSE4_2\0Fast_Rep_String\0"
      "Prefer_No_AVX512\0Fast_Copy_Backward\0Fast_Unaligned_Load\0Fast_Unaligned_Copy\0"
      "Prefer_No_VZEROUPPER\0AVX_Fast_Unaligned_Load\0MathVec_Prefer_No_AVX512\0"
      "Prefer_PMINUB_for_stringop\0";
  struct Pref {
    uint8_t bit;       // Preferred
    bool can_enable;
    bool needs;        // enabling needs `need` usable
    Feature need;
  };
  static constexpr Pref kPref[] = {
      {I586, false, false, {}},
      {I686, false, false, {}},
      {Slow_BSF, true, false, {}},
      {Prefer_ERMS, true, false, {}},
      {Prefer_FSRM, true, false, {}},
      {Slow_SSE4_2, true, true, SSE4_2},
      {Fast_Rep_String, true, false, {}},
      {Prefer_No_AVX512, true, true, AVX512F},
      {Fast_Copy_Backward, true, false, {}},
      {Fast_Unaligned_Load, true, false, {}},
      {Fast_Unaligned_Copy, true, false, {}},
      {Prefer_No_VZEROUPPER, true, true, AVX},
      {AVX_Fast_Unaligned_Load, true, true, AVX},
      {MathVec_Prefer_No_AVX512, true, true, AVX512F},
      {Prefer_PMINUB_for_stringop, true, true, SSE2}};
  const char* p = list;
  while (true) {
    const char* e = p;
    while (*e && *e != ',') ++e;
    bool disable = *p == '-';
    const char* n = disable ? p + 1 : p;
    size_t len = static_cast<size_t>(e - n);
    // The position of the entry in `names`, or -1.
    auto find = [&](const char* names) {
      int i = 0;
      for (const char* q = names; *q; q += rtld::str_len(q) + 1, ++i)
        if (rtld::str_len(q) == len && rtld::str_eq_n(n, q, len)) return i;
      return -1;
    };
    if (int i = disable ? find(kOffNames) : -1; i >= 0) {
      c.unset(kOff[i]);
      if (i == sizeof kOff / sizeof kOff[0] - 1)  // XSAVEC, last: back to the standard format's size
        c.xsave_state_size = c.xsave_state_full_size;
    } else if (int j = find(kPrefNames); j >= 0) {
      const Pref& pr = kPref[j];
      if (disable) c.preferred &= ~bit(pr.bit);
      else if (pr.can_enable && (!pr.needs || c.usable(pr.need))) c.preferred |= bit(pr.bit);
    }
    if (!*e) break;
    p = e + 1;
    if (!*p) break;
  }
}

// Whether the colon-separated `list` names `name` (empty entries never match).
bool list_contains(const char* list, const char* name, size_t len) {
  for (const char* p = list;; ++p) {
    const char* e = p;
    while (*e && *e != ':') ++e;
    if (static_cast<size_t>(e - p) == len && rtld::str_eq_n(p, name, len)) return true;
    if (!*e) return false;
    p = e;
  }
}

// The subdirectories glibc 2.36 tries in every search directory before the directory itself
// (_dl_important_hwcaps): glibc-hwcaps/NAME/ for each --glibc-hwcaps-prepend name, then for
// each x86-64-v4/v3/v2 level the CPU supports (with --glibc-hwcaps-mask, only those it names);
// then the legacy ones: every subset of {the names of dl_hwcap & glibc.cpu.hwcap_mask ("x86_64",
// "avx512_1"), dl_platform, "tls"}, the largest first, each subset's names from "tls" down.
// Worked out when the first directory is searched (SearchConfig::find_subdirs), from what
// init_cpu_features found.
struct {
  uint32_t isa_level;
  uint64_t hwcap;
  const char* platform;
} subdir_inputs;

void set_search_subdirs(rtld::SearchConfig& search) {
  Runtime& rt = runtime;
  const auto [isa_level, hwcap, platform] = subdir_inputs;
  search.find_subdirs = nullptr;
  static char names[2048];
  static const char* subdirs[64];
  static rtld::SearchMemo memo;  // all three zero-initialised: in .bss, not in the file
  char* w = names;
  uint32_t count = 0;
  auto put = [&](const char* s, size_t n) {  // n bytes (no NUL among them), room permitting
    const size_t room = static_cast<size_t>(names + sizeof names - 8 - w);  // "/" x4 + NUL
    if (n > room) n = room;
    rtld::mem_copy(w, s, n);
    w += n;
  };
  const char* lists[2] = {rt.options.glibc_hwcaps_prepend, "x86-64-v4:x86-64-v3:x86-64-v2"};
  for (uint32_t l = 0, level = 8; l < 2; ++l) {
    for (const char* p = lists[l]; p && *p;) {
      while (*p == ':') ++p;
      const char* e = p;
      while (*e && *e != ':') ++e;
      size_t len = static_cast<size_t>(e - p);
      bool keep = l == 0 ? len > 0 : (isa_level & level) && (!rt.options.glibc_hwcaps_mask ||
                                     list_contains(rt.options.glibc_hwcaps_mask, p, len));
      if (l) level >>= 1;
      if (keep && count < 48) {
        subdirs[count++] = w;
        put("glibc-hwcaps/", 13);
        put(p, len);
        *w++ = '/', *w++ = '\0';
      }
      p = e;
    }
  }
  const char* legacy[4];
  uint32_t n = 0;
  uint64_t masked = hwcap & static_cast<uint64_t>(tunable_value("glibc.cpu.hwcap_mask"));
  if (masked & 2) legacy[n++] = "x86_64";    // HWCAP_X86_64 (dl_hwcap never has SSE2 here)
  if (masked & 4) legacy[n++] = "avx512_1";  // HWCAP_X86_AVX512_1
  if (platform) legacy[n++] = platform;
  legacy[n++] = "tls";
  for (uint32_t set = (1u << n) - 1; set > 0; --set) {
    subdirs[count++] = w;
    for (uint32_t b = n; b-- > 0;)
      if (set & (1u << b)) put(legacy[b], rtld::str_len(legacy[b])), *w++ = '/';
    *w++ = '\0';
  }
  search.subdirs = subdirs;
  search.subdir_count = count;
  search.memo = &memo;
}

}  // namespace

void remembered_cpuid(uint32_t leaf, uint32_t sub, uint32_t regs[4]) {
  Regs x = cpuid(leaf, sub);
  for (int i = 0; i < 4; ++i) regs[i] = x.r[i];
}

void init_cpu_features(Runtime& rt) {
  // The table's pages are first written, not read: a read of a zero-filled page maps the shared
  // zero page, and the first write then faults a second time.
  cpuid_answers[0].known = cpuid_answers[63].known = false;
  void* r = ro();
  auto* raw = reinterpret_cast<uint32_t(*)[2][4]>(address_of<ro_::dl_x86_cpu_features_features>(r));
  for (int l = 0; l < kLeafCount; ++l)
    for (int i = 0; i < 4; ++i) raw[l][0][i] = raw[l][1][i] = 0;
  CpuFeatures c{raw};

  Regs v0 = cpuid(0);
  c.max_cpuid = v0.r[EAX];
  uint32_t ebx = v0.r[EBX], ecx = v0.r[ECX], edx = v0.r[EDX];
  uint32_t extended_model = 0;
  if (ebx == 0x756e6547 && ecx == 0x6c65746e && edx == 0x49656e69) {  // GenuineIntel
    c.kind = kIntel;
    get_common_indices(c, true, extended_model);
    get_extended_indices(c);
    update_active(c);
    intel_preferences(c, extended_model);
  } else if ((ebx == 0x68747541 && ecx == 0x444d4163 && edx == 0x69746e65) ||   // AuthenticAMD
             (ebx == 0x6f677948 && ecx == 0x656e6975 && edx == 0x6e65476e)) {  // HygonGenuine
    c.kind = kAmd;
    get_common_indices(c, true, extended_model);
    get_extended_indices(c);
    update_active(c);
    if (c.usable(AVX)) c.set_active(FMA4);
    if (c.family == 0x15 && c.model >= 0x60 && c.model <= 0x7f) {  // Excavator
      c.preferred |= bit(Fast_Unaligned_Load) | bit(Fast_Copy_Backward);
      c.preferred &= ~bit(AVX_Fast_Unaligned_Load);
    }
  } else if ((ebx == 0x746e6543 && ecx == 0x736c7561 && edx == 0x48727561) ||   // CentaurHauls
             (ebx == 0x68532020 && ecx == 0x20206961 && edx == 0x68676e61)) {  // "  Shanghai  "
    c.kind = kZhaoxin;
    get_common_indices(c, true, extended_model);
    get_extended_indices(c);
    update_active(c);
    c.stepping = 0;  // glibc's Zhaoxin branch reads the stepping into a shadowing local
    c.model += extended_model;
    bool no_avx = (c.family == 0x6 && (c.model == 0xf || c.model == 0x19)) ||
                  (c.family == 0x7 && (c.model == 0x1b || c.model == 0x3b));
    if (no_avx) {
      c.unset(AVX);
      c.unset(AVX2);
      if (!(c.family == 0x7 && c.model == 0x3b)) c.preferred |= bit(Slow_SSE4_2);
      c.preferred &= ~bit(AVX_Fast_Unaligned_Load);
    }
  } else {
    c.kind = kOther;
    get_common_indices(c, false, extended_model);
    update_active(c);
  }
  if (c.cpu(CX8)) c.preferred |= bit(I586);
  if (c.cpu(CMOV)) c.preferred |= bit(I686);

  // dl_check_minsigstacksize: emulate AT_MINSIGSTKSZ when the kernel did not pass it.
  size_t& minsig = at<ro_::dl_minsigstacksize, size_t>(r);
  if (minsig == 0) {
    if (c.max_cpuid >= 0xd && c.cpu(OSXSAVE)) {
      uint32_t size = static_cast<uint32_t>(align_up(440 + 8 + 15, 16)) + (64 - 16);
      minsig = size + cpuid(0xd, 0).r[EBX] + 4;  // + FP_XSTATE_MAGIC2
    } else {
      minsig = 2048;  // MINSIGSTKSZ
    }
  }

  init_cacheinfo(c, r);

  if (const char* hwcaps = tunable_string("glibc.cpu.hwcaps")) apply_hwcaps_tunable(c, hwcaps);
  bool disable_xsave = false;
  if (!c.usable(OSXSAVE)) {
    c.unset_all<kXsaveFeatures>();
    disable_xsave = true;
  }
  if (disable_xsave || (!c.usable(XSAVE) && !c.usable(XSAVEC))) {
    c.xsave_state_size = 0;
    c.unset_all<kNeedXsave>();
  }

  // dl_hwcap is x86-64 (plus AVX512_1 on Intel); Intel's dl_platform names the
  // microarchitecture level, which $PLATFORM expands to.
  uint64_t hwcap = 2;  // HWCAP_X86_64
  const char* platform = nullptr;
  if (c.kind == kIntel) {
    if (c.usable(AVX512CD)) {
      if (c.usable(AVX512ER)) {
        if (c.usable(AVX512PF)) platform = "xeon_phi";
      } else if (c.usable(AVX512BW) && c.usable(AVX512DQ) && c.usable(AVX512VL)) {
        hwcap |= 4;  // HWCAP_X86_AVX512_1
      }
    }
    if (!platform && c.usable(AVX2) && c.usable(FMA) && c.usable(BMI1) && c.usable(BMI2) &&
        c.usable(LZCNT) && c.usable(MOVBE) && c.usable(POPCNT))
      platform = "haswell";
  }
  at<ro_::dl_hwcap, uint64_t>(r) = hwcap;
  if (platform) {
    at<ro_::dl_platform, const char*>(r) = platform;
    at<ro_::dl_platformlen, size_t>(r) = rtld::str_len(platform);
    rt.search.platform = platform;
  }
  subdir_inputs = {get_isa_level(c), hwcap, platform ? platform : rt.process.platform};
  rt.search.find_subdirs = set_search_subdirs;

  namespace F = L::rtld_global_ro;
  at<F::dl_x86_cpu_features_basic_kind, uint32_t>(r) = c.kind;
  at<F::dl_x86_cpu_features_basic_max_cpuid, uint32_t>(r) = c.max_cpuid;
  at<F::dl_x86_cpu_features_basic_family, uint32_t>(r) = c.family;
  at<F::dl_x86_cpu_features_basic_model, uint32_t>(r) = c.model;
  at<F::dl_x86_cpu_features_basic_stepping, uint32_t>(r) = c.stepping;
  at<F::dl_x86_cpu_features_preferred, uint32_t>(r) = c.preferred;
  at<F::dl_x86_cpu_features_isa_1, uint32_t>(r) = c.isa_1;
  at<F::dl_x86_cpu_features_xsave_state_size, uint64_t>(r) = c.xsave_state_size;
  at<F::dl_x86_cpu_features_xsave_state_full_size, uint32_t>(r) = c.xsave_state_full_size;
}

}  // namespace ldso::glibc

extern "C" __attribute__((visibility("default"))) const void* _dl_x86_get_cpu_features() {
  return ldso::glibc::address_of<ldso::glibc::L::rtld_global_ro::dl_x86_cpu_features>(
      ldso::glibc::ro());
}
