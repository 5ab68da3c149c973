// glibc's x86 cpu_features, filled from CPUID: the raw leaves, the "active" bits libc's IFUNC
// resolvers select on (only features whose register state the OS enabled), preferences, and
// the cache sizes and copy thresholds memcpy/memset depend on (zero thresholds crash memcpy).
#include <cpuid.h>

#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "state.hpp"

namespace ldso::glibc {
namespace {

namespace ro_ = L::rtld_global_ro;

enum Reg { EAX, EBX, ECX, EDX };
// Indices of features[] (glibc's CPUID_INDEX_*), each {cpuid[4], active[4]} of 32-bit words.
enum Leaf { kLeaf1, kLeaf7, kLeaf80000001, kLeafD1, kLeaf80000007, kLeaf80000008, kLeaf7_1,
            kLeaf19, kLeaf14, kLeafCount };

constexpr uint32_t bit(unsigned n) { return 1u << n; }

// Features usable whenever CPUID reports them.
struct Mask {
  Leaf leaf;
  Reg reg;
  uint32_t always, with_avx, with_avx512;
};
constexpr Mask kMasks[] = {
    // SSE3 PCLMULQDQ SSSE3 CMPXCHG16B SSE4_1 SSE4_2 MOVBE POPCNT AES XSAVE OSXSAVE RDRAND;
    // with AVX state: FMA AVX F16C
    {kLeaf1, ECX, bit(0) | bit(1) | bit(9) | bit(13) | bit(19) | bit(20) | bit(22) | bit(23) |
                      bit(25) | bit(26) | bit(27) | bit(30),
     bit(12) | bit(28) | bit(29), 0},
    // TSC CX8 CMOV CLFSH MMX FXSR SSE SSE2 HTT
    {kLeaf1, EDX, bit(4) | bit(8) | bit(15) | bit(19) | bit(23) | bit(24) | bit(25) | bit(26) | bit(28),
     0, 0},
    // BMI1 BMI2 ERMS RDSEED ADX CLWB SHA; AVX2; AVX512 F DQ IFMA PF ER CD BW VL
    {kLeaf7, EBX, bit(3) | bit(8) | bit(9) | bit(18) | bit(19) | bit(24) | bit(29), bit(5),
     bit(16) | bit(17) | bit(21) | bit(26) | bit(27) | bit(28) | bit(30) | bit(31)},
    // GFNI RDPID; VAES VPCLMULQDQ; AVX512 VBMI VBMI2 VNNI BITALG VPOPCNTDQ
    {kLeaf7, ECX, bit(8) | bit(22), bit(9) | bit(10), bit(1) | bit(6) | bit(11) | bit(12) | bit(14)},
    // FSRM; AVX512 4VNNIW 4FMAPS VP2INTERSECT FP16
    {kLeaf7, EDX, bit(4), 0, bit(2) | bit(3) | bit(8) | bit(23)},
    // LAHF64 LZCNT SSE4A PREFETCHW; XOP FMA4
    {kLeaf80000001, ECX, bit(0) | bit(5) | bit(6) | bit(8), bit(11) | bit(16), 0},
    {kLeaf80000001, EDX, bit(27), 0, 0},  // RDTSCP
    // AVX_VNNI; AVX512_BF16
    {kLeaf7_1, EAX, 0, bit(4), bit(5)},
};

struct Regs {
  uint32_t r[4];
};

Regs cpuid(uint32_t leaf, uint32_t sub = 0) {
  Regs x{};
  __cpuid_count(leaf, sub, x.r[EAX], x.r[EBX], x.r[ECX], x.r[EDX]);
  return x;
}

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

struct Caches {
  uint64_t l1i = 0, l1i_line = 0, l1d = 0, l1d_assoc = 0, l1d_line = 0;
  uint64_t l2 = 0, l2_assoc = 0, l2_line = 0, l3 = 0, l3_assoc = 0, l3_line = 0;
  uint64_t l3_threads = 1;
};

// The deterministic cache parameters leaf: 4 on Intel, 0x8000001d on AMD.
void read_cache_leaf(uint32_t leaf, Caches& c) {
  for (uint32_t i = 0; i < 16; ++i) {
    Regs x = cpuid(leaf, i);
    uint32_t type = x.r[EAX] & 0x1f;
    if (type == 0) break;
    uint32_t level = (x.r[EAX] >> 5) & 7;
    uint64_t ways = ((x.r[EBX] >> 22) & 0x3ff) + 1, parts = ((x.r[EBX] >> 12) & 0x3ff) + 1,
             line = (x.r[EBX] & 0xfff) + 1, sets = uint64_t{x.r[ECX]} + 1;
    uint64_t size = ways * parts * line * sets;
    if (level == 1 && type == 1) c.l1d = size, c.l1d_assoc = ways, c.l1d_line = line;
    else if (level == 1 && type == 2) c.l1i = size, c.l1i_line = line;
    else if (level == 2) c.l2 = size, c.l2_assoc = ways, c.l2_line = line;
    else if (level == 3) {
      c.l3 = size, c.l3_assoc = ways, c.l3_line = line;
      c.l3_threads = ((x.r[EAX] >> 14) & 0xfff) + 1;
    }
  }
}

}  // namespace

void init_cpu_features(Runtime&) {
  void* r = ro();
  auto* base = static_cast<char*>(address_of<ro_::dl_x86_cpu_features>(r));
  auto* features = reinterpret_cast<uint32_t(*)[2][4]>(address_of<ro_::dl_x86_cpu_features_features>(r));

  Regs v0 = cpuid(0);
  uint32_t max_leaf = v0.r[EAX];
  bool intel = v0.r[EBX] == 0x756e6547;                          // "Genu"
  bool amd = v0.r[EBX] == 0x68747541 || v0.r[EBX] == 0x6f677948;  // "Auth", "Hygo"
  uint32_t max_ext = cpuid(0x80000000).r[EAX];

  auto fill = [&](Leaf idx, uint32_t leaf, uint32_t sub, uint32_t max) {
    if (leaf > max) return;
    Regs x = cpuid(leaf, sub);
    for (int i = 0; i < 4; ++i) features[idx][0][i] = x.r[i];
  };
  fill(kLeaf1, 1, 0, max_leaf);
  fill(kLeaf7, 7, 0, max_leaf);
  fill(kLeaf7_1, 7, 1, max_leaf);
  fill(kLeafD1, 0xd, 1, max_leaf);
  fill(kLeaf19, 0x19, 0, max_leaf);
  fill(kLeaf14, 0x14, 0, max_leaf);
  fill(kLeaf80000001, 0x80000001, 0, max_ext);
  fill(kLeaf80000007, 0x80000007, 0, max_ext);
  fill(kLeaf80000008, 0x80000008, 0, max_ext);

  // Which register state the OS saves: only then are AVX / AVX-512 instructions usable.
  bool osxsave = features[kLeaf1][0][ECX] & bit(27);
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  bool avx_state = (xcr0 & 0x6) == 0x6;
  bool avx512_state = avx_state && (xcr0 & 0xe0) == 0xe0;
  for (const Mask& m : kMasks) {
    uint32_t usable = m.always | (avx_state ? m.with_avx : 0) | (avx512_state ? m.with_avx512 : 0);
    features[m.leaf][1][m.reg] = features[m.leaf][0][m.reg] & usable;
  }
  if (features[kLeaf1][1][ECX] & bit(26))  // XSAVE: XSAVEOPT XSAVEC XGETBV_ECX_1
    features[kLeafD1][1][EAX] = features[kLeafD1][0][EAX] & (bit(0) | bit(1) | bit(2));

  auto active = [&](Leaf l, Reg reg, unsigned b) { return (features[l][1][reg] & bit(b)) != 0; };
  bool avx2 = active(kLeaf7, EBX, 5), avx512f = active(kLeaf7, EBX, 16);

  // basic: kind (1 intel, 2 amd, 3 zhaoxin, 4 other), max_cpuid, family, model, stepping
  uint32_t eax1 = features[kLeaf1][0][EAX];
  uint32_t family = (eax1 >> 8) & 0xf, model = (eax1 >> 4) & 0xf;
  if (family == 0xf) family += (eax1 >> 20) & 0xff;
  if (family >= 6) model += ((eax1 >> 16) & 0xf) << 4;
  at<L::rtld_global_ro::dl_x86_cpu_features_basic_kind, uint32_t>(r) = intel ? 1 : amd ? 2 : 4;
  at<L::rtld_global_ro::dl_x86_cpu_features_basic_max_cpuid, uint32_t>(r) = max_leaf;
  at<L::rtld_global_ro::dl_x86_cpu_features_basic_family, uint32_t>(r) = family;
  at<L::rtld_global_ro::dl_x86_cpu_features_basic_model, uint32_t>(r) = model;
  at<L::rtld_global_ro::dl_x86_cpu_features_basic_stepping, uint32_t>(r) = eax1 & 0xf;

  // Preferences (bit numbers of glibc's PREFERRED_FEATURE_INDEX_1).
  enum { Fast_Rep_String = 0, Fast_Copy_Backward = 1, Fast_Unaligned_Load = 3,
         Prefer_PMINUB_for_stringop = 4, Fast_Unaligned_Copy = 5, I586 = 6, I686 = 7,
         AVX_Fast_Unaligned_Load = 9, Prefer_No_AVX512 = 13 };
  uint32_t preferred = bit(I586) | bit(I686);
  if (avx2) preferred |= bit(AVX_Fast_Unaligned_Load);
  if (intel && family == 6) {
    preferred |= bit(Fast_Rep_String) | bit(Fast_Unaligned_Load) | bit(Fast_Unaligned_Copy) |
                 bit(Prefer_PMINUB_for_stringop);
  }
  // Intel cores lower their clock for 512-bit vectors unless they also have AVX-VNNI.
  if (intel && avx512f && !active(kLeaf7, EBX, 27) && !active(kLeaf7_1, EAX, 4))
    preferred |= bit(Prefer_No_AVX512);
  at<L::rtld_global_ro::dl_x86_cpu_features_preferred, uint32_t>(r) = preferred;

  // ISA levels (x86-64 baseline, v2, v3, v4).
  uint32_t isa = 1;
  bool v2 = active(kLeaf1, ECX, 13) && active(kLeaf80000001, ECX, 0) && active(kLeaf1, ECX, 23) &&
            active(kLeaf1, ECX, 0) && active(kLeaf1, ECX, 19) && active(kLeaf1, ECX, 20) &&
            active(kLeaf1, ECX, 9);
  bool v3 = v2 && active(kLeaf1, ECX, 28) && avx2 && active(kLeaf7, EBX, 3) &&
            active(kLeaf7, EBX, 8) && active(kLeaf1, ECX, 29) && active(kLeaf1, ECX, 12) &&
            active(kLeaf80000001, ECX, 5) && active(kLeaf1, ECX, 22);
  bool v4 = v3 && avx512f && active(kLeaf7, EBX, 30) && active(kLeaf7, EBX, 28) &&
            active(kLeaf7, EBX, 17) && active(kLeaf7, EBX, 31);
  isa |= (v2 ? 2 : 0) | (v3 ? 4 : 0) | (v4 ? 8 : 0);
  at<L::rtld_global_ro::dl_x86_cpu_features_isa_1, uint32_t>(r) = isa;

  if (max_leaf >= 0xd && osxsave) {
    Regs d = cpuid(0xd, 0);
    uint64_t size = d.r[EBX] ? ((d.r[EBX] + 64 + 63) & ~uint64_t{63}) : 0;
    at<L::rtld_global_ro::dl_x86_cpu_features_xsave_state_size, uint64_t>(r) = size;
    at<L::rtld_global_ro::dl_x86_cpu_features_xsave_state_full_size, uint32_t>(r) = static_cast<uint32_t>(size);
    size_t& minsig = at<ro_::dl_minsigstacksize, size_t>(r);
    if (minsig == 2048 && d.r[EBX]) minsig = d.r[EBX] + 1024;  // no AT_MINSIGSTKSZ from the kernel
  }

  // glibc reports x86-64 (and on Intel, AVX512 BW/DQ/VL) in dl_hwcap, not the kernel's bits.
  uint64_t hwcap = 2;
  if (intel && avx512f && active(kLeaf7, EBX, 30) && active(kLeaf7, EBX, 17) && active(kLeaf7, EBX, 31))
    hwcap |= 4;
  at<ro_::dl_hwcap, uint64_t>(r) = hwcap;

  // Caches and the thresholds derived from them.
  Caches c;
  if (intel && max_leaf >= 4) read_cache_leaf(4, c);
  else if (amd && max_ext >= 0x8000001d && (features[kLeaf80000001][0][ECX] & bit(22)))
    read_cache_leaf(0x8000001d, c);
  if (amd && c.l1d == 0 && max_ext >= 0x80000006) {  // legacy AMD leaves
    Regs l1 = cpuid(0x80000005), l2 = cpuid(0x80000006);
    c.l1d = uint64_t{l1.r[ECX] >> 24} << 10, c.l1d_line = l1.r[ECX] & 0xff;
    c.l1i = uint64_t{l1.r[EDX] >> 24} << 10, c.l1i_line = l1.r[EDX] & 0xff;
    c.l2 = uint64_t{l2.r[ECX] >> 16} << 10, c.l2_line = l2.r[ECX] & 0xff;
    c.l3 = uint64_t{l2.r[EDX] >> 18} << 19, c.l3_line = l2.r[EDX] & 0xff;
  }
  uint64_t data = c.l1d ? c.l1d : 32 * 1024;
  uint64_t shared = c.l3 ? c.l3 : (c.l2 ? c.l2 : 1024 * 1024);
  if (intel && c.l3 && c.l3_threads > 1) shared = c.l3 / c.l3_threads * 2;  // a thread's share
  uint64_t non_temporal = shared * 3 / 4;
  if (non_temporal < 0x4040) non_temporal = 0x4040;
  unsigned vec = (avx512f && !(preferred & bit(Prefer_No_AVX512))) ? 64 : (avx2 ? 32 : 16);
  uint64_t rep_movsb = 2048 * (vec / 16);
  if (active(kLeaf7, EDX, 4)) rep_movsb = 2112;  // FSRM
  uint64_t rep_stosb = 2048;
  uint64_t rep_movsb_stop = amd && c.l2 ? c.l2 : non_temporal;
  // glibc.cpu.x86_* tunables override.
  if (int64_t t = tunable_value("glibc.cpu.x86_data_cache_size")) data = static_cast<uint64_t>(t);
  if (int64_t t = tunable_value("glibc.cpu.x86_shared_cache_size")) shared = static_cast<uint64_t>(t);
  if (int64_t t = tunable_value("glibc.cpu.x86_non_temporal_threshold"); t >= 0x4040)
    non_temporal = static_cast<uint64_t>(t);
  if (int64_t t = tunable_value("glibc.cpu.x86_rep_movsb_threshold"); t > 0) rep_movsb = static_cast<uint64_t>(t);
  if (int64_t t = tunable_value("glibc.cpu.x86_rep_stosb_threshold"); t > 0) rep_stosb = static_cast<uint64_t>(t);

  namespace F = L::rtld_global_ro;
  at<F::dl_x86_cpu_features_data_cache_size, uint64_t>(r) = data;
  at<F::dl_x86_cpu_features_shared_cache_size, uint64_t>(r) = shared;
  at<F::dl_x86_cpu_features_non_temporal_threshold, uint64_t>(r) = non_temporal;
  at<F::dl_x86_cpu_features_rep_movsb_threshold, uint64_t>(r) = rep_movsb;
  at<F::dl_x86_cpu_features_rep_movsb_stop_threshold, uint64_t>(r) = rep_movsb_stop;
  at<F::dl_x86_cpu_features_rep_stosb_threshold, uint64_t>(r) = rep_stosb;
  at<F::dl_x86_cpu_features_level1_icache_size, uint64_t>(r) = c.l1i;
  at<F::dl_x86_cpu_features_level1_icache_linesize, uint64_t>(r) = c.l1i_line;
  at<F::dl_x86_cpu_features_level1_dcache_size, uint64_t>(r) = c.l1d;
  at<F::dl_x86_cpu_features_level1_dcache_assoc, uint64_t>(r) = c.l1d_assoc;
  at<F::dl_x86_cpu_features_level1_dcache_linesize, uint64_t>(r) = c.l1d_line;
  at<F::dl_x86_cpu_features_level2_cache_size, uint64_t>(r) = c.l2;
  at<F::dl_x86_cpu_features_level2_cache_assoc, uint64_t>(r) = c.l2_assoc;
  at<F::dl_x86_cpu_features_level2_cache_linesize, uint64_t>(r) = c.l2_line;
  at<F::dl_x86_cpu_features_level3_cache_size, uint64_t>(r) = c.l3;
  at<F::dl_x86_cpu_features_level3_cache_assoc, uint64_t>(r) = c.l3_assoc;
  at<F::dl_x86_cpu_features_level3_cache_linesize, uint64_t>(r) = c.l3_line;
  at<F::dl_x86_cpu_features_level4_cache_size, uint64_t>(r) = 0;
  (void)base;
}

}  // namespace ldso::glibc

extern "C" __attribute__((visibility("default"))) const void* _dl_x86_get_cpu_features() {
  return ldso::glibc::address_of<ldso::glibc::L::rtld_global_ro::dl_x86_cpu_features>(
      ldso::glibc::ro());
}
