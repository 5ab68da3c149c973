// CPU features as libc sees them (<sys/platform/x86.h>: CPU_FEATURE_PRESENT and
// CPU_FEATURE_ACTIVE for every named feature), which the dynamic linker computes; then the
// whole of ld.so's cpu_features record (_dl_x86_get_cpu_features, GLIBC_PRIVATE) field by
// field, which also drives libc's IFUNC choices and memcpy/memset thresholds.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/platform/x86.h>

#define FEATURES(X) \
  X(SSE3) \
  X(PCLMULQDQ) \
  X(DTES64) \
  X(MONITOR) \
  X(DS_CPL) \
  X(VMX) \
  X(SMX) \
  X(EIST) \
  X(TM2) \
  X(SSSE3) \
  X(CNXT_ID) \
  X(SDBG) \
  X(FMA) \
  X(CMPXCHG16B) \
  X(XTPRUPDCTRL) \
  X(PDCM) \
  X(PCID) \
  X(DCA) \
  X(SSE4_1) \
  X(SSE4_2) \
  X(X2APIC) \
  X(MOVBE) \
  X(POPCNT) \
  X(TSC_DEADLINE) \
  X(AES) \
  X(XSAVE) \
  X(OSXSAVE) \
  X(AVX) \
  X(F16C) \
  X(RDRAND) \
  X(FPU) \
  X(VME) \
  X(DE) \
  X(PSE) \
  X(TSC) \
  X(MSR) \
  X(PAE) \
  X(MCE) \
  X(CX8) \
  X(APIC) \
  X(SEP) \
  X(MTRR) \
  X(PGE) \
  X(MCA) \
  X(CMOV) \
  X(PAT) \
  X(PSE_36) \
  X(PSN) \
  X(CLFSH) \
  X(DS) \
  X(ACPI) \
  X(MMX) \
  X(FXSR) \
  X(SSE) \
  X(SSE2) \
  X(SS) \
  X(HTT) \
  X(TM) \
  X(PBE) \
  X(FSGSBASE) \
  X(TSC_ADJUST) \
  X(SGX) \
  X(BMI1) \
  X(HLE) \
  X(AVX2) \
  X(SMEP) \
  X(BMI2) \
  X(ERMS) \
  X(INVPCID) \
  X(RTM) \
  X(RDT_M) \
  X(DEPR_FPU_CS_DS) \
  X(MPX) \
  X(RDT_A) \
  X(AVX512F) \
  X(AVX512DQ) \
  X(RDSEED) \
  X(ADX) \
  X(SMAP) \
  X(AVX512_IFMA) \
  X(CLFLUSHOPT) \
  X(CLWB) \
  X(TRACE) \
  X(AVX512PF) \
  X(AVX512ER) \
  X(AVX512CD) \
  X(SHA) \
  X(AVX512BW) \
  X(AVX512VL) \
  X(PREFETCHWT1) \
  X(AVX512_VBMI) \
  X(UMIP) \
  X(PKU) \
  X(OSPKE) \
  X(WAITPKG) \
  X(AVX512_VBMI2) \
  X(SHSTK) \
  X(GFNI) \
  X(VAES) \
  X(VPCLMULQDQ) \
  X(AVX512_VNNI) \
  X(AVX512_BITALG) \
  X(AVX512_VPOPCNTDQ) \
  X(RDPID) \
  X(KL) \
  X(CLDEMOTE) \
  X(MOVDIRI) \
  X(MOVDIR64B) \
  X(ENQCMD) \
  X(SGX_LC) \
  X(PKS) \
  X(AVX512_4VNNIW) \
  X(AVX512_4FMAPS) \
  X(FSRM) \
  X(UINTR) \
  X(AVX512_VP2INTERSECT) \
  X(MD_CLEAR) \
  X(RTM_ALWAYS_ABORT) \
  X(SERIALIZE) \
  X(HYBRID) \
  X(TSXLDTRK) \
  X(PCONFIG) \
  X(IBT) \
  X(AMX_BF16) \
  X(AVX512_FP16) \
  X(AMX_TILE) \
  X(AMX_INT8) \
  X(IBRS_IBPB) \
  X(STIBP) \
  X(L1D_FLUSH) \
  X(ARCH_CAPABILITIES) \
  X(CORE_CAPABILITIES) \
  X(SSBD) \
  X(LAHF64_SAHF64) \
  X(SVM) \
  X(LZCNT) \
  X(SSE4A) \
  X(PREFETCHW) \
  X(XOP) \
  X(LWP) \
  X(FMA4) \
  X(TBM) \
  X(SYSCALL_SYSRET) \
  X(NX) \
  X(PAGE1GB) \
  X(RDTSCP) \
  X(LM) \
  X(XSAVEOPT) \
  X(XSAVEC) \
  X(XGETBV_ECX_1) \
  X(XSAVES) \
  X(XFD) \
  X(INVARIANT_TSC) \
  X(WBNOINVD) \
  X(AMD_IBPB) \
  X(AMD_IBRS) \
  X(AMD_STIBP) \
  X(AMD_SSBD) \
  X(AMD_VIRT_SSBD) \
  X(AVX_VNNI) \
  X(AVX512_BF16) \
  X(FZLRM) \
  X(FSRS) \
  X(FSRCS) \
  X(HRESET) \
  X(LAM) \
  X(AESKLE) \
  X(WIDE_KL) \
  X(PTWRITE) \

// glibc 2.36's struct cpu_features (sysdeps/x86/include/cpu-features.h).
struct cpuid_registers { uint32_t eax, ebx, ecx, edx; };
struct cpu_features {
  struct { uint32_t kind, max_cpuid, family, model, stepping; } basic;
  struct { struct cpuid_registers cpuid, active; } features[9];
  uint32_t preferred[1];
  uint32_t isa_1;
  unsigned long xsave_state_size;
  uint32_t xsave_state_full_size;
  unsigned long data_cache_size, shared_cache_size, non_temporal_threshold,
      rep_movsb_threshold, rep_movsb_stop_threshold, rep_stosb_threshold,
      level1_icache_size, level1_icache_linesize, level1_dcache_size, level1_dcache_assoc,
      level1_dcache_linesize, level2_cache_size, level2_cache_assoc, level2_cache_linesize,
      level3_cache_size, level3_cache_assoc, level3_cache_linesize, level4_cache_size;
};
_Static_assert(sizeof(struct cpu_features) == 480, "glibc 2.36 layout");

static const char* const leaf_names[9] = {"1", "7", "80000001", "d_ecx1", "80000007",
                                          "80000008", "7_ecx1", "19", "14_ecx0"};

int main(int argc, char** argv) {
  int raw = argc > 1 && strcmp(argv[1], "raw") == 0;
  if (!raw) {
#define PRINT(name) \
  printf("%-20s present %d active %d\n", #name, CPU_FEATURE_PRESENT(name) != 0, \
         CPU_FEATURE_ACTIVE(name) != 0);
    FEATURES(PRINT)
    return 0;
  }
  const struct cpu_features* (*get)(void) =
      (const struct cpu_features* (*)(void))dlsym(RTLD_DEFAULT, "_dl_x86_get_cpu_features");
  if (!get) {
    printf("no _dl_x86_get_cpu_features\n");
    return 1;
  }
  const struct cpu_features* f = get();
  printf("kind %u max_cpuid %#x family %#x model %#x stepping %u\n", f->basic.kind,
         f->basic.max_cpuid, f->basic.family, f->basic.model, f->basic.stepping);
  for (int i = 0; i < 9; ++i) {
    struct cpuid_registers c = f->features[i].cpuid, a = f->features[i].active;
    if (i == 0) c.ebx &= 0x00ffffff;  // the initial APIC ID: which CPU we ran on
    printf("leaf %-8s cpuid %08x %08x %08x %08x active %08x %08x %08x %08x\n", leaf_names[i],
           c.eax, c.ebx, c.ecx, c.edx, a.eax, a.ebx, a.ecx, a.edx);
  }
  printf("preferred %#x isa_1 %#x\n", f->preferred[0], f->isa_1);
  printf("xsave_state_size %lu xsave_state_full_size %u\n", f->xsave_state_size,
         f->xsave_state_full_size);
#define FIELD(name) printf("%s %ld\n", #name, (long)f->name);
  FIELD(data_cache_size) FIELD(shared_cache_size) FIELD(non_temporal_threshold)
  FIELD(rep_movsb_threshold) FIELD(rep_movsb_stop_threshold) FIELD(rep_stosb_threshold)
  FIELD(level1_icache_size) FIELD(level1_icache_linesize) FIELD(level1_dcache_size)
  FIELD(level1_dcache_assoc) FIELD(level1_dcache_linesize) FIELD(level2_cache_size)
  FIELD(level2_cache_assoc) FIELD(level2_cache_linesize) FIELD(level3_cache_size)
  FIELD(level3_cache_assoc) FIELD(level3_cache_linesize) FIELD(level4_cache_size)
  return 0;
}
