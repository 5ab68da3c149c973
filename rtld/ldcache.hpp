// /etc/ld.so.cache in glibc's current format ("glibc-ld.so.cache1.1"), mapped once.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rtld {

class LdCache {
 public:
  // Maps the file; false (and an empty cache) when it is missing or not in a known format.
  bool open(const char* path);
  // The path the cache gives for a library name such as "libc.so.6", or nullptr.
  const char* lookup(const char* name) const;
  bool is_open() const { return entries_ != nullptr; }

 private:
  struct Entry {
    int32_t flags;
    uint32_t key, value;
    uint32_t os_version;
    uint64_t hwcap;
  };
  const char* data_ = nullptr;
  size_t size_ = 0;
  const Entry* entries_ = nullptr;
  uint32_t count_ = 0;
};

}  // namespace rtld
