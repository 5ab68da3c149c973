// check_header and header_matches_machine: every rule of the ELF header, each with its
// message (worded as glibc words it).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "rtld/image.hpp"
#include "support/elf_builder.hpp"
#include "support/files.hpp"

namespace {

using namespace testing_support;
namespace elf = rtld::elf;

constexpr size_t kFileSize = 0x1000;

// The header under test, in a buffer of its own; the file is said to be kFileSize bytes.
struct HeaderCase {
  elf::Ehdr eh = good_ehdr(2);
  rtld::Diagnostics diag;
  bool check(size_t file_size = kFileSize) {
    std::vector<uint8_t> head(sizeof eh);
    std::memcpy(head.data(), &eh, sizeof eh);
    return rtld::check_header(diag, "lib.so", head.data(), head.size(), file_size);
  }
};

TEST(CheckHeader, GoodHeaderPasses) {
  HeaderCase c;
  EXPECT_TRUE(c.check());
  EXPECT_FALSE(c.diag.failed());
  EXPECT_STREQ(c.diag.message(), "");
}

TEST(CheckHeader, GoodHeaderOfExecutablePasses) {
  HeaderCase c;
  c.eh.e_type = elf::ET_EXEC;
  EXPECT_TRUE(c.check());
}

TEST(CheckHeader, GnuOsAbiAccepted) {
  HeaderCase c;
  c.eh.e_ident[elf::EI_OSABI] = elf::ELFOSABI_GNU;
  EXPECT_TRUE(c.check()) << c.diag.message();
}

TEST(CheckHeader, SystemLibcPasses) {
  std::vector<uint8_t> f = read_file(kLibc);
  ASSERT_GE(f.size(), 4096u);
  rtld::Diagnostics d;
  EXPECT_TRUE(rtld::check_header(d, kLibc, f.data(), 1024, f.size())) << d.message();
  EXPECT_TRUE(rtld::header_matches_machine(f.data(), f.size()));
}

struct BadHeader {
  const char* what;
  void (*breakit)(elf::Ehdr&);
  const char* message;
};

class CheckHeaderRejects : public ::testing::TestWithParam<BadHeader> {};

TEST_P(CheckHeaderRejects, WithMessage) {
  HeaderCase c;
  GetParam().breakit(c.eh);
  EXPECT_FALSE(c.check());
  EXPECT_TRUE(c.diag.failed());
  EXPECT_STREQ(c.diag.object(), "lib.so");
  EXPECT_STREQ(c.diag.message(), GetParam().message);
}

const BadHeader kBadHeaders[] = {
    {"BadMagic0", [](elf::Ehdr& e) { e.e_ident[0] = 0x7e; }, "invalid ELF header"},
    {"BadMagic3", [](elf::Ehdr& e) { e.e_ident[3] = 'G'; }, "invalid ELF header"},
    {"Class32", [](elf::Ehdr& e) { e.e_ident[elf::EI_CLASS] = elf::ELFCLASS32; },
     "wrong ELF class: ELFCLASS32"},
    {"ClassNone", [](elf::Ehdr& e) { e.e_ident[elf::EI_CLASS] = 0; },
     "wrong ELF class: ELFCLASSNONE"},
    {"BigEndian", [](elf::Ehdr& e) { e.e_ident[elf::EI_DATA] = elf::ELFDATA2MSB; },
     "ELF file data encoding not little-endian"},
    {"DataNone", [](elf::Ehdr& e) { e.e_ident[elf::EI_DATA] = 0; },
     "ELF file data encoding not little-endian"},
    {"IdentVersion", [](elf::Ehdr& e) { e.e_ident[elf::EI_VERSION] = 2; },
     "ELF file version ident does not match current one"},
    {"OsAbiFreeBsd", [](elf::Ehdr& e) { e.e_ident[elf::EI_OSABI] = 9; },
     "ELF file OS ABI invalid"},
    {"AbiVersion", [](elf::Ehdr& e) { e.e_ident[elf::EI_ABIVERSION] = 2; },
     "ELF file ABI version invalid"},
    {"PaddingFirst", [](elf::Ehdr& e) { e.e_ident[elf::EI_PAD] = 1; },
     "nonzero padding in e_ident"},
    {"PaddingLast", [](elf::Ehdr& e) { e.e_ident[15] = 0x80; }, "nonzero padding in e_ident"},
    {"Version", [](elf::Ehdr& e) { e.e_version = 2; },
     "ELF file version does not match current one"},
    {"VersionZero", [](elf::Ehdr& e) { e.e_version = 0; },
     "ELF file version does not match current one"},
    {"MachineAarch64", [](elf::Ehdr& e) { e.e_machine = elf::EM_AARCH64; },
     "ELF file machine mismatch"},
    {"Machine386", [](elf::Ehdr& e) { e.e_machine = elf::EM_386; }, "ELF file machine mismatch"},
    {"TypeRel", [](elf::Ehdr& e) { e.e_type = elf::ET_REL; },
     "only ET_DYN and ET_EXEC can be loaded"},
    {"TypeCore", [](elf::Ehdr& e) { e.e_type = elf::ET_CORE; },
     "only ET_DYN and ET_EXEC can be loaded"},
    {"TypeNone", [](elf::Ehdr& e) { e.e_type = elf::ET_NONE; },
     "only ET_DYN and ET_EXEC can be loaded"},
    {"PhentsizeSmall", [](elf::Ehdr& e) { e.e_phentsize = sizeof(elf::Phdr) - 1; },
     "ELF file's phentsize not the expected size"},
    {"Phentsize32", [](elf::Ehdr& e) { e.e_phentsize = 32; },
     "ELF file's phentsize not the expected size"},
    {"PhnumZero", [](elf::Ehdr& e) { e.e_phnum = 0; }, "object file has no loadable segments"},
    {"PhnumXnum", [](elf::Ehdr& e) { e.e_phnum = 0xffff; },
     "object file has no loadable segments"},
    {"PhoffPastEnd", [](elf::Ehdr& e) { e.e_phoff = kFileSize + 8; },
     "cannot read file data"},
    {"PhdrsCrossEnd", [](elf::Ehdr& e) { e.e_phoff = kFileSize - sizeof(elf::Phdr); },
     "cannot read file data"},
    {"PhoffHuge", [](elf::Ehdr& e) { e.e_phoff = ~uint64_t{0} - 8; },
     "cannot read file data"},
    {"PhnumTooMany", [](elf::Ehdr& e) { e.e_phnum = kFileSize / sizeof(elf::Phdr); },
     "cannot read file data"},
};

INSTANTIATE_TEST_SUITE_P(All, CheckHeaderRejects, ::testing::ValuesIn(kBadHeaders),
                         [](const auto& info) { return std::string(info.param.what); });

// glibc 2.36 on x86_64 (VALID_ELF_ABIVERSION): EI_ABIVERSION must be 0 with ELFOSABI_SYSV and
// below LIBC_ABI_MAX (4: UNIQUE, IFUNC, ABSOLUTE) with ELFOSABI_GNU. Checked against the
// system's ld.so: (SYSV, 1) "ELF file ABI version invalid", (GNU, 3) loads, (GNU, 4) invalid.
// BUG (rtld/image.cpp, check_header, `if (id[elf::EI_ABIVERSION] > 1)`): accepts (SYSV, 1) and
// rejects (GNU, 2..3). Fix: `if (id[EI_ABIVERSION] != 0 && !(id[EI_OSABI] == ELFOSABI_GNU &&
// id[EI_ABIVERSION] < 4))`.
TEST(CheckHeader, AbiVersionWithSysvOsAbiMustBeZero) {
  HeaderCase c;
  c.eh.e_ident[elf::EI_ABIVERSION] = 1;
  EXPECT_FALSE(c.check());
  EXPECT_STREQ(c.diag.message(), "ELF file ABI version invalid");
}

TEST(CheckHeader, AbiVersionWithGnuOsAbiUpToThree) {
  for (unsigned char v : {0, 1, 2, 3}) {
    HeaderCase c;
    c.eh.e_ident[elf::EI_OSABI] = elf::ELFOSABI_GNU;
    c.eh.e_ident[elf::EI_ABIVERSION] = v;
    EXPECT_TRUE(c.check()) << int(v) << ": " << c.diag.message();
  }
  HeaderCase c;
  c.eh.e_ident[elf::EI_OSABI] = elf::ELFOSABI_GNU;
  c.eh.e_ident[elf::EI_ABIVERSION] = 4;
  EXPECT_FALSE(c.check());
  EXPECT_STREQ(c.diag.message(), "ELF file ABI version invalid");
}

TEST(CheckHeader, ProgramHeadersEndingExactlyAtFileEndPass) {
  HeaderCase c;
  c.eh.e_phoff = kFileSize - 2 * sizeof(elf::Phdr);
  EXPECT_TRUE(c.check()) << c.diag.message();
}

TEST(CheckHeader, ShorterThanElfHeaderIsFileTooShort) {
  elf::Ehdr eh = good_ehdr(1);
  std::vector<uint8_t> head(sizeof eh);
  std::memcpy(head.data(), &eh, sizeof eh);
  for (size_t len : {size_t{0}, size_t{4}, size_t{16}, sizeof eh - 1}) {
    rtld::Diagnostics d;
    EXPECT_FALSE(rtld::check_header(d, "short.so", head.data(), len, kFileSize)) << len;
    EXPECT_STREQ(d.message(), "file too short") << len;
    EXPECT_STREQ(d.object(), "short.so");
  }
}

TEST(CheckHeader, FirstFailureIsReported) {
  // Both the magic and the machine are wrong: the magic is checked first.
  HeaderCase c;
  c.eh.e_ident[1] = 'X';
  c.eh.e_machine = elf::EM_AARCH64;
  EXPECT_FALSE(c.check());
  EXPECT_STREQ(c.diag.message(), "invalid ELF header");
}

// foreign_object: which objects a search passes over (glibc's open_verify).
TEST(ForeignObject, Classification) {
  auto classify = [](const elf::Ehdr& e, size_t len = sizeof(elf::Ehdr)) {
    return rtld::foreign_object(reinterpret_cast<const uint8_t*>(&e), len);
  };
  elf::Ehdr eh = good_ehdr(2);
  EXPECT_EQ(classify(eh), rtld::Foreign::kNo);
  EXPECT_EQ(classify(eh, sizeof eh - 1), rtld::Foreign::kNo);  // "file too short" comes first
  elf::Ehdr c32 = eh;
  c32.e_ident[elf::EI_CLASS] = elf::ELFCLASS32;
  EXPECT_EQ(classify(c32), rtld::Foreign::kOtherClass);
  elf::Ehdr arm = eh;
  arm.e_machine = elf::EM_AARCH64;
  EXPECT_EQ(classify(arm), rtld::Foreign::kOtherMachine);
  arm.e_type = elf::ET_REL;  // checked after the machine: still passed over
  arm.e_phnum = 0;
  EXPECT_EQ(classify(arm), rtld::Foreign::kOtherMachine);
  elf::Ehdr arm_bad = eh;
  arm_bad.e_machine = elf::EM_AARCH64;
  arm_bad.e_ident[elf::EI_VERSION] = 0;  // invalid identification: an error, not foreign
  EXPECT_EQ(classify(arm_bad), rtld::Foreign::kNo);
  arm_bad = eh;
  arm_bad.e_machine = elf::EM_AARCH64;
  arm_bad.e_version = 0;
  EXPECT_EQ(classify(arm_bad), rtld::Foreign::kNo);
  elf::Ehdr junk = eh;
  junk.e_ident[0] = 0;
  junk.e_machine = elf::EM_AARCH64;
  EXPECT_EQ(classify(junk), rtld::Foreign::kNo);
}

TEST(HeaderMatchesMachine, NativeOnly) {
  elf::Ehdr eh = good_ehdr(1);
  auto bytes = [](const elf::Ehdr& e) { return reinterpret_cast<const uint8_t*>(&e); };
  EXPECT_TRUE(rtld::header_matches_machine(bytes(eh), sizeof eh));
  EXPECT_FALSE(rtld::header_matches_machine(bytes(eh), sizeof eh - 1));
  elf::Ehdr other = eh;
  other.e_machine = elf::EM_AARCH64;
  EXPECT_FALSE(rtld::header_matches_machine(bytes(other), sizeof other));
  other = eh;
  other.e_ident[elf::EI_CLASS] = elf::ELFCLASS32;
  EXPECT_FALSE(rtld::header_matches_machine(bytes(other), sizeof other));
}

}  // namespace
