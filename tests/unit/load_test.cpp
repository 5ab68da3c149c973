// load_image on real objects, from a file descriptor and from a memory buffer: placement,
// contents, zero fill, protections (as /proc/self/maps shows them), the Image description,
// protect_relro and unmap_image. Then decode_dynamic and prepare_module on the result.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "rtld/image.hpp"
#include "rtld/platform.hpp"
#include "support/files.hpp"
#include "support/loaded.hpp"
#include "support/system_objects.hpp"

namespace {

using namespace testing_support;
namespace elf = rtld::elf;

constexpr uintptr_t kPageSize = 4096;
uintptr_t down(uintptr_t v) { return v & ~(kPageSize - 1); }
uintptr_t up(uintptr_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

struct Input {
  const char* label;
  const char* path;
};
const Input kInputs[] = {
    {"libc", kLibc},          {"libm", kLibm},       {"both", kLibBoth},
    {"gnu", kLibGnu},         {"sysv", kLibSysv},    {"nover", kLibNover},
    {"bigalign", kLibBigAlign},
};

// The file's program headers, read by the test itself.
std::vector<elf::Phdr> file_phdrs(const std::vector<uint8_t>& file) {
  elf::Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  std::vector<elf::Phdr> ph(eh.e_phnum);
  std::memcpy(ph.data(), file.data() + eh.e_phoff, eh.e_phnum * sizeof(elf::Phdr));
  return ph;
}
elf::Ehdr file_ehdr(const std::vector<uint8_t>& file) {
  elf::Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  return eh;
}

class LoadImage : public ::testing::TestWithParam<std::tuple<Input, Source>> {
 protected:
  void SetUp() override {
    auto [input, source] = GetParam();
    l_ = load(input.path, source);
    ASSERT_FALSE(l_->file.empty()) << input.path;
    ASSERT_TRUE(l_->loaded) << l_->diag.object() << ": " << l_->diag.message();
    ph_ = file_phdrs(l_->file);
    eh_ = file_ehdr(l_->file);
  }
  Source source() const { return std::get<1>(GetParam()); }
  std::unique_ptr<Loaded> l_;
  std::vector<elf::Phdr> ph_;
  elf::Ehdr eh_;
};

TEST_P(LoadImage, PlacementIsPageAligned) {
  const rtld::Image& im = l_->image();
  EXPECT_EQ(im.bias % kPageSize, 0u);
  EXPECT_EQ(im.start % kPageSize, 0u);
  EXPECT_EQ(im.size % kPageSize, 0u);
  EXPECT_GT(im.size, 0u);
  uintptr_t lo = UINTPTR_MAX, hi = 0, align = kPageSize;
  for (const elf::Phdr& p : ph_) {
    if (p.p_type != elf::PT_LOAD) continue;
    lo = std::min<uintptr_t>(lo, p.p_vaddr);
    hi = std::max<uintptr_t>(hi, p.p_vaddr + p.p_memsz);
    align = std::max<uintptr_t>(align, p.p_align);
  }
  EXPECT_EQ(im.start, im.bias + down(lo));
  EXPECT_EQ(im.size, up(hi) - down(lo));
  EXPECT_EQ(im.start % align, 0u) << "the span must honour the largest p_align " << align;
  EXPECT_EQ(im.type, elf::ET_DYN);
  EXPECT_EQ(im.entry, im.bias + eh_.e_entry);
  EXPECT_FALSE(im.kernel_mapped);
}

TEST_P(LoadImage, SegmentBytesEqualTheFile) {
  for (const elf::Phdr& p : ph_) {
    if (p.p_type != elf::PT_LOAD) continue;
    auto* mem = reinterpret_cast<const uint8_t*>(l_->bias() + p.p_vaddr);
    ASSERT_LE(p.p_offset + p.p_filesz, l_->file.size());
    EXPECT_EQ(std::memcmp(mem, l_->file.data() + p.p_offset, p.p_filesz), 0)
        << "segment at vaddr 0x" << std::hex << p.p_vaddr;
  }
}

TEST_P(LoadImage, BssIsZero) {
  size_t checked = 0;
  for (const elf::Phdr& p : ph_) {
    if (p.p_type != elf::PT_LOAD || !(p.p_flags & elf::PF_R)) continue;
    uintptr_t seg = l_->bias() + p.p_vaddr;
    // From the end of the file bytes to the end of the segment: zero, even where the file's page
    // holds other bytes (those of later sections). The rest of its last page belongs to no
    // segment: glibc's ld.so leaves the file's bytes there, and so does ours.
    uintptr_t from = seg + p.p_filesz, to = seg + p.p_memsz;
    if (p.p_memsz == p.p_filesz) continue;  // no bss: the rest of the page is file content
    for (uintptr_t a = from; a < to; ++a) {
      if (*reinterpret_cast<const uint8_t*>(a) != 0) {
        ADD_FAILURE() << "non-zero byte at vaddr 0x" << std::hex << (a - l_->bias());
        break;
      }
    }
    checked += to - from;
  }
  if (std::string(std::get<0>(GetParam()).label) != "bigalign") {
    EXPECT_GT(checked, 0u);
  }
}

TEST_P(LoadImage, ProtectionsMatchSegmentFlags) {
  std::vector<MapEntry> maps = read_maps();
  const rtld::Image& im = l_->image();
  std::vector<std::pair<uintptr_t, uintptr_t>> covered;
  for (const elf::Phdr& p : ph_) {
    if (p.p_type != elf::PT_LOAD || p.p_memsz == 0) continue;
    uintptr_t a = down(im.bias + p.p_vaddr), b = up(im.bias + p.p_vaddr + p.p_memsz);
    for (auto [x, y] : covered) ASSERT_TRUE(b <= x || y <= a) << "segments share a page";
    covered.push_back({a, b});
    EXPECT_EQ(check_protection(maps, a, b, perms_for(p.p_flags)), "")
        << "segment at vaddr 0x" << std::hex << p.p_vaddr;
  }
  // What the segments do not cover inside the span stays reserved and inaccessible.
  std::sort(covered.begin(), covered.end());
  uintptr_t at = im.start;
  for (auto [a, b] : covered) {
    if (a > at) {
      EXPECT_EQ(check_protection(maps, at, a, "---"), "");
    }
    at = b;
  }
  if (at < im.start + im.size) {
    EXPECT_EQ(check_protection(maps, at, im.start + im.size, "---"), "");
  }
}

TEST_P(LoadImage, FileBackedWhenLoadedFromDescriptor) {
  std::vector<MapEntry> maps = read_maps();
  std::string real = std::filesystem::canonical(l_->path).string();
  for (const elf::Phdr& p : ph_) {
    if (p.p_type != elf::PT_LOAD || p.p_filesz == 0) continue;
    uintptr_t first = down(l_->bias() + p.p_vaddr);
    const MapEntry* e = nullptr;
    for (const MapEntry& m : maps)
      if (m.start <= first && first < m.end) e = &m;
    ASSERT_NE(e, nullptr);
    if (source() == Source::kFd)
      EXPECT_EQ(e->path, real) << "segment at 0x" << std::hex << p.p_vaddr << " is a copy";
    else
      EXPECT_EQ(e->path, "") << "a buffer's segments are anonymous memory";
  }
}

TEST_P(LoadImage, DescribesProgramHeaders) {
  const rtld::Image& im = l_->image();
  ASSERT_EQ(im.phnum, eh_.e_phnum);
  ASSERT_NE(im.phdr, nullptr);
  EXPECT_EQ(std::memcmp(im.phdr, ph_.data(), ph_.size() * sizeof(elf::Phdr)), 0);
  // All inputs have their headers inside the first segment: the image points there.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(im.phdr), im.bias + eh_.e_phoff);
  for (const elf::Phdr& p : ph_) {
    switch (p.p_type) {
      case elf::PT_DYNAMIC:
        EXPECT_EQ(reinterpret_cast<uintptr_t>(im.dynamic), im.bias + p.p_vaddr);
        EXPECT_EQ(im.dynamic_count, p.p_memsz / sizeof(elf::Dyn));
        break;
      case elf::PT_GNU_RELRO:
        EXPECT_EQ(im.relro_start, down(im.bias + p.p_vaddr));
        EXPECT_EQ(im.relro_end, down(im.bias + p.p_vaddr + p.p_memsz));
        break;
      case elf::PT_TLS:
        ASSERT_TRUE(im.has_tls);
        EXPECT_EQ(im.tls.init_image, im.bias + p.p_vaddr);
        EXPECT_EQ(im.tls.init_size, p.p_filesz);
        EXPECT_EQ(im.tls.mem_size, p.p_memsz);
        EXPECT_EQ(im.tls.align, p.p_align);
        EXPECT_EQ(im.tls.first_byte_offset, p.p_vaddr % p.p_align);
        break;
      case elf::PT_GNU_STACK:
        EXPECT_TRUE(im.has_gnu_stack);
        EXPECT_EQ(im.gnu_stack_flags, p.p_flags);
        break;
    }
  }
  EXPECT_NE(im.dynamic, nullptr);
}

TEST_P(LoadImage, DynamicDecodesAndModulePrepares) {
  ASSERT_TRUE(l_->decoded) << l_->diag.message();
  ASSERT_TRUE(l_->prepared) << l_->diag.message();
  const rtld::Module& m = l_->module;
  ASSERT_NE(m.dyn.symtab, nullptr);
  ASSERT_NE(m.dyn.strtab, nullptr);
  EXPECT_TRUE(m.gnu.buckets || m.sysv.buckets);
  // The symbol count the hash tables imply equals the section headers' count of .dynsym.
  size_t dynsym = dynsym_entries(l_->file);
  ASSERT_GT(dynsym, 0u);
  EXPECT_EQ(m.symbol_count, dynsym);
  if (m.dyn.has_soname) {
    ASSERT_NE(m.soname, nullptr);
    EXPECT_STREQ(m.soname, m.str(m.dyn.soname));
  }
  EXPECT_EQ(m.tls_segment.mem_size, m.image.tls.mem_size);
}

TEST_P(LoadImage, ProtectRelroMakesItReadOnly) {
  const rtld::Image& im = l_->image();
  ASSERT_TRUE(rtld::protect_relro(im));  // also when there is no whole page to protect
  if (im.relro_end > im.relro_start) {
    EXPECT_EQ(check_protection(read_maps(), im.relro_start, im.relro_end, "r--"), "");
  }
}

TEST_P(LoadImage, UnmapImageReleasesTheSpan) {
  rtld::Image& im = l_->image();
  uintptr_t start = im.start, end = im.start + im.size;
  rtld::unmap_image(im);
  EXPECT_EQ(im.size, 0u);
  for (const MapEntry& e : read_maps())
    EXPECT_TRUE(e.end <= start || e.start >= end)
        << std::hex << "0x" << e.start << "-0x" << e.end << " still mapped";
  rtld::unmap_image(im);  // a second call does nothing
}

INSTANTIATE_TEST_SUITE_P(
    All, LoadImage,
    ::testing::Combine(::testing::ValuesIn(kInputs),
                       ::testing::Values(Source::kFd, Source::kMemory)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).label) +
             (std::get<1>(info.param) == Source::kFd ? "_FromFd" : "_FromMemory");
    });

TEST(LoadImageBigAlign, BiasHonoursTwoMebibyteAlignment) {
  for (Source s : {Source::kFd, Source::kMemory}) {
    auto l = load(kLibBigAlign, s);
    ASSERT_TRUE(l->loaded) << l->diag.message();
    bool big = false;
    for (const elf::Phdr& p : file_phdrs(l->file))
      if (p.p_type == elf::PT_LOAD) big |= p.p_align == 0x200000;
    ASSERT_TRUE(big) << "the test library was not linked with 2 MiB alignment";
    EXPECT_EQ(l->bias() % 0x200000, 0u);
  }
}

// Objects the kernel and the system's ld.so mapped into this test process: bias_from_phdr and
// describe_mapped must agree with what dl_iterate_phdr reports.
TEST(KernelMapped, BiasAndDescriptionMatchDlIteratePhdr) {
  std::vector<SystemObject> objects = system_objects();
  ASSERT_GE(objects.size(), 3u);  // the test program, libc, ld.so at least
  for (const SystemObject& so : objects) {
    if (so.phnum == 0) continue;
    SCOPED_TRACE(so.name.empty() ? "(main program)" : so.name);
    struct {
      uintptr_t addr;
      const elf::Phdr* phdr;
      size_t phnum;
    } o{so.bias, static_cast<const elf::Phdr*>(so.phdr), so.phnum};
    EXPECT_EQ(rtld::bias_from_phdr(o.phdr, o.phnum), o.addr);
    rtld::Image im;
    rtld::describe_mapped(o.phdr, o.phnum, o.addr, im);
    EXPECT_EQ(im.bias, o.addr);
    EXPECT_EQ(im.phdr, o.phdr);
    EXPECT_EQ(im.phnum, o.phnum);
    EXPECT_EQ(im.start % kPageSize, 0u);
    for (size_t i = 0; i < o.phnum; ++i) {
      const elf::Phdr& p = o.phdr[i];
      if (p.p_type == elf::PT_LOAD) {
        EXPECT_LE(im.start, o.addr + p.p_vaddr);
        EXPECT_GE(im.start + im.size, o.addr + p.p_vaddr + p.p_memsz);
      }
      if (p.p_type == elf::PT_DYNAMIC) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(im.dynamic), o.addr + p.p_vaddr);
      }
    }
  }
}

TEST(KernelMapped, UnmapImageLeavesKernelMappedObjectsAlone) {
  rtld::Image im;
  im.start = 0x1000;
  im.size = 0x1000;
  im.kernel_mapped = true;
  rtld::unmap_image(im);  // would unmap page 0x1000 otherwise (harmless, but not allowed)
  EXPECT_EQ(im.size, 0x1000u);
}

TEST(LoadImageErrors, DescriptorOfADirectory) {
  int fd = rtld::platform::open("/");
  ASSERT_GE(fd, 0);
  rtld::Arena arena;
  rtld::Diagnostics d;
  rtld::Image im;
  rtld::ImageSource src;
  src.fd = fd;
  src.size = 4096;
  EXPECT_FALSE(rtld::load_image(d, arena, "/", src, im));
  EXPECT_STREQ(d.message(), "cannot read file data: Error 21");  // EISDIR: glibc's ld.so has no text
  rtld::platform::close(fd);
}

TEST(LoadImageErrors, FileSmallerThanClaimedIsTooShort) {
  // The caller says the file is larger than it is: reads hit the end of file.
  int fd = rtld::platform::open(kLibNover);
  ASSERT_GE(fd, 0);
  rtld::platform::FileId id;
  ASSERT_EQ(rtld::platform::identify(fd, &id), 0);
  std::vector<uint8_t> file = read_file(kLibNover);
  EXPECT_EQ(id.size, file.size());
  EXPECT_FALSE(id.is_directory);
  rtld::Arena arena;
  rtld::Diagnostics d;
  rtld::Image im;
  rtld::ImageSource src;
  src.fd = fd;
  elf::Ehdr eh = file_ehdr(file);
  // Just long enough for the headers: the segments then lie "past the end".
  src.size = eh.e_phoff + eh.e_phnum * sizeof(elf::Phdr);
  EXPECT_FALSE(rtld::load_image(d, arena, kLibNover, src, im));
  EXPECT_STREQ(d.message(), "ELF load command past end of file");
  rtld::platform::close(fd);
}

TEST(LoadImageErrors, BadDescriptor) {
  rtld::Arena arena;
  rtld::Diagnostics d;
  rtld::Image im;
  rtld::ImageSource src;
  src.fd = 1000000;
  src.size = 4096;
  EXPECT_FALSE(rtld::load_image(d, arena, "nofd.so", src, im));
  EXPECT_STREQ(d.message(), "cannot read file data: Error 9");
  EXPECT_STREQ(d.object(), "nofd.so");
}

}  // namespace

// map_file with address 0 maps anywhere (the ld.so.cache is mapped this way): never at page 0,
// which would also make null pointers dereferenceable.
TEST(Platform, MapFileAtZeroMapsAnywhere) {
  int fd = rtld::platform::open(kLibc);
  ASSERT_GE(fd, 0);
  intptr_t at = rtld::platform::map_file(0, 4096, rtld::platform::kRead, fd, 0);
  rtld::platform::close(fd);
  ASSERT_FALSE(rtld::platform::is_error(at)) << at;
  EXPECT_NE(at, 0);
  EXPECT_EQ(std::memcmp(reinterpret_cast<const void*>(at), "\177ELF", 4), 0);
  rtld::platform::unmap(static_cast<uintptr_t>(at), 4096);
}
