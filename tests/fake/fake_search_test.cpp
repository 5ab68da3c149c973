// The search for a library by name against the fake platform: the subdirectories tried in
// each search directory are worked out only when a directory is first searched
// (SearchConfig::find_subdirs), and then tried before the directory itself.
#include <gtest/gtest.h>

#include <string>

#include "fake_platform.hpp"
#include "rtld/search.hpp"
#include "support/elf_builder.hpp"

namespace {

using namespace testing_support;

int calls = 0;
const char* const kSubdirs[] = {"sub/"};

void find_subdirs(rtld::SearchConfig& cfg) {
  ++calls;
  cfg.subdirs = kSubdirs;
  cfg.subdir_count = 1;
  cfg.find_subdirs = nullptr;
}

class FakeSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::reset();
    calls = 0;
    config.find_subdirs = find_subdirs;
    fake::add_directory("/lib");
    fake::add_directory("/lib/sub");
    fake::add_file("/lib/sub/libx.so", make_image(two_segment_phdrs(), 0x3000));
    fake::add_file("/abs/liby.so", make_image(two_segment_phdrs(), 0x3000));
  }
  // The path `name` was found at, or "" (its descriptor closed).
  std::string find(const char* name) {
    rtld::Diagnostics diag;
    rtld::OpenedFile file;
    if (!rtld::open_library(diag, arena, config, name, nullptr, nullptr, file)) return "";
    std::string path = file.path;
    rtld::platform::close(file.fd);
    arena.release(file.path);
    return path;
  }
  rtld::Arena arena;
  rtld::SearchConfig config;
};

TEST_F(FakeSearch, SubdirectoriesWorkedOutAtTheFirstDirectorySearched) {
  EXPECT_EQ(find("/abs/liby.so"), "/abs/liby.so");  // a path: no directory searched
  EXPECT_EQ(calls, 0);
  config.library_path = "/lib";
  EXPECT_EQ(find("libx.so"), "/lib/sub/libx.so");  // in the subdirectory worked out then
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(find("libx.so"), "/lib/sub/libx.so");
  EXPECT_EQ(calls, 1);  // once
}

TEST_F(FakeSearch, WithoutFindSubdirsOnlyTheDirectoryIsTried) {
  config.find_subdirs = nullptr;
  config.library_path = "/lib";
  EXPECT_EQ(find("libx.so"), "");
  EXPECT_EQ(calls, 0);
}

}  // namespace
