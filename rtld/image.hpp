// Reading, validating and mapping one ELF object: from a file, from a memory buffer, or
// describing one the kernel already mapped.
#pragma once
#include <cstddef>
#include <cstdint>

#include "diagnostics.hpp"
#include "elf.hpp"
#include "memory.hpp"

namespace rtld {

// Where an object's bytes come from: a file descriptor (mapped), or a buffer (copied).
struct ImageSource {
  int fd = -1;
  const uint8_t* bytes = nullptr;
  size_t size = 0;  // of the file or the buffer
  const uint8_t* head = nullptr;  // the first bytes, if the caller has read them already
  size_t head_len = 0;
};

struct TlsSegment {
  uintptr_t init_image = 0;  // runtime address of the initialisation image
  size_t init_size = 0, mem_size = 0, align = 1;
  size_t first_byte_offset = 0;  // p_vaddr modulo align
};

struct Image {
  uintptr_t bias = 0;   // runtime address minus link-time address
  uintptr_t start = 0;  // the whole reserved span
  size_t size = 0;
  const elf::Phdr* phdr = nullptr;
  size_t phnum = 0;
  uintptr_t entry = 0;
  uint16_t type = 0;
  const elf::Dyn* dynamic = nullptr;
  size_t dynamic_count = 0;
  uintptr_t relro_start = 0, relro_end = 0;
  uintptr_t write_start = 0, write_end = 0;  // the pages of the writable segments (a hull)
  // The first readable segment, where linkers put the dynamic tables: Readable tries it first.
  uintptr_t read_start = 0, read_end = 0;
  TlsSegment tls;
  bool has_tls = false;
  bool has_gnu_stack = false;  // a PT_GNU_STACK header, whose p_flags are these:
  uint32_t gnu_stack_flags = 0;
  bool kernel_mapped = false;  // the kernel mapped it (the executable, ld.so): never unmapped
};
// An Image's one default that is not zero.
template <>
inline void construct_over_zeroes<Image>(Image* i) {
  i->tls.align = 1;
}

// Checks the ELF header in `head` (the first bytes of the object): magic, class, byte order,
// versions, OS ABI, type, machine and program header geometry. `file_size` bounds the headers.
bool check_header(Diagnostics& diag, const char* name, const uint8_t* head, size_t head_len,
                  size_t file_size);

// Whether an object is for this machine and class (used to skip foreign objects on search paths).
bool header_matches_machine(const uint8_t* head, size_t head_len);

// What glibc's open_verify makes of an object that is not for us: one of the other ELF class,
// or (its identification being otherwise valid) for another machine, is passed over; kNo for
// everything else, good or bad (then check_header says what is wrong).
enum class Foreign : uint8_t { kNo, kOtherClass, kOtherMachine };
Foreign foreign_object(const uint8_t* head, size_t head_len);

// Checks the program headers: loadable segments inside the file, sorted, non-overlapping,
// congruent offsets and addresses, sane alignments; PT_DYNAMIC and PT_TLS inside a segment.
bool check_segments(Diagnostics& diag, const char* name, const elf::Phdr* phdr, size_t phnum,
                    size_t file_size, size_t page_size);

// Validates and maps an object: reserves the whole span once, maps each PT_LOAD with its
// protections, zeroes the bss. ET_EXEC goes to its link address; others anywhere. Defects of the
// file header are reported under `name`; those of the segments and of mapping them under
// `map_name` when given (glibc names these by the name asked for, not the path found).
bool load_image(Diagnostics& diag, Arena& arena, const char* name, const ImageSource& source,
                Image& out, const char* map_name = nullptr);

// Describes an object the kernel mapped, from its program headers and load bias.
void describe_mapped(const elf::Phdr* phdr, size_t phnum, uintptr_t bias, Image& out);

// Load bias of a kernel-mapped object from where its program headers are (AT_PHDR).
uintptr_t bias_from_phdr(const elf::Phdr* phdr, size_t phnum);

// Makes PT_GNU_RELRO read-only (after relocation).
bool protect_relro(const Image& image);

void unmap_image(Image& image);

}  // namespace rtld
