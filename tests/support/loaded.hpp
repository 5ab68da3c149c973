// An object loaded by rtld for a test: load_image (from a descriptor or from a buffer), then
// decode_dynamic and prepare_module, each step's result kept for the test to check. Also
// /proc/self/maps parsing for protection checks.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rtld/diagnostics.hpp"
#include "rtld/image.hpp"
#include "rtld/memory.hpp"
#include "rtld/module.hpp"
#include "rtld/symbols.hpp"

namespace testing_support {

enum class Source { kFd, kMemory };

struct Loaded {
  std::string path;
  std::vector<uint8_t> file;  // the whole file, as read by the test (independent of rtld)
  rtld::Arena arena;
  rtld::Diagnostics diag;
  rtld::Module module;
  bool loaded = false, decoded = false, prepared = false;

  Loaded() = default;
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;
  ~Loaded();

  rtld::Image& image() { return module.image; }
  uintptr_t bias() const { return module.image.bias; }
  // Sym by name in the object's own table via rtld, or nullptr.
  const rtld::elf::Sym* find(const char* name, const rtld::Version* want = nullptr,
                             unsigned flags = rtld::kLookupDefault) const;
  // A version of this object's version table by name (for versioned lookups), or nullptr.
  const rtld::Version* version(const char* name) const;
  // Address of a symbol's definition (bias + st_value).
  template <class T>
  T* address(const rtld::elf::Sym* s) const {
    return reinterpret_cast<T*>(module.image.bias + s->st_value);
  }
};

// Loads `path` through rtld: load_image, decode_dynamic, prepare_module; stops at the first
// failing step (see the flags and diag).
std::unique_ptr<Loaded> load(const std::string& path, Source source);

// A version to ask for by name, as a reference in another object would carry it.
rtld::Version make_version(const char* name, bool hidden = false);

struct MapEntry {
  uintptr_t start = 0, end = 0;
  std::string perms;  // "r-xp"
  std::string path;
};
std::vector<MapEntry> read_maps();

// Empty when every byte of [start, end) is mapped with exactly `rwx` ("r-x", "rw-", ...);
// otherwise a description of the first mismatch.
std::string check_protection(const std::vector<MapEntry>& maps, uintptr_t start, uintptr_t end,
                             const std::string& rwx);

std::string perms_for(uint32_t p_flags);  // PF_* -> "r-x" style

}  // namespace testing_support
