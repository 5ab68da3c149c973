#include "image.hpp"

#include "arch/machine.hpp"
#include "platform.hpp"
#include "string.hpp"

namespace rtld {
namespace {

using elf::Ehdr;
using elf::Phdr;

// (a table by PF_R|PF_W|PF_X: the bits come in the other order)
constexpr uint8_t kSegmentProt[8] = {0,
                                     platform::kExec,
                                     platform::kWrite,
                                     platform::kWrite | platform::kExec,
                                     platform::kRead,
                                     platform::kRead | platform::kExec,
                                     platform::kRead | platform::kWrite,
                                     platform::kRead | platform::kWrite | platform::kExec};
static_assert(elf::PF_X == 1 && elf::PF_W == 2 && elf::PF_R == 4);
inline int segment_prot(uint32_t flags) { return kSegmentProt[flags & 7]; }

// ld.so loads only from files; rtld as a library also from a caller's buffer.
#if defined(LDSO_FREESTANDING)
constexpr bool kFromMemory = false;
#else
constexpr bool kFromMemory = true;
#endif

// Reads [offset, offset+len) of the source into dst.
bool read_source(Diagnostics& diag, const char* name, const ImageSource& src, void* dst,
                 size_t len, uint64_t offset) {
  if (offset > src.size || len > src.size - offset) return diag.fail(name, "file too short");
  if (kFromMemory && src.bytes) {
    mem_copy(dst, src.bytes + offset, len);
    return true;
  }
  size_t done = 0;
  while (done < len) {
    intptr_t n = platform::read_at(src.fd, static_cast<char*>(dst) + done, len - done,
                                   offset + done);
    if (n == -4) continue;  // EINTR
    if (platform::is_error(n)) return diag.fail_errno(name, "cannot read file data", static_cast<int>(n));
    if (n == 0) return diag.fail(name, "file too short");
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool header_matches_machine(const uint8_t* head, size_t head_len) {
  if (head_len < sizeof(Ehdr)) return false;
  auto* eh = reinterpret_cast<const Ehdr*>(head);
  return eh->e_ident[elf::EI_CLASS] == elf::Native::kClass && eh->e_machine == arch::kElfMachine;
}

Foreign foreign_object(const uint8_t* head, size_t head_len) {
  if (head_len < sizeof(Ehdr)) return Foreign::kNo;  // "file too short" comes first
  Ehdr eh;
  __builtin_memcpy(&eh, head, sizeof eh);  // (inline: a few word moves)
  const unsigned char* id = eh.e_ident;
  if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F') return Foreign::kNo;
  if (id[elf::EI_CLASS] != elf::Native::kClass) return Foreign::kOtherClass;
  if (eh.e_machine == arch::kElfMachine) return Foreign::kNo;
  // Another machine: passed over only if what glibc checks before the machine is valid (the
  // identification bytes and e_version); neutralise what check_header tests after it.
  eh.e_machine = arch::kElfMachine;
  eh.e_type = elf::ET_DYN;
  eh.e_phentsize = sizeof(Phdr);
  eh.e_phnum = 1;
  eh.e_phoff = sizeof(Ehdr);
  Diagnostics scratch;
  return check_header(scratch, "", reinterpret_cast<const uint8_t*>(&eh), sizeof eh,
                      sizeof(Ehdr) + sizeof(Phdr))
             ? Foreign::kOtherMachine
             : Foreign::kNo;
}

bool check_header(Diagnostics& diag, const char* name, const uint8_t* head, size_t head_len,
                  size_t file_size) {
  if (head_len < sizeof(Ehdr)) return diag.fail(name, "file too short");
  Ehdr eh;
  __builtin_memcpy(&eh, head, sizeof eh);  // (inline: a few word moves)
  const unsigned char* id = eh.e_ident;
  if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
    return diag.fail(name, "invalid ELF header");
  if (id[elf::EI_CLASS] != elf::Native::kClass) {
    diag.fail(name, "wrong ELF class: ");
    diag.message_text().add(id[elf::EI_CLASS] == elf::ELFCLASS32   ? "ELFCLASS32"
                            : id[elf::EI_CLASS] == elf::ELFCLASS64 ? "ELFCLASS64"
                                                                   : "ELFCLASSNONE");
    return false;
  }
  if (id[elf::EI_DATA] != elf::ELFDATA2LSB)
    return diag.fail(name, "ELF file data encoding not little-endian");
  if (id[elf::EI_VERSION] != elf::EV_CURRENT)
    return diag.fail(name, "ELF file version ident does not match current one");
  if (id[elf::EI_OSABI] != elf::ELFOSABI_SYSV && id[elf::EI_OSABI] != elf::ELFOSABI_GNU)
    return diag.fail(name, "ELF file OS ABI invalid");
  if (id[elf::EI_ABIVERSION] != 0 && !(id[elf::EI_OSABI] == elf::ELFOSABI_GNU && id[elf::EI_ABIVERSION] < 4))
    return diag.fail(name, "ELF file ABI version invalid");
  // Bytes 8-15 (EI_ABIVERSION, then the padding) as one word, all but EI_ABIVERSION's byte.
  static_assert(elf::EI_ABIVERSION == 8 && elf::EI_PAD == 9 && elf::EI_NIDENT == 16);
  constexpr uint64_t kAbiVersionByte =
      __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0xff : uint64_t{0xff} << 56;
  uint64_t pad;
  __builtin_memcpy(&pad, id + elf::EI_ABIVERSION, sizeof pad);
  if (pad & ~kAbiVersionByte) return diag.fail(name, "nonzero padding in e_ident");
  if (eh.e_version != elf::EV_CURRENT)
    return diag.fail(name, "ELF file version does not match current one");
  if (eh.e_machine != arch::kElfMachine) return diag.fail(name, "ELF file machine mismatch");
  if (eh.e_type != elf::ET_DYN && eh.e_type != elf::ET_EXEC)
    return diag.fail(name, "only ET_DYN and ET_EXEC can be loaded");
  if (eh.e_phentsize != sizeof(Phdr))
    return diag.fail(name, "ELF file's phentsize not the expected size");
  if (eh.e_phnum == 0 || eh.e_phnum == 0xffff)
    return diag.fail(name, "object file has no loadable segments");
  if (eh.e_phoff > file_size || uint64_t{eh.e_phnum} * sizeof(Phdr) > file_size - eh.e_phoff)
    return diag.fail(name, "cannot read file data");
  return true;
}

bool check_segments(Diagnostics& diag, const char* name, const Phdr* phdr, size_t phnum,
                    size_t file_size, size_t page_size) {
  const Phdr* prev = nullptr;
  size_t loads = 0;
  // The first PT_DYNAMIC or PT_TLS problem, reported after the loadable segments' (all of
  // them: a PT_DYNAMIC or PT_TLS must lie inside one, wherever that one is listed).
  const char* misplaced = nullptr;
  const Phdr* it = phdr;
  if (phnum) do {  // (tested at the foot)
      const Phdr& p = *it;
      if (p.p_type != elf::PT_LOAD) {
        if ((p.p_type != elf::PT_DYNAMIC && p.p_type != elf::PT_TLS) || misplaced) continue;
        if (p.p_type == elf::PT_TLS && p.p_align > 1 && (p.p_align & (p.p_align - 1))) {
          misplaced = "PT_TLS alignment not a power of two";
          continue;
        }
        if (p.p_type == elf::PT_TLS && p.p_filesz > p.p_memsz) {
          misplaced = "PT_TLS filesz exceeds memsz";
          continue;
        }
        bool inside = false;
        for (size_t j = 0; j < phnum && !inside; ++j) {
          const Phdr& l = phdr[j];
          inside = l.p_type == elf::PT_LOAD &&
                   (p.p_type != elf::PT_DYNAMIC || (l.p_flags & elf::PF_R)) &&
                   p.p_vaddr >= l.p_vaddr && p.p_filesz <= l.p_filesz &&
                   p.p_vaddr - l.p_vaddr <= l.p_filesz - p.p_filesz;
        }
        if (!inside)
          misplaced = p.p_type == elf::PT_DYNAMIC ? "dynamic section outside segments"
                                                  : "TLS segment outside segments";
        continue;
      }
      ++loads;
      // As glibc 2.35+: any p_align is accepted (only a power of two above the page size widens
      // the reservation's alignment); the file offset and the address must agree modulo the page.
      if (((p.p_vaddr - p.p_offset) & (page_size - 1)) != 0)
        return diag.fail(name, "ELF load command address/offset not page-aligned");
      if (p.p_filesz > p.p_memsz) return diag.fail(name, "ELF load command filesz exceeds memsz");
      if (p.p_offset > file_size || p.p_filesz > file_size - p.p_offset)
        return diag.fail(name, "ELF load command past end of file");
      if (p.p_vaddr + p.p_memsz < p.p_vaddr) return diag.fail(name, "ELF load command wraps");
      if (prev && p.p_vaddr < prev->p_vaddr + prev->p_memsz)
        return diag.fail(name, "ELF load commands overlap or are not sorted");
      prev = &p;
    } while (++it != phdr + phnum);
  if (loads == 0) return diag.fail(name, "object file has no loadable segments");
  if (misplaced) return diag.fail(name, misplaced);
  return true;
}

void describe_mapped(const Phdr* phdr, size_t phnum, uintptr_t bias, Image& out) {
  uintptr_t lo = UINTPTR_MAX, hi = 0, write_lo = UINTPTR_MAX, write_hi = 0;
  size_t page = platform::page_size();
  out.bias = bias;
  out.phdr = phdr;
  out.phnum = phnum;
  if (phnum)
    for (const Phdr *ph = phdr, *end = phdr + phnum;;) {
      const Phdr& p = *ph;
      switch (p.p_type) {
        case elf::PT_LOAD:
          if ((p.p_flags & elf::PF_R) && !out.read_end)
            out.read_start = bias + p.p_vaddr, out.read_end = out.read_start + p.p_memsz;
          if (p.p_vaddr < lo) lo = p.p_vaddr;
          if (p.p_vaddr + p.p_memsz > hi) hi = p.p_vaddr + p.p_memsz;
          if ((p.p_flags & elf::PF_W) && p.p_memsz) {
            if (p.p_vaddr < write_lo) write_lo = p.p_vaddr;
            if (p.p_vaddr + p.p_memsz > write_hi) write_hi = p.p_vaddr + p.p_memsz;
          }
          break;
        case elf::PT_DYNAMIC:
          out.dynamic = reinterpret_cast<const elf::Dyn*>(bias + p.p_vaddr);
          out.dynamic_count = p.p_filesz / sizeof(elf::Dyn);
          break;
        case elf::PT_GNU_RELRO:
          out.relro_start = align_down(bias + p.p_vaddr, page);
          out.relro_end = align_down(bias + p.p_vaddr + p.p_memsz, page);
          break;
        case elf::PT_GNU_STACK:
          out.has_gnu_stack = true, out.gnu_stack_flags = p.p_flags;
          break;
        case elf::PT_TLS:
          if (p.p_memsz == 0) break;
          out.has_tls = true;
          out.tls.init_image = bias + p.p_vaddr;
          // (loaded objects with a larger file size are refused; the kernel maps one)
          out.tls.init_size = p.p_filesz <= p.p_memsz ? p.p_filesz : p.p_memsz;
          out.tls.mem_size = p.p_memsz;
          out.tls.align = p.p_align ? p.p_align : 1;
          out.tls.first_byte_offset = p.p_vaddr & (out.tls.align - 1);
          break;
        default:
          break;
      }
      if (++ph == end) break;
    }
  out.start = align_down(bias + lo, page);
  out.size = align_up(bias + hi, page) - out.start;
  if (write_hi > write_lo)
    out.write_start = align_down(bias + write_lo, page),
    out.write_end = align_up(bias + write_hi, page);
}

uintptr_t bias_from_phdr(const Phdr* phdr, size_t phnum) {
  for (size_t i = 0; i < phnum; ++i)
    if (phdr[i].p_type == elf::PT_PHDR) return reinterpret_cast<uintptr_t>(phdr) - phdr[i].p_vaddr;
  // No PT_PHDR: the headers follow the ELF header at the start of the first segment.
  for (size_t i = 0; i < phnum; ++i)
    if (phdr[i].p_type == elf::PT_LOAD)
      return reinterpret_cast<uintptr_t>(phdr) - sizeof(Ehdr) - phdr[i].p_vaddr + phdr[i].p_offset;
  return 0;
}

bool load_image(Diagnostics& diag, Arena& arena, const char* name, const ImageSource& src,
                Image& out, const char* map_name) {
  const size_t page = platform::page_size();
  alignas(8) uint8_t buffer[1024];
  const uint8_t* head = src.head ? src.head : src.bytes;
  size_t head_len = src.head ? src.head_len : src.size;
  if (!head) {
    head_len = src.size < sizeof buffer ? src.size : sizeof buffer;
    if (head_len < sizeof(Ehdr)) return diag.fail(name, "file too short");
    if (!read_source(diag, name, src, buffer, head_len, 0)) return false;
    head = buffer;
  }
  if (!check_header(diag, name, head, head_len, src.size)) return false;
  Ehdr eh;
  __builtin_memcpy(&eh, head, sizeof eh);  // (inline: a few word moves)

  // The program headers: read in place from the header buffer when they are in it (aligned),
  // else into a copy of ours.
  size_t ph_bytes = size_t{eh.e_phnum} * sizeof(Phdr);
  const Phdr* ph;
  Phdr* ph_heap = nullptr;
  if (eh.e_phoff + ph_bytes <= head_len &&
      reinterpret_cast<uintptr_t>(head + eh.e_phoff) % alignof(Phdr) == 0) {
    ph = reinterpret_cast<const Phdr*>(head + eh.e_phoff);
  } else {
    ph_heap = static_cast<Phdr*>(arena.allocate(ph_bytes));
    if (!ph_heap) return diag.fail(name, "cannot allocate memory for program header");
    if (eh.e_phoff + ph_bytes <= head_len) {
      mem_copy(ph_heap, head + eh.e_phoff, ph_bytes);
    } else if (!read_source(diag, name, src, ph_heap, ph_bytes, eh.e_phoff)) {
      arena.release(ph_heap);
      return false;
    }
    ph = ph_heap;
  }
  if (map_name) name = map_name;
  if (!check_segments(diag, name, ph, eh.e_phnum, src.size, page)) {
    arena.release(ph_heap);
    return false;
  }

  // Span and the largest alignment; and the first PT_LOAD if the whole span can be mapped from
  // the file starting with it: it has no zero-fill part, and the segments leave no page between
  // them (which would stay mapped from the file).
  uintptr_t lo = UINTPTR_MAX, hi = 0, max_align = page, end = 0;
  const Phdr* first = nullptr;
  bool in_place = true;
  // (check_segments found a PT_LOAD: these walks test their end at their foot)
  const Phdr* const ph_end = ph + eh.e_phnum;
  const Phdr* it = ph;
  do {
    const Phdr& p = *it;
    if (p.p_type != elf::PT_LOAD) continue;
    if (p.p_vaddr < lo) lo = p.p_vaddr;
    if (p.p_vaddr + p.p_memsz > hi) hi = p.p_vaddr + p.p_memsz;
    if (p.p_align > max_align && (p.p_align & (p.p_align - 1)) == 0) max_align = p.p_align;
    if (!first) {
      first = &p;
      in_place = p.p_filesz != 0 && p.p_memsz == p.p_filesz;
    } else if (align_down(p.p_vaddr, page) != end) {
      in_place = false;
    }
    end = align_up(p.p_vaddr + p.p_memsz, page);
  } while (++it != ph_end);
  if (!in_place) first = nullptr;
  lo = align_down(lo, page);
  size_t span = align_up(hi, page) - lo;

  // Reserve the span: at the link address for ET_EXEC, anywhere (aligned) otherwise.
  uintptr_t start;
  const Phdr* mapped_first = nullptr;
  if (eh.e_type == elf::ET_EXEC) {
    intptr_t r = platform::map_zero(lo, span, platform::kNone);
    if (platform::is_error(r)) { arena.release(ph_heap); return diag.fail_errno(name, "failed to map segment from shared object", static_cast<int>(r)); }
    start = static_cast<uintptr_t>(r);
  } else if (first && !(kFromMemory && src.bytes) && max_align <= page) {
    // The whole span mapped from the file with the first segment's protection: that segment
    // is then in place, and the others go over the rest (one system call fewer than a
    // reservation; as glibc does).
    intptr_t r = platform::map_file(0, span, segment_prot(first->p_flags), src.fd, align_down(first->p_offset, page));
    if (platform::is_error(r)) { arena.release(ph_heap); return diag.fail_errno(name, "failed to map segment from shared object", static_cast<int>(r)); }
    start = static_cast<uintptr_t>(r);
    mapped_first = first;
  } else {
    size_t extra = max_align > page ? max_align : 0;
    if (span + extra < span) return arena.release(ph_heap), diag.fail_errno(name, "failed to map segment from shared object", 12);
    intptr_t r = platform::reserve(0, span + extra);
    if (platform::is_error(r)) { arena.release(ph_heap); return diag.fail_errno(name, "failed to map segment from shared object", static_cast<int>(r)); }
    start = align_up(static_cast<uintptr_t>(r), max_align);
    if (extra) {  // give back what the alignment did not use
      uintptr_t raw = static_cast<uintptr_t>(r);
      if (start > raw) platform::unmap(raw, start - raw);
      uintptr_t end = start + span, raw_end = raw + span + extra;
      if (raw_end > end) platform::unmap(end, raw_end - end);
    }
  }
  uintptr_t bias = start - lo;
  mem_zero(&out, sizeof out), construct_over_zeroes(&out);  // (no temporary copied over)
  out.start = start;
  out.size = span;
  out.bias = bias;
  out.type = eh.e_type;
  out.entry = eh.e_entry + bias;

  it = ph;
  do {
    const Phdr& p = *it;
    if (p.p_type != elf::PT_LOAD || p.p_memsz == 0) continue;
    int prot = segment_prot(p.p_flags);
    uintptr_t seg = bias + p.p_vaddr;
    uintptr_t map_start = align_down(seg, page);
    uintptr_t file_end = seg + p.p_filesz;  // end of the bytes that come from the file
    uintptr_t mem_end = seg + p.p_memsz;
    uintptr_t file_page_end = align_up(file_end, page);
    bool has_bss = p.p_memsz > p.p_filesz;
    if (kFromMemory && src.bytes) {
      intptr_t r = platform::map_zero(map_start, align_up(mem_end, page) - map_start,
                                      platform::kRead | platform::kWrite);
      if (platform::is_error(r)) { unmap_image(out); arena.release(ph_heap); return diag.fail_errno(name, "failed to map segment from shared object", static_cast<int>(r)); }
      mem_copy(reinterpret_cast<void*>(seg), src.bytes + p.p_offset, p.p_filesz);
      if (platform::protect(map_start, align_up(mem_end, page) - map_start, prot) < 0) {
        unmap_image(out);
        arena.release(ph_heap);
        return diag.fail(name, "cannot change memory protections");
      }
      continue;
    }
    if (&p == mapped_first) continue;
    if (p.p_filesz > 0) {
      // Writable for a moment when the last file page must have its bss tail zeroed.
      bool zero_tail = has_bss && (file_end & (page - 1)) != 0;
      int map_prot = zero_tail ? (prot | platform::kWrite) : prot;
      intptr_t r = platform::map_file(map_start, file_page_end - map_start, map_prot, src.fd,
                                      align_down(p.p_offset, page));
      if (platform::is_error(r)) { unmap_image(out); arena.release(ph_heap); return diag.fail_errno(name, "failed to map segment from shared object", static_cast<int>(r)); }
      if (zero_tail) {
        // The bss part of that page (as glibc: the rest of it belongs to no segment).
        mem_zero(reinterpret_cast<void*>(file_end),
                 (mem_end < file_page_end ? mem_end : file_page_end) - file_end);
        if (!(prot & platform::kWrite)) platform::protect(map_start, file_page_end - map_start, prot);
      }
    } else {
      file_page_end = map_start;
    }
    if (has_bss && align_up(mem_end, page) > file_page_end) {
      intptr_t r = platform::map_zero(file_page_end, align_up(mem_end, page) - file_page_end, prot);
      if (platform::is_error(r)) { unmap_image(out); arena.release(ph_heap); return diag.fail(name, "cannot map zero-fill pages"); }
    }
  } while (++it != ph_end);

  // Program headers at run time: inside a segment when mapped, else a copy of ours.
  const Phdr* mapped_ph = nullptr;
  for (size_t i = 0; i < eh.e_phnum; ++i) {
    const Phdr& p = ph[i];
    if (p.p_type == elf::PT_LOAD && (p.p_flags & elf::PF_R) && eh.e_phoff >= p.p_offset &&
        eh.e_phoff + ph_bytes <= p.p_offset + p.p_filesz) {
      mapped_ph = reinterpret_cast<const Phdr*>(bias + p.p_vaddr + (eh.e_phoff - p.p_offset));
      break;
    }
  }
  if (!mapped_ph && !ph_heap) {
    ph_heap = static_cast<Phdr*>(arena.allocate(ph_bytes));
    if (!ph_heap) {
      unmap_image(out);
      return diag.fail(name, "cannot allocate memory for program header");
    }
    mem_copy(ph_heap, ph, ph_bytes);
  }
  describe_mapped(ph, eh.e_phnum, bias, out);  // (its span is the one mapped)
  out.phdr = mapped_ph ? mapped_ph : ph_heap;
  // The pages RELRO makes read-only are those of the object's writable segments (linkers may
  // round its end up to a page past the segment's bytes, not further): elsewhere they would be
  // its code, or another mapping's.
  if (out.relro_end > out.relro_start &&
      (out.relro_start < out.write_start || out.relro_end > out.write_end)) {
    unmap_image(out);
    arena.release(ph_heap);
    return diag.fail(name, "RELRO segment outside the object");
  }
  if (mapped_ph) arena.release(ph_heap);
  return true;
}

bool protect_relro(const Image& image) {
  if (image.relro_end <= image.relro_start) return true;
  return platform::protect(image.relro_start, image.relro_end - image.relro_start,
                           platform::kRead) == 0;
}

void unmap_image(Image& image) {
  if (image.kernel_mapped || image.size == 0) return;
  platform::unmap(image.start, image.size);
  image.size = 0;
}

}  // namespace rtld
