// Arena against the fake platform: which pages it asks for, and what it does when it gets none.
#include <gtest/gtest.h>

#include <cerrno>

#include "fake_platform.hpp"
#include "rtld/memory.hpp"

namespace {

using fake::Op;

TEST(FakeArena, SmallBlocksShareOneChunk) {
  fake::reset();
  rtld::Arena a;
  for (int i = 0; i < 100; ++i) ASSERT_NE(a.allocate(100), nullptr);  // 100 x 128 bytes
  auto maps = fake::calls_of(Op::kMapZero);
  ASSERT_EQ(maps.size(), 1u) << fake::describe_calls();
  EXPECT_EQ(maps[0].addr, 0u);  // anywhere
  EXPECT_EQ(maps[0].length, 64u * 1024);
  EXPECT_EQ(maps[0].prot, rtld::platform::kRead | rtld::platform::kWrite);
}

TEST(FakeArena, NewChunkWhenTheFirstIsUsedUp) {
  fake::reset();
  rtld::Arena a;
  for (int i = 0; i < 17; ++i) ASSERT_NE(a.allocate(4000), nullptr);  // 4 KiB blocks: 16 fit
  EXPECT_EQ(fake::calls_of(Op::kMapZero).size(), 2u) << fake::describe_calls();
}

TEST(FakeArena, LargeBlockHasItsOwnPagesAndGivesThemBack) {
  fake::reset();
  rtld::Arena a;
  void* p = a.allocate(10000);
  ASSERT_NE(p, nullptr);
  auto maps = fake::calls_of(Op::kMapZero);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].length, 12288u);  // 10000 + 16-byte header, in pages
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p), static_cast<uintptr_t>(maps[0].result) + 16);
  a.release(p);
  auto unmaps = fake::calls_of(Op::kUnmap);
  ASSERT_EQ(unmaps.size(), 1u);
  EXPECT_EQ(unmaps[0].addr, static_cast<uintptr_t>(maps[0].result));
  EXPECT_EQ(unmaps[0].length, 12288u);
  EXPECT_TRUE(fake::violations().empty());
}

TEST(FakeArena, SmallReleaseDoesNotUnmap) {
  fake::reset();
  rtld::Arena a;
  a.release(a.allocate(64));
  EXPECT_TRUE(fake::calls_of(Op::kUnmap).empty());
}

TEST(FakeArena, OutOfMemoryGivesNull) {
  fake::reset();
  rtld::Arena a;
  fake::fail_memory_call(0, ENOMEM, Op::kMapZero);
  EXPECT_EQ(a.allocate(32), nullptr);
  EXPECT_NE(a.allocate(32), nullptr);  // the failure was one call only
  fake::fail_memory_call(0, ENOMEM, Op::kMapZero);
  EXPECT_EQ(a.allocate(100000), nullptr);
}

TEST(FakeArena, OutOfMemoryForANewChunkKeepsTheFreeLists) {
  fake::reset();
  rtld::Arena a;
  void* blocks[16];
  for (void*& b : blocks) ASSERT_NE(b = a.allocate(4000), nullptr);  // the chunk is full
  fake::fail_memory_call(0, ENOMEM, Op::kMapZero);
  EXPECT_EQ(a.allocate(16), nullptr);  // needs a new chunk, which fails
  a.release(blocks[3]);
  EXPECT_EQ(a.allocate(4000), blocks[3]);  // the free list still works
  EXPECT_NE(a.allocate(16), nullptr);      // and the next chunk can be had
}

}  // namespace
