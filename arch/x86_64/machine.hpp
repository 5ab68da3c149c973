// x86_64: ELF machine, relocation numbers mapped onto the generic kinds, TLS variant and the
// thread pointer.
#pragma once
#include <cstdint>

#include "rtld/elf.hpp"
#include "rtld/reloc_kind.hpp"
#include "syscall.hpp"

namespace arch {

inline constexpr uint16_t kElfMachine = rtld::elf::EM_X86_64;
inline constexpr bool kUsesRela = true;
inline constexpr bool kTlsVariant2 = true;  // the TCB sits above the TLS blocks, at the tp
inline constexpr const char* kPlatform = "x86_64";
inline constexpr const char* kSystemInterp = "/lib64/ld-linux-x86-64.so.2";
inline constexpr const char* kSoname = "ld-linux-x86-64.so.2";  // as arch.cmake links it
inline constexpr const char* kLibDir = "lib/x86_64-linux-gnu";  // what $LIB expands to
inline constexpr int32_t kLdCacheFlags = 0x0300;  // ld.so.cache entries for x86-64 libraries
// The directories searched last (glibc's system search path on Debian).
inline constexpr const char* kDefaultDirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                               "/lib", "/usr/lib"};

enum Reloc : uint32_t {
  R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_GOT32 = 3, R_X86_64_PLT32 = 4,
  R_X86_64_COPY = 5, R_X86_64_GLOB_DAT = 6, R_X86_64_JUMP_SLOT = 7, R_X86_64_RELATIVE = 8,
  R_X86_64_GOTPCREL = 9, R_X86_64_32 = 10, R_X86_64_32S = 11, R_X86_64_16 = 12,
  R_X86_64_PC16 = 13, R_X86_64_8 = 14, R_X86_64_PC8 = 15, R_X86_64_DTPMOD64 = 16,
  R_X86_64_DTPOFF64 = 17, R_X86_64_TPOFF64 = 18, R_X86_64_TLSGD = 19, R_X86_64_TLSLD = 20,
  R_X86_64_DTPOFF32 = 21, R_X86_64_GOTTPOFF = 22, R_X86_64_TPOFF32 = 23, R_X86_64_PC64 = 24,
  R_X86_64_GOTOFF64 = 25, R_X86_64_GOTPC32 = 26, R_X86_64_SIZE32 = 32, R_X86_64_SIZE64 = 33,
  R_X86_64_TLSDESC = 36, R_X86_64_IRELATIVE = 37, R_X86_64_RELATIVE64 = 38
};

inline constexpr uint32_t kRelativeType = R_X86_64_RELATIVE;

// One table (a switch would be expanded into lookup tables at every use). The types glibc's
// ld.so applies, and only those: R_X86_64_32S, DTPOFF32, TPOFF32 and PC64 are link-time types,
// refused as it refuses them (a JUMP_SLOT made TPOFF32 wrote a slot and crashed; found by
// fuzzing libstdc++).
inline constexpr rtld::RelocType kRelocTypes[] = {
    {rtld::RelocKind::None, 8},                                  // R_X86_64_NONE
    {rtld::RelocKind::Absolute, 8},                              // R_X86_64_64
    {rtld::RelocKind::PcRelative, 4, rtld::RelocCheck::Signed},  // R_X86_64_PC32
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_GOT32
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_PLT32
    {rtld::RelocKind::Copy, 0},                                  // R_X86_64_COPY
    {rtld::RelocKind::GlobDat, 8},                               // R_X86_64_GLOB_DAT
    {rtld::RelocKind::JumpSlot, 8},                              // R_X86_64_JUMP_SLOT
    {rtld::RelocKind::Relative, 8},                              // R_X86_64_RELATIVE
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_GOTPCREL
    {rtld::RelocKind::Absolute, 4, rtld::RelocCheck::Unsigned},  // R_X86_64_32
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_32S
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_16
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_PC16
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_8
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_PC8
    {rtld::RelocKind::TlsModule, 8},                             // R_X86_64_DTPMOD64
    {rtld::RelocKind::TlsOffset, 8},                             // R_X86_64_DTPOFF64
    {rtld::RelocKind::TlsTpOffset, 8},                           // R_X86_64_TPOFF64
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_TLSGD
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_TLSLD
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_DTPOFF32
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_GOTTPOFF
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_TPOFF32
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_PC64
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_GOTOFF64
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_GOTPC32
    {rtld::RelocKind::Unknown, 0},                               // 27
    {rtld::RelocKind::Unknown, 0},                               // 28
    {rtld::RelocKind::Unknown, 0},                               // 29
    {rtld::RelocKind::Unknown, 0},                               // 30
    {rtld::RelocKind::Unknown, 0},                               // 31
    {rtld::RelocKind::Size, 4, rtld::RelocCheck::Unsigned},      // R_X86_64_SIZE32
    {rtld::RelocKind::Size, 8},                                  // R_X86_64_SIZE64
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_GOTPC32_TLSDESC
    {rtld::RelocKind::Unknown, 0},                               // R_X86_64_TLSDESC_CALL
    {rtld::RelocKind::TlsDesc, 16},                              // R_X86_64_TLSDESC
    {rtld::RelocKind::IRelative, 8},                             // R_X86_64_IRELATIVE
    {rtld::RelocKind::Relative, 8},                              // R_X86_64_RELATIVE64
};

static_assert(sizeof kRelocTypes / sizeof kRelocTypes[0] == R_X86_64_RELATIVE64 + 1 &&
                  kRelocTypes[R_X86_64_TPOFF32].kind == rtld::RelocKind::Unknown &&
                  kRelocTypes[R_X86_64_PC64].kind == rtld::RelocKind::Unknown &&
                  kRelocTypes[R_X86_64_SIZE32].kind == rtld::RelocKind::Size &&
                  kRelocTypes[R_X86_64_TLSDESC].kind == rtld::RelocKind::TlsDesc &&
                  kRelocTypes[R_X86_64_IRELATIVE].kind == rtld::RelocKind::IRelative,
              "kRelocTypes is indexed by relocation number");

// Relocation numbers mapped onto the generic kinds, with the width written and its range check.
[[gnu::always_inline]] constexpr rtld::RelocType classify(uint32_t type) {
  return type < sizeof kRelocTypes / sizeof kRelocTypes[0] ? kRelocTypes[type]
                                                          : rtld::RelocType{rtld::RelocKind::Unknown, 0};
}

// DT_RELR's bitmap step: `value` added to words[i] for each set bit i of `bits` (not zero).
// Four instructions a word: bsf finds the next bit and, by its zero flag, says whether there is
// one (the C++ loop, without BMI's blsr, takes five: bsf, the add, lea, and, jne).
[[gnu::always_inline]] inline void add_to_marked_words(uintptr_t* words, uintptr_t bits,
                                                       uintptr_t value) {
  uintptr_t i;
  asm volatile(
      "bsf %[bits], %[i]\n"
      "1:\n\t"
      "add %[value], (%[words],%[i],8)\n\t"
      "btr %[i], %[bits]\n\t"
      "bsf %[bits], %[i]\n\t"
      "jnz 1b"
      : [bits] "+r"(bits), [i] "=&r"(i)
      : [words] "r"(words), [value] "r"(value)
      : "cc", "memory");
}

// Makes the first access to the page holding p a write (a locked OR of 0, which changes nothing):
// a private file page read first is mapped as it is in the page cache, and the first write then
// faults again to copy it; written first, it faults once.
[[gnu::always_inline]] inline void touch_for_write(void* p) {
  asm volatile("lock orq $0, %0" : "+m"(*static_cast<uint64_t*>(p)));
}

// GLOB_DAT and JUMP_SLOT take the symbol's address alone: the psABI writes S, and glibc's
// ld.so ignores their addend too, eager or lazy (linkers write 0 there).
inline constexpr bool kGotAddsAddend = false;

inline const char* reloc_name(uint32_t type) {
  switch (type) {
    case R_X86_64_PC32: return "R_X86_64_PC32";
    case R_X86_64_32: return "R_X86_64_32";
    case R_X86_64_32S: return "R_X86_64_32S";
    case R_X86_64_TPOFF32: return "R_X86_64_TPOFF32";
    case R_X86_64_DTPOFF32: return "R_X86_64_DTPOFF32";
    case R_X86_64_SIZE32: return "R_X86_64_SIZE32";
    default: return "relocation";
  }
}

inline uintptr_t thread_pointer() {
  uintptr_t tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

inline bool set_thread_pointer(uintptr_t tp) {
  return syscall6(__NR_arch_prctl, 0x1002 /* ARCH_SET_FS */, static_cast<long>(tp)) == 0;
}

// TLSDESC resolvers (tlsdesc.S). They take the descriptor in %rax and return the variable's
// offset from the thread pointer in %rax, preserving every other register.
extern "C" uintptr_t arch_tlsdesc_static(void*);    // static TLS: the descriptor's argument
extern "C" uintptr_t arch_tlsdesc_undefweak(void*);  // undefined weak: argument minus tp
extern "C" uintptr_t arch_tlsdesc_dynamic(void*);    // argument: {module, offset}, via __tls_get_addr
extern "C" bool arch_tlsdesc_xsave;                  // set with the lazy-binding entry point

// Lazy binding (plt.S). The PLT GOT: GOT[1] = the object's handle, GOT[2] = the entry point.
extern "C" void arch_runtime_resolve_xsavec();
extern "C" void arch_runtime_resolve_xsave();
extern "C" void arch_runtime_resolve_fxsave();
extern "C" uint64_t arch_xsave_size;

// Picks the entry point this CPU can use and sizes its save area. Returns its address.
// `cpuid(leaf, subleaf, {eax, ebx, ecx, edx})`: the caller's (ld.so answers from what it asked
// already: in a virtual machine each cpuid instruction traps to the hypervisor).
inline uintptr_t init_lazy_binding(void (*cpuid)(uint32_t, uint32_t, uint32_t*)) {
  uint32_t r[4];
  cpuid(1, 0, r);
  bool osxsave = r[2] & (1u << 27);
  cpuid(0, 0, r);
  if (!osxsave || r[0] < 0xd) return reinterpret_cast<uintptr_t>(&arch_runtime_resolve_fxsave);
  arch_tlsdesc_xsave = true;
  cpuid(0xd, 0, r);
  arch_xsave_size = (uint64_t{r[1]} + 63) & ~uint64_t{63};  // standard format: an upper bound
  cpuid(0xd, 1, r);
  if (r[0] & 2) return reinterpret_cast<uintptr_t>(&arch_runtime_resolve_xsavec);
  return reinterpret_cast<uintptr_t>(&arch_runtime_resolve_xsave);
}

// Prepares an object's PLT for lazy binding: the GOT slots of its JUMP_SLOTs keep pointing
// into the PLT (plus the load bias), GOT[1] and GOT[2] lead to the entry point.
inline void install_lazy_plt(uintptr_t pltgot, void* handle, uintptr_t entry) {
  auto* got = reinterpret_cast<uintptr_t*>(pltgot);
  got[1] = reinterpret_cast<uintptr_t>(handle);
  got[2] = entry;
}
// What a lazily bound PLT slot holds before the first call.
inline uintptr_t lazy_slot_value(uintptr_t bias, uintptr_t current) { return current + bias; }
// The relocation an entry-point call names: x86_64 pushes its index in DT_JMPREL.
inline size_t lazy_reloc_index(uintptr_t arg) { return arg; }

inline uintptr_t call_ifunc_resolver(uintptr_t resolver) {
  return reinterpret_cast<uintptr_t (*)()>(resolver)();
}

}  // namespace arch
