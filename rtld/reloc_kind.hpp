// The generic relocation kinds each architecture maps its relocation numbers onto.
#pragma once
#include <cstdint>

namespace rtld {

enum class RelocKind : uint8_t {
  None,
  Relative,     // B + A
  Absolute,     // S + A
  PcRelative,   // S + A - P
  GlobDat,      // S (+ A where the ABI says so)
  JumpSlot,     // S (+ A), a PLT slot
  Copy,         // copy the definition's bytes into the executable
  IRelative,    // call the resolver at B + A
  TlsModule,    // the defining module's TLS id
  TlsOffset,    // S + A within the module's block
  TlsTpOffset,  // S + A relative to the thread pointer
  TlsDesc,      // a TLS descriptor (resolver, argument)
  Size,         // Z + A
  Unknown,
};

enum class RelocCheck : uint8_t { None, Signed, Unsigned };

struct RelocType {
  RelocKind kind;
  uint8_t width;  // bytes written
  RelocCheck check = RelocCheck::None;
};

}  // namespace rtld
