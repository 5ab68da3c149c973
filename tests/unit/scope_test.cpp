// The global scope as a look-up without the embedder's lock reads it (rtld::global_scope: the
// array and its length, always matching), and the wait for such look-ups before a replaced
// scope array is released (rtld::begin_lookup, end_lookup, wait_for_lookups).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "rtld/graph.hpp"

namespace {

struct Objects {
  rtld::Arena arena;
  rtld::ObjectSet set;
  rtld::Module modules[4];
  Objects() {
    set.arena = &arena;
    for (rtld::Module& m : modules) rtld::append_module(set, &m);
  }
};

TEST(GlobalScope, ViewHasTheLengthOfItsArray) {
  Objects o;
  EXPECT_EQ(rtld::global_scope(o.set).items, nullptr);
  EXPECT_EQ(rtld::global_scope(o.set).count, 0u);
  ASSERT_TRUE(rtld::build_global_scope(o.set));
  rtld::ScopeView all = rtld::global_scope(o.set);
  ASSERT_EQ(all.count, 4u);
  EXPECT_EQ(all.items, o.set.scope);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(all.items[i], &o.modules[i]);
  o.modules[1].global = false;
  ASSERT_TRUE(rtld::build_global_scope(o.set));
  rtld::ScopeView some = rtld::global_scope(o.set);
  ASSERT_EQ(some.count, 3u);
  EXPECT_EQ(some.count, o.set.scope_count);
  EXPECT_EQ(some.items[0], &o.modules[0]);
  EXPECT_EQ(some.items[1], &o.modules[2]);
  EXPECT_EQ(some.items[2], &o.modules[3]);
}

// A rebuild while a look-up is under way publishes the new array at once, and releases the
// old one only after the look-up is over.
TEST(GlobalScope, ReplacedArrayOutlivesTheLookUpsReadingIt) {
  Objects o;
  ASSERT_TRUE(rtld::build_global_scope(o.set));
  rtld::begin_lookup(o.set);
  rtld::ScopeView seen = rtld::global_scope(o.set);
  std::atomic<bool> rebuilt{false};
  std::thread writer([&] {
    o.modules[0].global = false;
    rtld::build_global_scope(o.set);
    rebuilt = true;
  });
  while (rtld::global_scope(o.set).items == seen.items) std::this_thread::yield();
  EXPECT_EQ(rtld::global_scope(o.set).count, 3u);  // the new one, already seen
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(rebuilt);  // still waiting: the old array is in use
  for (size_t i = 0; i < seen.count; ++i) EXPECT_EQ(seen.items[i], &o.modules[i]);
  rtld::end_lookup(o.set);
  writer.join();
  EXPECT_TRUE(rebuilt);
  EXPECT_EQ(o.set.lookups, 0u);
}

TEST(GlobalScope, WaitReturnsAtOnceWithoutLookUps) {
  Objects o;
  rtld::begin_lookup(o.set);
  rtld::begin_lookup(o.set);
  rtld::end_lookup(o.set);
  rtld::end_lookup(o.set);
  rtld::wait_for_lookups(o.set);  // (would not return otherwise)
  EXPECT_EQ(o.set.lookups, 0u);
}

}  // namespace
