// ld.so's `runtime` lives in .bss and is never constructed: start_program gives it its non-zero
// defaults with set_nonzero_defaults. Zeroed storage with those must equal Runtime{}.
#include <gtest/gtest.h>

#include <cstring>

#include "ldso/runtime.hpp"

namespace {

constinit ldso::Runtime defaults;  // static: its padding is zero too
alignas(ldso::Runtime) unsigned char zeroed[sizeof(ldso::Runtime)];

TEST(RuntimeDefaults, ZeroedStorageWithNonZeroDefaultsIsRuntime) {
  auto& rt = *reinterpret_cast<ldso::Runtime*>(zeroed);
  ldso::set_nonzero_defaults(rt);
  EXPECT_STREQ(rt.program_name, defaults.program_name);
  rt.program_name = defaults.program_name;  // the same text, maybe not the same address
  EXPECT_EQ(0, std::memcmp(zeroed, &defaults, sizeof zeroed));
}

}  // namespace
