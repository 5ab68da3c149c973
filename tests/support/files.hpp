// File and ELF helpers for the tests that are independent of rtld: reading a file whole,
// finding the dynamic symbol table through the section headers (which rtld never reads), and
// the test inputs' paths.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "rtld/elf.hpp"

namespace testing_support {

constexpr const char* kLibc = "/lib/x86_64-linux-gnu/libc.so.6";
constexpr const char* kLibm = "/lib/x86_64-linux-gnu/libm.so.6";
constexpr const char* kLibBoth = RTLD_TESTLIB_BOTH;      // --hash-style=both, versioned
constexpr const char* kLibGnu = RTLD_TESTLIB_GNU;        // --hash-style=gnu, versioned
constexpr const char* kLibSysv = RTLD_TESTLIB_SYSV;      // --hash-style=sysv, versioned
constexpr const char* kLibNover = RTLD_TESTLIB_NOVER;    // no symbol versions
constexpr const char* kLibBigAlign = RTLD_TESTLIB_BIGALIGN;  // p_align 2 MiB
constexpr const char* kLibBaseVer = RTLD_TESTLIB_BASEVER;    // a *global* symbol among versions

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::vector<uint8_t> bytes(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) return {};
  return bytes;
}

// Section header view, Elf64 only (the tests run on x86_64).
struct Shdr {
  uint32_t sh_name, sh_type;
  uint64_t sh_flags, sh_addr, sh_offset, sh_size;
  uint32_t sh_link, sh_info;
  uint64_t sh_addralign, sh_entsize;
};
static_assert(sizeof(Shdr) == 64);
constexpr uint32_t kShtDynsym = 11;

// Entries in .dynsym according to the section headers, or 0 if none found.
inline size_t dynsym_entries(const std::vector<uint8_t>& file) {
  rtld::elf::Ehdr eh;
  if (file.size() < sizeof eh) return 0;
  std::memcpy(&eh, file.data(), sizeof eh);
  for (size_t i = 0; i < eh.e_shnum; ++i) {
    size_t off = eh.e_shoff + i * sizeof(Shdr);
    if (off + sizeof(Shdr) > file.size()) return 0;
    Shdr sh;
    std::memcpy(&sh, file.data() + off, sizeof sh);
    if (sh.sh_type == kShtDynsym) return sh.sh_size / sizeof(rtld::elf::Sym);
  }
  return 0;
}

}  // namespace testing_support
