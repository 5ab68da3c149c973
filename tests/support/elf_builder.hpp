// Synthetic ELF images for the tests: an ELF header, program headers and file bytes, built in
// memory so that each test can break exactly one thing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "arch/machine.hpp"
#include "rtld/elf.hpp"

namespace testing_support {

namespace elf = rtld::elf;

constexpr size_t kPage = 4096;

inline elf::Ehdr good_ehdr(uint16_t phnum, uint16_t type = elf::ET_DYN) {
  elf::Ehdr eh{};
  std::memcpy(eh.e_ident, elf::kMagic, 4);
  eh.e_ident[elf::EI_CLASS] = elf::Native::kClass;
  eh.e_ident[elf::EI_DATA] = elf::ELFDATA2LSB;
  eh.e_ident[elf::EI_VERSION] = elf::EV_CURRENT;
  eh.e_ident[elf::EI_OSABI] = elf::ELFOSABI_SYSV;
  eh.e_type = type;
  eh.e_machine = arch::kElfMachine;
  eh.e_version = elf::EV_CURRENT;
  eh.e_phoff = sizeof(elf::Ehdr);
  eh.e_ehsize = sizeof(elf::Ehdr);
  eh.e_phentsize = sizeof(elf::Phdr);
  eh.e_phnum = phnum;
  return eh;
}

inline elf::Phdr load(uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                      uint32_t flags, uint64_t align = kPage) {
  elf::Phdr p{};
  p.p_type = elf::PT_LOAD;
  p.p_flags = flags;
  p.p_offset = offset;
  p.p_vaddr = p.p_paddr = vaddr;
  p.p_filesz = filesz;
  p.p_memsz = memsz;
  p.p_align = align;
  return p;
}

inline elf::Phdr segment(uint32_t type, uint64_t offset, uint64_t vaddr, uint64_t filesz,
                         uint64_t memsz, uint64_t align = 8, uint32_t flags = elf::PF_R) {
  elf::Phdr p = load(offset, vaddr, filesz, memsz, flags, align);
  p.p_type = type;
  return p;
}

// The byte a synthetic file holds at `offset` outside the headers: varied and never zero, so
// that copies from the wrong place and missing zero-fill both show.
inline uint8_t pattern_byte(size_t offset) { return static_cast<uint8_t>((offset * 131 + 7) % 251 + 1); }

// A file of `file_size` bytes: header, program headers at e_phoff (64), pattern elsewhere.
inline std::vector<uint8_t> make_image(const std::vector<elf::Phdr>& phdrs, size_t file_size,
                                       uint16_t type = elf::ET_DYN) {
  std::vector<uint8_t> bytes(file_size);
  for (size_t i = 0; i < file_size; ++i) bytes[i] = pattern_byte(i);
  elf::Ehdr eh = good_ehdr(static_cast<uint16_t>(phdrs.size()), type);
  std::memcpy(bytes.data(), &eh, sizeof eh);
  std::memcpy(bytes.data() + eh.e_phoff, phdrs.data(), phdrs.size() * sizeof(elf::Phdr));
  return bytes;
}

// Two segments: text (R+X, one page, headers inside) and data (R+W at 0x2000 from file offset
// 0x1000, 0x100 bytes of file, bss to 0x5000). File size 0x1800.
inline std::vector<elf::Phdr> two_segment_phdrs() {
  return {load(0, 0, 0x800, 0x800, elf::PF_R | elf::PF_X),
          load(0x1000, 0x2000, 0x100, 0x3000, elf::PF_R | elf::PF_W)};
}
constexpr size_t kTwoSegmentFileSize = 0x1800;
constexpr size_t kTwoSegmentSpan = 0x5000;

inline elf::Ehdr* ehdr_of(std::vector<uint8_t>& bytes) {
  return reinterpret_cast<elf::Ehdr*>(bytes.data());
}
inline elf::Phdr* phdrs_of(std::vector<uint8_t>& bytes) {
  return reinterpret_cast<elf::Phdr*>(bytes.data() + ehdr_of(bytes)->e_phoff);
}

}  // namespace testing_support
