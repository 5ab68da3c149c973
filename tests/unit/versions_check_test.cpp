// check_versions on hand-built version tables: an object needs versions of "libt.so", whose
// definitions are BASE ("libt.so"), V1 and V2. check_versions first looks in the target's
// version index (which also holds the target's own requirements, each with the file that
// should define it), then walks its definitions: the base version, which the index leaves
// out, is found there; a version the target only requires is not one it defines.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "rtld/graph.hpp"
#include "rtld/module.hpp"
#include "rtld/symbols.hpp"

namespace {

namespace elf = rtld::elf;

struct Problem {
  std::string object, message;
  bool fatal;
};

struct VersionCheck {
  // Both string tables: "\0libt.so\0V1\0V2\0V9\0".
  static constexpr char kStrings[] = "\0libt.so\0V1\0V2\0V9";
  static constexpr uint32_t kLibt = 1, kV1 = 9, kV2 = 12, kV9 = 15;

  struct Def {
    elf::Verdef d;
    elf::Verdaux a;
  };
  Def defs[3] = {};
  struct Need {
    elf::Verneed n;
    elf::Vernaux a[4];
  } need = {};
  rtld::Version index[5];  // 0 local, 1 base (empty), 2 V1, 3 V2, 4 V9 (required by libt.so)
  rtld::Module target, user;
  rtld::Module* deps[1] = {&target};
  rtld::ObjectSet set;
  rtld::Diagnostics diag;
  std::vector<Problem> problems;

  VersionCheck() {
    const uint32_t names[3] = {kLibt, kV1, kV2};
    for (uint16_t i = 0; i < 3; ++i) {
      elf::Verdef& d = defs[i].d;
      d.vd_version = 1, d.vd_flags = i == 0 ? elf::VER_FLG_BASE : 0, d.vd_ndx = i + 1;
      d.vd_cnt = 1, d.vd_hash = rtld::sysv_hash(kStrings + names[i]);
      d.vd_aux = sizeof(elf::Verdef), d.vd_next = i < 2 ? sizeof(Def) : 0;
      defs[i].a.vda_name = names[i];
    }
    index[2].name = kStrings + kV1, index[2].hash = rtld::sysv_hash("V1");
    index[3].name = kStrings + kV2, index[3].hash = rtld::sysv_hash("V2");
    index[4].name = kStrings + kV9, index[4].hash = rtld::sysv_hash("V9");
    index[4].file = "libother.so";
    target.path = "/lib/libt.so";
    target.soname = kStrings + kLibt;
    target.dyn.strtab = kStrings;
    target.dyn.strsz = sizeof kStrings;
    target.dyn.verdef = &defs[0].d;
    target.dyn.verdefnum = 3;
    target.versions = index;
    target.version_count = 5;
    user.path = "./user";
    user.dyn.strtab = kStrings;
    user.dyn.strsz = sizeof kStrings;
    user.dyn.verneed = &need.n;
    user.dyn.verneednum = 1;
    user.deps = deps;
    user.dep_count = 1;
  }

  // check_versions for `user` needing `wanted` (offsets into the strings) from libt.so.
  bool check(std::vector<uint32_t> wanted) {
    need.n.vn_version = 1, need.n.vn_cnt = static_cast<uint16_t>(wanted.size());
    need.n.vn_file = kLibt, need.n.vn_aux = sizeof(elf::Verneed), need.n.vn_next = 0;
    for (size_t i = 0; i < wanted.size(); ++i) {
      elf::Vernaux& a = need.a[i];
      a.vna_hash = rtld::sysv_hash(kStrings + wanted[i]);
      a.vna_flags = 0, a.vna_other = static_cast<uint16_t>(2 + i), a.vna_name = wanted[i];
      a.vna_next = i + 1 < wanted.size() ? sizeof(elf::Vernaux) : 0;
    }
    problems.clear();
    rtld::VersionReporter reporter;
    reporter.context = this;
    reporter.report = [](void* context, const char* object, const char* message, bool fatal) {
      static_cast<VersionCheck*>(context)->problems.push_back({object, message, fatal});
    };
    return rtld::check_versions(diag, set, user, reporter);
  }
};

TEST(CheckVersions, DefinedVersionsAreFoundInTheIndex) {
  VersionCheck t;
  EXPECT_TRUE(t.check({VersionCheck::kV1, VersionCheck::kV2}));
  EXPECT_TRUE(t.problems.empty());
}

TEST(CheckVersions, TheBaseVersionIsFoundAmongTheDefinitions) {
  VersionCheck t;
  EXPECT_TRUE(t.check({VersionCheck::kLibt, VersionCheck::kV2}));
  EXPECT_TRUE(t.problems.empty());
}

TEST(CheckVersions, AVersionTheTargetOnlyRequiresIsMissing) {
  VersionCheck t;
  EXPECT_FALSE(t.check({VersionCheck::kV1, VersionCheck::kV9}));
  ASSERT_EQ(t.problems.size(), 1u);
  EXPECT_EQ(t.problems[0].object, "/lib/libt.so");
  EXPECT_EQ(t.problems[0].message, "version `V9' not found (required by ./user)");
  EXPECT_TRUE(t.problems[0].fatal);
}

TEST(CheckVersions, DefinitionsMissingFromTheIndexAreStillFound) {
  // (an index that lost an entry, as a damaged object's duplicate numbers leave it)
  VersionCheck t;
  t.index[3] = rtld::Version{};
  EXPECT_TRUE(t.check({VersionCheck::kV2}));
  EXPECT_TRUE(t.problems.empty());
}

}  // namespace
