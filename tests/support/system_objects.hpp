// The objects mapped into this process, as dl_iterate_phdr reports them. A separate file
// because <link.h> (through <elf.h>) defines macros that collide with rtld/elf.hpp's names.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace testing_support {

struct SystemObject {
  std::string name;   // "" for the main program
  uintptr_t bias;     // dlpi_addr
  const void* phdr;   // dlpi_phdr
  size_t phnum;
};
std::vector<SystemObject> system_objects();

}  // namespace testing_support
