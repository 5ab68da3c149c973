// Damaged input: truncated files, headers pointing past the end, random byte flips, and a few
// hand-made objects that aim at specific arithmetic in load_image and prepare_module. The rule
// everywhere: no crash, and either a failure with a message or a sane success.
//
// Tests that would crash the process when rtld is wrong run their body in a death-test child
// (EXPECT_EXIT), so that a crash fails that one test and the rest of the program carries on.
#include <gtest/gtest.h>
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rtld/dynamic.hpp"
#include "rtld/image.hpp"
#include "rtld/module.hpp"
#include "rtld/symbols.hpp"
#include "support/elf_builder.hpp"
#include "support/files.hpp"
#include "support/loaded.hpp"

namespace {

using namespace testing_support;
namespace elf = rtld::elf;

struct Attempt {
  bool ok = false;
  rtld::Diagnostics diag;
  rtld::Image image;
  rtld::Arena arena;
};

// load_image from a buffer of `size` bytes; the image is unmapped again before returning.
void attempt(const uint8_t* bytes, size_t size, Attempt& a, const char* name = "corrupt.so") {
  rtld::ImageSource src;
  src.bytes = bytes;
  src.size = size;
  a.ok = rtld::load_image(a.diag, a.arena, name, src, a.image);
}

void expect_sane(Attempt& a, const char* name, const std::string& what) {
  if (a.ok) {
    EXPECT_FALSE(a.diag.failed()) << what;
    EXPECT_EQ(a.image.start % kPage, 0u) << what;
    EXPECT_GT(a.image.size, 0u) << what;
    rtld::unmap_image(a.image);
  } else {
    EXPECT_TRUE(a.diag.failed()) << what;
    EXPECT_STRNE(a.diag.message(), "") << what;
    EXPECT_STREQ(a.diag.object(), name) << what;
  }
}

TEST(Corrupt, TruncatedAtManyPoints) {
  for (const char* path : {kLibNover, kLibBoth, kLibc}) {
    std::vector<uint8_t> file = read_file(path);
    ASSERT_GT(file.size(), 8192u);
    elf::Ehdr eh;
    std::memcpy(&eh, file.data(), sizeof eh);
    size_t phend = eh.e_phoff + eh.e_phnum * sizeof(elf::Phdr);
    size_t segments_end = 0;  // the end of the last PT_LOAD's file bytes
    for (size_t i = 0; i < eh.e_phnum; ++i) {
      elf::Phdr p;
      std::memcpy(&p, file.data() + eh.e_phoff + i * sizeof p, sizeof p);
      if (p.p_type == elf::PT_LOAD) segments_end = std::max<size_t>(segments_end, p.p_offset + p.p_filesz);
    }
    std::vector<size_t> cuts = {0, 1, 4, 16, 63, 64, 65, 100, phend - 1, phend, phend + 1,
                                1023, 1024, 1025, 4095, 4096, file.size() / 3, file.size() / 2,
                                segments_end - 1, segments_end, file.size() - 1};
    for (size_t cut : cuts) {
      // An exact-size heap copy, so that any read past `cut` is caught by AddressSanitizer.
      std::vector<uint8_t> part(file.begin(), file.begin() + static_cast<long>(cut));
      Attempt a;
      attempt(part.data(), part.size(), a);
      std::string what = std::string(path) + " cut at " + std::to_string(cut);
      expect_sane(a, "corrupt.so", what);
      // Every cut inside the segments' file bytes must fail; only cuts past them may load.
      if (cut < segments_end) {
        EXPECT_FALSE(a.ok) << what;
      } else {
        EXPECT_TRUE(a.ok) << what << ": " << a.diag.message();
      }
      if (cut < sizeof(elf::Ehdr)) {
        EXPECT_STREQ(a.diag.message(), "file too short") << what;
      }
    }
  }
}

TEST(Corrupt, TruncatedInsideSegmentsFailsWithPastEndOfFile) {
  std::vector<uint8_t> file = read_file(kLibBoth);
  Attempt a;
  attempt(file.data(), 0x2000, a);  // headers complete, segments not
  EXPECT_FALSE(a.ok);
  EXPECT_STREQ(a.diag.message(), "ELF load command past end of file");
}

TEST(Corrupt, LoadOffsetPastEnd) {
  std::vector<uint8_t> file = read_file(kLibBoth);
  elf::Phdr* ph = phdrs_of(file);
  size_t n = ehdr_of(file)->e_phnum;
  bool changed = false;
  for (size_t i = 0; i < n && !changed; ++i)
    if (ph[i].p_type == elf::PT_LOAD && ph[i].p_offset > 0) {
      ph[i].p_offset += (file.size() + kPage) & ~(kPage - 1);  // whole pages: still congruent
      changed = true;
    }
  ASSERT_TRUE(changed);
  Attempt a;
  attempt(file.data(), file.size(), a);
  EXPECT_FALSE(a.ok);
  EXPECT_STREQ(a.diag.message(), "ELF load command past end of file");
}

TEST(Corrupt, PhoffPastEnd) {
  std::vector<uint8_t> file = read_file(kLibBoth);
  ehdr_of(file)->e_phoff = file.size() + 64;
  Attempt a;
  attempt(file.data(), file.size(), a);
  EXPECT_FALSE(a.ok);
  EXPECT_STREQ(a.diag.message(), "cannot read file data");
}

TEST(Corrupt, ProgramHeadersBeyondFirstKilobyte) {
  // Headers moved to the end of the file: load_image must read them separately rather than from
  // its 1 KiB header buffer (the descriptor case: FakeLoad.ShortAndInterruptedReads).
  std::vector<uint8_t> file = read_file(kLibNover);
  elf::Ehdr* eh = ehdr_of(file);
  size_t bytes = eh->e_phnum * sizeof(elf::Phdr);
  std::vector<uint8_t> ph(file.begin() + static_cast<long>(eh->e_phoff),
                          file.begin() + static_cast<long>(eh->e_phoff + bytes));
  size_t at = (file.size() + 7) & ~size_t{7};
  file.resize(at + bytes);
  eh = ehdr_of(file);
  std::memcpy(file.data() + at, ph.data(), bytes);
  eh->e_phoff = at;
  Attempt a;
  attempt(file.data(), file.size(), a);
  ASSERT_TRUE(a.ok) << a.diag.message();
  // The headers are not inside any segment now: the image keeps a copy.
  ASSERT_NE(a.image.phdr, nullptr);
  EXPECT_EQ(std::memcmp(a.image.phdr, ph.data(), bytes), 0);
  EXPECT_NE(a.image.dynamic, nullptr);
  rtld::unmap_image(a.image);
}

// What the fuzz loops are doing, for the sanitizer's death report.
std::string g_current;
void report_current() { std::fprintf(stderr, "\n*** crashed while loading: %s\n", g_current.c_str()); }

// Death-test children end after a few seconds at the latest: a loader that unmapped the
// process's own memory may leave the sanitizer's crash handler faulting in a loop.
void watchdog(unsigned seconds = 5) { alarm(seconds); }

// 2000 damaged copies of a small library: 1 to 4 bytes of the first 256 (ELF header and program
// headers) replaced at random. Fixed seed: failures reproduce. Runs in a child process; a crash
// prints the damage that caused it.
TEST(Corrupt, RandomByteFlipsInHeaders) {
  auto body = [] {
    watchdog();
    __asan_set_death_callback(report_current);
    std::vector<uint8_t> pristine = read_file(kLibNover);
    if (pristine.size() <= 256) std::exit(3);
    std::mt19937 rng(20240601);
    size_t loaded = 0, failed = 0;
    for (int iter = 0; iter < 2000; ++iter) {
      std::vector<uint8_t> file = pristine;
      int flips = 1 + static_cast<int>(rng() % 4);
      g_current = "iteration " + std::to_string(iter) + ":";
      for (int k = 0; k < flips; ++k) {
        size_t pos = rng() % 256;
        uint8_t val = (rng() & 1) ? static_cast<uint8_t>(rng())
                                  : static_cast<uint8_t>(file[pos] ^ (1u << (rng() % 8)));
        file[pos] = val;
        g_current += " byte[" + std::to_string(pos) + "]=" + std::to_string(val);
      }
      Attempt a;
      attempt(file.data(), file.size(), a);
      bool sane = a.ok ? !a.diag.failed() && a.image.start % kPage == 0 && a.image.size > 0
                       : a.diag.failed() && a.diag.message()[0] != 0 &&
                             std::string(a.diag.object()) == "corrupt.so";
      if (!sane) {
        std::fprintf(stderr, "insane result (%s: %s) for %s\n", a.ok ? "loaded" : "failed",
                     a.diag.message(), g_current.c_str());
        std::exit(1);
      }
      if (a.ok) {
        ++loaded;
        rtld::unmap_image(a.image);
      } else {
        ++failed;
      }
    }
    // Both outcomes occur: the flips hit checked fields and don't-care fields alike.
    std::fprintf(stderr, "loaded %zu, rejected %zu\n", loaded, failed);
    std::exit(loaded > 100 && failed > 100 ? 0 : 2);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// The same flips, and on success the rest of the pipeline: decode_dynamic and prepare_module
// within the span, then a lookup. Run in a child so that a crash is a clean failure.
TEST(Corrupt, RandomByteFlipsThroughPrepareModule) {
  auto body = [] {
        watchdog();
    __asan_set_death_callback(report_current);
        std::vector<uint8_t> pristine = read_file(kLibNover);
        std::mt19937 rng(777);
        for (int iter = 0; iter < 1000; ++iter) {
          std::vector<uint8_t> file = pristine;
          int flips = 1 + static_cast<int>(rng() % 4);
          g_current = "iteration " + std::to_string(iter) + ":";
          for (int k = 0; k < flips; ++k) {
            size_t pos = rng() % 256;
            file[pos] = static_cast<uint8_t>(rng());
            g_current += " byte[" + std::to_string(pos) + "]=" + std::to_string(file[pos]);
          }
          Attempt a;
          attempt(file.data(), file.size(), a);
          if (!a.ok) continue;
          rtld::Module m;
          m.path = "corrupt.so";
          m.image = a.image;
          if (m.image.dynamic &&
              rtld::decode_dynamic(a.diag, "corrupt.so", m.image.dynamic, m.image.dynamic_count,
                                   m.image.bias, m.image.start, m.image.start + m.image.size,
                                   m.dyn) &&
              rtld::prepare_module(a.diag, a.arena, m)) {
            rtld::SymbolName n("foo");
            (void)rtld::find_in_module(m, n, nullptr, rtld::kLookupDefault);
          }
          rtld::unmap_image(a.image);
        }
        std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// Damaged dynamic sections: 3000 copies of a test library with one to three entries of its
// PT_DYNAMIC changed (a value replaced by an offset inside or outside the object, a size, zero
// or a huge number; or a tag replaced by another tag or DT_NULL), each loaded from memory and
// taken through decode_dynamic, prepare_module and lookups of every name the library exports.
// Values stay 8-byte aligned and DT_VERDEF / DT_VERNEED are left alone: misaligned tables are
// a separate question (see the report), this test is about bounds.
TEST(Corrupt, RandomDynamicEntries) {
  auto body = [] {
    watchdog(20);
    __asan_set_death_callback(report_current);
    std::vector<uint8_t> pristine = read_file(kLibBoth);
    elf::Ehdr eh;
    std::memcpy(&eh, pristine.data(), sizeof eh);
    const elf::Phdr* ph = reinterpret_cast<const elf::Phdr*>(pristine.data() + eh.e_phoff);
    size_t dyn_off = 0, dyn_count = 0;
    for (size_t i = 0; i < eh.e_phnum; ++i)
      if (ph[i].p_type == elf::PT_DYNAMIC) {
        dyn_off = ph[i].p_offset;
        dyn_count = ph[i].p_filesz / sizeof(elf::Dyn);
      }
    if (!dyn_count) std::exit(3);
    // The names to look up, from the intact library.
    std::vector<std::string> names = {"foo", "missing", "sym_1"};
    {
      Attempt a;
      attempt(pristine.data(), pristine.size(), a);
      rtld::Module m;
      m.path = "x";
      m.image = a.image;
      if (!a.ok || !rtld::decode_dynamic(a.diag, "x", m.image.dynamic, m.image.dynamic_count,
                                         m.image.bias, m.image.start,
                                         m.image.start + m.image.size, m.dyn) ||
          !rtld::prepare_module(a.diag, a.arena, m))
        std::exit(4);
      for (size_t i = 1; i < m.symbol_count; ++i) names.push_back(m.str(m.dyn.symtab[i].st_name));
      rtld::unmap_image(a.image);
    }
    const int64_t tags[] = {elf::DT_NULL,    elf::DT_NEEDED,  elf::DT_HASH,     elf::DT_GNU_HASH,
                            elf::DT_STRTAB,  elf::DT_STRSZ,   elf::DT_SYMTAB,   elf::DT_VERSYM,
                            elf::DT_RELA,    elf::DT_RELASZ,  elf::DT_JMPREL,   elf::DT_PLTRELSZ,
                            elf::DT_SONAME,  elf::DT_RUNPATH, elf::DT_INIT_ARRAY, elf::DT_INIT_ARRAYSZ,
                            elf::DT_VERDEFNUM};
    std::mt19937_64 rng(4242);
    rtld::Version vers[] = {{}, {}, {}};
    vers[0].name = "VERS_1", vers[0].hash = rtld::sysv_hash("VERS_1");
    vers[1].name = "VERS_2", vers[1].hash = rtld::sysv_hash("VERS_2");
    vers[2].name = "VERS_2", vers[2].hash = vers[1].hash, vers[2].hidden = true;
    for (int iter = 0; iter < 3000; ++iter) {
      std::vector<uint8_t> file = pristine;
      auto* dyn = reinterpret_cast<elf::Dyn*>(file.data() + dyn_off);
      int changes = 1 + static_cast<int>(rng() % 3);
      g_current = "iteration " + std::to_string(iter) + ":";
      for (int k = 0; k < changes; ++k) {
        size_t i = rng() % dyn_count;
        if (dyn[i].d_tag == elf::DT_VERDEF || dyn[i].d_tag == elf::DT_VERNEED) continue;
        if (rng() % 3 == 0) {
          dyn[i].d_tag = tags[rng() % (sizeof tags / sizeof tags[0])];
          dyn[i].d_val &= ~uint64_t{7};  // the old value may not suit the new tag's alignment
        } else {
          switch (rng() % 5) {
            case 0: dyn[i].d_val = (rng() % 0x10000) & ~uint64_t{7}; break;        // inside
            case 1: dyn[i].d_val = (0x10000 + rng() % 0x100000) & ~uint64_t{7}; break;  // past
            case 2: dyn[i].d_val = rng() % 0x400 * 8; break;                           // a size
            case 3: dyn[i].d_val = 0; break;
            default: dyn[i].d_val = rng() & ~uint64_t{7}; break;                       // huge
          }
        }
        g_current += " dyn[" + std::to_string(i) + "]={" + std::to_string(dyn[i].d_tag) + ", " +
                     std::to_string(dyn[i].d_val) + "}";
      }
      Attempt a;
      attempt(file.data(), file.size(), a);
      if (!a.ok) std::exit(5);  // the program headers are intact
      rtld::Module m;
      m.path = "corrupt.so";
      m.image = a.image;
      if (rtld::decode_dynamic(a.diag, "corrupt.so", m.image.dynamic, m.image.dynamic_count,
                               m.image.bias, m.image.start, m.image.start + m.image.size, m.dyn) &&
          rtld::prepare_module(a.diag, a.arena, m)) {
        for (const std::string& n : names) {
          rtld::SymbolName sn(n.c_str());
          const rtld::Version* wants[] = {nullptr, &vers[0], &vers[1], &vers[2]};
          for (const rtld::Version* want : wants)
            for (unsigned flags : {rtld::kLookupDefault, rtld::kLookupNewest}) {
              const elf::Sym* s = rtld::find_in_module(m, sn, want, flags);
              if (s && (s < m.dyn.symtab || s >= m.dyn.symtab + m.symbol_count)) {
                std::fprintf(stderr, "symbol outside the table for %s\n", g_current.c_str());
                std::exit(1);
              }
            }
        }
      } else if (!a.diag.failed() || !a.diag.message()[0]) {
        std::fprintf(stderr, "failure without a message for %s\n", g_current.c_str());
        std::exit(1);
      }
      rtld::unmap_image(a.image);
    }
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// --- hand-made objects aimed at particular arithmetic ------------------------------------------

// BUG (rtld/image.cpp, load_image, end: `describe_mapped(out.phdr, ...)`): when the program
// headers lie in a PT_LOAD's file bytes, load_image points out.phdr into the mapping and reads
// the headers back from there. If that segment is not readable (p_flags without PF_R) the read
// faults and the loader crashes. Found by Corrupt.RandomByteFlipsInHeaders (iteration 423:
// byte[68]=16 sets the first PT_LOAD's p_flags to 0x10). Fix: describe from the copy `ph`, and
// point out.phdr into the mapping only when that segment has PF_R (else keep the copy).
TEST(Corrupt, HeadersInUnreadableSegmentDoNotCrash) {
  auto body = [] {
    watchdog();
    std::vector<elf::Phdr> ph = two_segment_phdrs();
    ph[0].p_flags = 0;  // the headers' segment: mapped PROT_NONE
    std::vector<uint8_t> file = make_image(ph, kTwoSegmentFileSize);
    Attempt a;
    attempt(file.data(), file.size(), a);
    if (!a.ok) std::exit(a.diag.failed() ? 0 : 2);
    // Loaded: the headers it describes must be readable.
    bool same = std::memcmp(a.image.phdr, ph.data(), ph.size() * sizeof(elf::Phdr)) == 0;
    std::exit(same ? 0 : 3);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}


// Sets the value of the first `tag` entry of the file's dynamic section.
void set_dynamic(std::vector<uint8_t>& file, int64_t tag, uint64_t value) {
  elf::Phdr* ph = phdrs_of(file);
  for (size_t i = 0; i < ehdr_of(file)->e_phnum; ++i)
    if (ph[i].p_type == elf::PT_DYNAMIC) {
      auto* d = reinterpret_cast<elf::Dyn*>(file.data() + ph[i].p_offset);
      for (; d->d_tag != elf::DT_NULL; ++d)
        if (d->d_tag == tag) {
          d->d_val = value;
          return;
        }
    }
  ADD_FAILURE() << "no such dynamic entry";
}

// Loads from memory, decodes, prepares and looks a name up; true unless a step faults (the
// child dies) or a step that failed gave no message.
bool pipeline_survives(const std::vector<uint8_t>& file) {
  Attempt a;
  attempt(file.data(), file.size(), a);
  if (!a.ok) return a.diag.failed();
  rtld::Module m;
  m.path = "corrupt.so";
  m.image = a.image;
  if (!m.image.dynamic) return true;
  if (!rtld::decode_dynamic(a.diag, "corrupt.so", m.image.dynamic, m.image.dynamic_count,
                            m.image.bias, m.image.start, m.image.start + m.image.size, m.dyn) ||
      !rtld::prepare_module(a.diag, a.arena, m))
    return a.diag.failed();
  rtld::SymbolName n("foo");
  (void)rtld::find_in_module(m, n, nullptr, rtld::kLookupDefault);
  return true;
}

// BUG (rtld/dynamic.cpp decode_dynamic and rtld/module.cpp inside(): the bounds are the whole
// reserved span): the span includes the PROT_NONE gaps between segments, so a table pointer
// into a gap passes every check and faults on first use. The 2 MiB-aligned test library has a
// gap from 0x1000 to 0x200000; DT_GNU_HASH is pointed at 0x100000 and prepare_module reads it.
// The same happens with a table in a segment without PF_R. Found by fuzzing the headers of
// that library (a GNU bucket pointing 60 KiB on, into the gap). Fix: check pointers against
// the readable PT_LOAD ranges [vaddr, vaddr + memsz) rather than [start, start + size).
TEST(Corrupt, TableInGapBetweenSegments) {
  auto body = [] {
    watchdog();
    std::vector<uint8_t> file = read_file(kLibBigAlign);
    set_dynamic(file, elf::DT_GNU_HASH, 0x100000);
    std::exit(pipeline_survives(file) ? 0 : 1);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// The dynamic section in a segment without PF_R (p_flags 0: mapped PROT_NONE): decode_dynamic
// reads it and faults. glibc faults the same way; rtld could refuse such an object in
// check_segments (PT_DYNAMIC must lie in a readable PT_LOAD). Found by fuzzing the headers.
TEST(Corrupt, DynamicInUnreadableSegment) {
  auto body = [] {
    watchdog();
    std::vector<uint8_t> file = read_file(kLibBoth);
    elf::Phdr* ph = phdrs_of(file);
    elf::Phdr* dyn = nullptr;
    for (size_t i = 0; i < ehdr_of(file)->e_phnum; ++i)
      if (ph[i].p_type == elf::PT_DYNAMIC) dyn = &ph[i];
    if (!dyn) std::exit(3);
    for (size_t i = 0; i < ehdr_of(file)->e_phnum; ++i)
      if (ph[i].p_type == elf::PT_LOAD && dyn->p_vaddr >= ph[i].p_vaddr &&
          dyn->p_vaddr < ph[i].p_vaddr + ph[i].p_filesz)
        ph[i].p_flags = 0;
    std::exit(pipeline_survives(file) ? 0 : 1);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// The first segment, which holds the symbol, string and hash tables and the relocations,
// without PF_R (mapped PROT_NONE): those tables are outside every readable segment, and the
// object is refused before anything reads them (the image's first readable segment, which the
// table checks try first, is a later one).
TEST(Corrupt, TablesInUnreadableFirstSegment) {
  auto body = [] {
    watchdog();
    std::vector<uint8_t> file = read_file(kLibBoth);
    elf::Phdr* ph = phdrs_of(file);
    for (size_t i = 0; i < ehdr_of(file)->e_phnum; ++i)
      if (ph[i].p_type == elf::PT_LOAD) {
        ph[i].p_flags = 0;
        break;
      }
    std::exit(pipeline_survives(file) ? 0 : 1);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

// BUG (rtld/image.cpp, describe_mapped, PT_DYNAMIC case): dynamic_count comes from p_memsz,
// while check_segments only proves that p_filesz bytes lie inside a segment. A PT_DYNAMIC with
// p_filesz 0x10 and p_memsz 0x100000 loads, and decode_dynamic would then read up to 64 Ki
// entries past the end of the object if no DT_NULL came first.
TEST(Corrupt, DynamicCountLimitedToTheImage) {
  std::vector<elf::Phdr> ph = two_segment_phdrs();
  ph.push_back(segment(elf::PT_DYNAMIC, 0x1000, 0x2000, 0x10, 0x100000));
  std::vector<uint8_t> file = make_image(ph, kTwoSegmentFileSize);
  Attempt a;
  attempt(file.data(), file.size(), a);
  if (!a.ok) {
    SUCCEED() << "rejected: " << a.diag.message();
    return;
  }
  auto dyn = reinterpret_cast<uintptr_t>(a.image.dynamic);
  EXPECT_LE(dyn + a.image.dynamic_count * sizeof(elf::Dyn), a.image.start + a.image.size)
      << "dynamic_count " << a.image.dynamic_count << " runs past the image";
  rtld::unmap_image(a.image);
}

// BUG (rtld/image.cpp, load_image, the ET_DYN reservation): `span + extra` is not checked for
// overflow. Two segments at 0 and at 2^63 with p_align 2^63 give span = 2^63 + 0x4000 and
// extra = 2^63; the sum wraps to 0x4000, the reservation succeeds, start = align_up(r, 2^63)
// = 2^63, and the "give back the tail" unmap becomes munmap(0x4000, r + 0x4000 - 0x4000):
// everything mapped between 16 KiB and the reservation is unmapped, and the process dies.
// glibc's _dl_map_segment checks `maplength + mapalign < maplength`.
TEST(Corrupt, HugeAlignmentSpanDoesNotWrap) {
  auto body = [] {
        watchdog(2);
        // With the bug, the process's own memory (and the sanitizer's shadow) is gone: let a
        // fault kill the child at once instead of entering the sanitizer's handler.
        std::signal(SIGSEGV, SIG_DFL);
        std::signal(SIGBUS, SIG_DFL);
        uint64_t top = uint64_t{1} << 63;
        std::vector<elf::Phdr> ph = {load(0, 0, 0x1000, 0x1000, elf::PF_R, top),
                                     load(0x1000, top, 0, 0x4000, elf::PF_R | elf::PF_W)};
        std::vector<uint8_t> file = make_image(ph, 0x2000);
        Attempt a;
        attempt(file.data(), file.size(), a);
        std::exit(a.ok ? 1 : (a.diag.failed() ? 0 : 2));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(Corrupt, SpanLargerThanAddressSpaceFails) {
  std::vector<elf::Phdr> ph = {load(0, 0, 0x1000, 0x1000, elf::PF_R),
                               load(0x1000, uint64_t{1} << 62, 0, 0x1000, elf::PF_R | elf::PF_W)};
  std::vector<uint8_t> file = make_image(ph, 0x2000);
  Attempt a;
  attempt(file.data(), file.size(), a);
  EXPECT_FALSE(a.ok);
  EXPECT_STREQ(a.diag.message(), "failed to map segment from shared object: Cannot allocate memory");
}

// Memory for a fake object, followed by an inaccessible page: reading past the end faults.
struct GuardedSpan {
  uint8_t* base = nullptr;
  size_t size = kPage;
  GuardedSpan() {
    void* p = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base = static_cast<uint8_t*>(p);
    mprotect(base + kPage, kPage, PROT_NONE);
  }
  ~GuardedSpan() { munmap(base, 2 * kPage); }
  uintptr_t addr() const { return reinterpret_cast<uintptr_t>(base); }
};

rtld::Module module_over(const GuardedSpan& g) {
  rtld::Module m;
  m.path = "hash.so";
  m.image.start = g.addr();
  m.image.size = g.size;
  m.image.bias = g.addr();
  return m;
}

TEST(PrepareModule, GnuHashTableOutsideImageRejected) {
  GuardedSpan g;
  auto* h = reinterpret_cast<uint32_t*>(g.base + kPage - 64);
  h[0] = 64, h[1] = 1, h[2] = 1, h[3] = 6;  // 64 buckets: 256 bytes, past the end
  rtld::Module m = module_over(g);
  m.dyn.gnu_hash = h;
  rtld::Arena arena;
  rtld::Diagnostics d;
  EXPECT_FALSE(rtld::prepare_module(d, arena, m));
  EXPECT_STREQ(d.message(), "invalid DT_GNU_HASH table");
}

TEST(PrepareModule, GnuHashBadBloomRejected) {
  GuardedSpan g;
  auto* h = reinterpret_cast<uint32_t*>(g.base);
  for (uint32_t bloom : {0u, 3u, 6u}) {
    h[0] = 1, h[1] = 1, h[2] = bloom, h[3] = 6;
    rtld::Module m = module_over(g);
    m.dyn.gnu_hash = h;
    rtld::Arena arena;
    rtld::Diagnostics d;
    EXPECT_FALSE(rtld::prepare_module(d, arena, m)) << bloom;
    EXPECT_STREQ(d.message(), "invalid DT_GNU_HASH table") << bloom;
  }
  h[0] = 0, h[2] = 1;  // no buckets
  rtld::Module m = module_over(g);
  m.dyn.gnu_hash = h;
  rtld::Arena arena;
  rtld::Diagnostics d;
  EXPECT_FALSE(rtld::prepare_module(d, arena, m));
  EXPECT_STREQ(d.message(), "invalid DT_GNU_HASH table");
}

// BUG (rtld/module.cpp, prepare_hashes, the GNU bounds check): `g.nbuckets * 4u` is computed
// in 32 bits, so nbuckets = 0x40000001 checks 4 bytes of buckets instead of 4 GiB, the table is
// accepted, and the symbol-count loop reads buckets[b] for b up to 2^30: a fault. Fix:
// `size_t{g.nbuckets} * 4`.
TEST(PrepareModule, GnuHashBucketCountOverflowRejected) {
  auto body = [] {
        watchdog();
        GuardedSpan g;
        auto* h = reinterpret_cast<uint32_t*>(g.base + kPage - 64);
        h[0] = 0x40000001u, h[1] = 1, h[2] = 1, h[3] = 6;
        rtld::Module m = module_over(g);
        m.dyn.gnu_hash = h;
        rtld::Arena arena;
        rtld::Diagnostics d;
        bool ok = rtld::prepare_module(d, arena, m);
        std::exit(!ok && std::string(d.message()) == "invalid DT_GNU_HASH table" ? 0 : 1);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(PrepareModule, SysvHashOutsideImageRejected) {
  GuardedSpan g;
  auto* h = reinterpret_cast<uint32_t*>(g.base + kPage - 64);
  h[0] = 4, h[1] = 100;  // 4 buckets + 100 chain entries: 424 bytes, past the end
  rtld::Module m = module_over(g);
  m.dyn.sysv_hash = h;
  rtld::Arena arena;
  rtld::Diagnostics d;
  EXPECT_FALSE(rtld::prepare_module(d, arena, m));
  EXPECT_STREQ(d.message(), "invalid DT_HASH table");
  h[0] = 0, h[1] = 1;
  rtld::Module z = module_over(g);
  z.dyn.sysv_hash = h;
  rtld::Diagnostics d2;
  EXPECT_FALSE(rtld::prepare_module(d2, arena, z));
  EXPECT_STREQ(d2.message(), "invalid DT_HASH table");
  h[0] = 0xffffffffu, h[1] = 0xffffffffu;  // sizes that would wrap in 32 bits
  rtld::Module w = module_over(g);
  w.dyn.sysv_hash = h;
  rtld::Diagnostics d3;
  EXPECT_FALSE(rtld::prepare_module(d3, arena, w));
  EXPECT_STREQ(d3.message(), "invalid DT_HASH table");
}

TEST(PrepareModule, SymbolTableOutsideImageRejected) {
  GuardedSpan g;
  auto* h = reinterpret_cast<uint32_t*>(g.base);
  h[0] = 1, h[1] = 200;  // 200 symbols of 24 bytes: 4800 bytes
  h[2] = 0;              // bucket
  rtld::Module m = module_over(g);
  m.dyn.sysv_hash = h;
  m.dyn.symtab = reinterpret_cast<const elf::Sym*>(g.base + 2048);
  rtld::Arena arena;
  rtld::Diagnostics d;
  EXPECT_FALSE(rtld::prepare_module(d, arena, m));
  EXPECT_STREQ(d.message(), "symbol table outside the object");
}

TEST(PrepareModule, VersionDefinitionOutsideImageRejected) {
  GuardedSpan g;
  rtld::Module m = module_over(g);
  m.dyn.strtab = reinterpret_cast<const char*>(g.base);
  m.dyn.strsz = 16;
  m.dyn.verdef = reinterpret_cast<const elf::Verdef*>(g.base + kPage - 8);  // 20 bytes needed
  m.dyn.verdefnum = 1;
  rtld::Arena arena;
  rtld::Diagnostics d;
  EXPECT_FALSE(rtld::prepare_module(d, arena, m));
  EXPECT_STREQ(d.message(), "invalid version definition");
}

// prepare_versions sizes the table for DT_VERDEFNUM definitions first (linkers number them from
// 1 to it); one numbered past that makes it size the table again, for the largest index.
TEST(PrepareModule, VersionDefinitionsNumberedPastTheirCount) {
  GuardedSpan g;
  rtld::Module m = module_over(g);
  std::memcpy(g.base, "\0lib\0V_A\0V_B", 13);
  m.dyn.strtab = reinterpret_cast<const char*>(g.base);
  m.dyn.strsz = 16;
  const uint16_t ndx[3] = {1, 7, 2};
  const uint32_t names[3] = {1, 5, 9};
  constexpr size_t kEach = sizeof(elf::Verdef) + sizeof(elf::Verdaux);
  for (size_t k = 0; k < 3; ++k) {
    auto* vd = reinterpret_cast<elf::Verdef*>(g.base + 256 + k * kEach);
    vd->vd_version = 1, vd->vd_flags = k == 0 ? elf::VER_FLG_BASE : 0, vd->vd_ndx = ndx[k];
    vd->vd_cnt = 1, vd->vd_hash = 100 + static_cast<uint32_t>(k), vd->vd_aux = sizeof(elf::Verdef);
    vd->vd_next = k < 2 ? kEach : 0;
    reinterpret_cast<elf::Verdaux*>(vd + 1)->vda_name = names[k];
  }
  m.dyn.verdef = reinterpret_cast<const elf::Verdef*>(g.base + 256);
  m.dyn.verdefnum = 3;
  rtld::Arena arena;
  rtld::Diagnostics d;
  ASSERT_TRUE(rtld::prepare_module(d, arena, m)) << d.message();
  ASSERT_EQ(m.version_count, 8u);
  EXPECT_STREQ(m.versions[7].name, "V_A");
  EXPECT_EQ(m.versions[7].hash, 101u);
  EXPECT_STREQ(m.versions[2].name, "V_B");
  EXPECT_EQ(m.versions[1].name, nullptr);  // the base version is not a table entry
  // Numbered within the count: the first size holds.
  reinterpret_cast<elf::Verdef*>(g.base + 256 + kEach)->vd_ndx = 3;
  rtld::Module n = module_over(g);
  n.dyn = m.dyn;
  rtld::Diagnostics d2;
  ASSERT_TRUE(rtld::prepare_module(d2, arena, n)) << d2.message();
  EXPECT_EQ(n.version_count, 4u);
  EXPECT_STREQ(n.versions[3].name, "V_A");
}

TEST(PrepareModule, VersionNameOutsideStringTableRejected) {
  GuardedSpan g;
  rtld::Module m = module_over(g);
  m.dyn.strtab = reinterpret_cast<const char*>(g.base);
  m.dyn.strsz = 16;
  auto* vd = reinterpret_cast<elf::Verdef*>(g.base + 256);
  vd->vd_version = 1, vd->vd_ndx = 2, vd->vd_cnt = 1, vd->vd_aux = sizeof(elf::Verdef);
  auto* aux = reinterpret_cast<elf::Verdaux*>(g.base + 256 + sizeof(elf::Verdef));
  aux->vda_name = 16;  // == strsz
  m.dyn.verdef = vd;
  m.dyn.verdefnum = 1;
  rtld::Arena arena;
  rtld::Diagnostics d;
  EXPECT_FALSE(rtld::prepare_module(d, arena, m));
  EXPECT_STREQ(d.message(), "invalid version definition");
  aux->vda_name = 3;
  std::memcpy(g.base + 3, "V_1", 4);
  rtld::Diagnostics ok;
  ASSERT_TRUE(rtld::prepare_module(ok, arena, m)) << ok.message();
  ASSERT_EQ(m.version_count, 3u);
  EXPECT_STREQ(m.versions[2].name, "V_1");
}

}  // namespace
