#include "ldcache.hpp"

#include "arch/machine.hpp"
#include "platform.hpp"
#include "string.hpp"

namespace rtld {
namespace {
constexpr char kMagic[] = "glibc-ld.so.cache1.1";  // 17 bytes of magic, 3 of version
constexpr size_t kHeaderSize = 48;
constexpr int32_t kTypeMask = 0xff, kElfLibc6 = 3, kRequiredMask = 0xff00;
}  // namespace

bool LdCache::open(const char* path) {
  int fd = platform::open(path);
  if (fd < 0) return false;
  platform::FileId id;
  bool ok = platform::identify(fd, &id) == 0 && id.size >= kHeaderSize;
  intptr_t addr = ok ? platform::map_file(0, id.size, platform::kRead, fd, 0) : -1;
  platform::close(fd);
  if (!ok || platform::is_error(addr)) return false;
  const char* d = reinterpret_cast<const char*>(addr);
  uint32_t n;
  mem_copy(&n, d + 20, 4);
  if (!str_eq_n(d, kMagic, 20) || n > (id.size - kHeaderSize) / sizeof(Entry)) {
    platform::unmap(static_cast<uintptr_t>(addr), id.size);
    return false;
  }
  data_ = d;
  size_ = id.size;
  count_ = n;
  entries_ = reinterpret_cast<const Entry*>(d + kHeaderSize);
  return true;
}

const char* LdCache::lookup(const char* name) const {
  for (uint32_t i = 0; i < count_; ++i) {
    const Entry& e = entries_[i];
    if ((e.flags & kTypeMask) != kElfLibc6 || (e.flags & kRequiredMask) != arch::kLdCacheFlags)
      continue;
    if (e.hwcap != 0) continue;  // glibc-hwcaps subdirectory entries
    if (e.key >= size_ || e.value >= size_) continue;
    if (str_eq(data_ + e.key, name)) return data_ + e.value;
  }
  return nullptr;
}

}  // namespace rtld
