#include "ldcache.hpp"

#include "arch/machine.hpp"
#include "platform.hpp"
#include "string.hpp"

namespace rtld {
namespace {
constexpr char kMagic[] = "glibc-ld.so.cache1.1";  // 17 bytes of magic, 3 of version
constexpr size_t kHeaderSize = 48;
constexpr int32_t kTypeMask = 0xff, kElfLibc6 = 3, kRequiredMask = 0xff00;
// The order ldconfig sorts the cache in (descending): digit runs compare as numbers, and a
// digit sorts after any other character.
int compare_names(const char* a, const char* b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // The common prefix first, quickly: up to it both strings sort alike (its digit runs are the
  // same numbers), except a digit run that goes on past it, compared from its start.
  const char* const start = a;
  while (*a && *a == *b) ++a, ++b;
  while (a != start && digit(a[-1])) --a, --b;
  while (*a) {
    if (digit(*a)) {
      if (!digit(*b)) return 1;
      unsigned long x = 0, y = 0;
      while (digit(*a)) x = x * 10 + static_cast<unsigned>(*a++ - '0');
      while (digit(*b)) y = y * 10 + static_cast<unsigned>(*b++ - '0');
      if (x != y) return x < y ? -1 : 1;
    } else if (digit(*b)) {
      return -1;
    } else if (*a != *b) {
      return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
    } else {
      ++a, ++b;
    }
  }
  return -static_cast<unsigned char>(*b);
}

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
  // Strings are read up to their NUL: one starting in the file must end in the mapping. Past
  // the end of the file the last page reads as zeros; a file that fills its last page has its
  // strings counted only up to its last NUL (ldconfig ends the file with a string of its own).
  if (size_ % platform::page_size() == 0)
    while (size_ > kHeaderSize && d[size_ - 1] != '\0') --size_;
  count_ = n;
  entries_ = reinterpret_cast<const Entry*>(d + kHeaderSize);
  return true;
}

const char* LdCache::lookup(const char* name) const {
  // Binary search for the first entry with this name, then the first usable one among them.
  uint32_t lo = 0, hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const Entry& e = entries_[mid];
    int c = e.key < size_ ? compare_names(name, data_ + e.key) : 1;
    if (c < 0) lo = mid + 1;  // the cache is sorted in descending order
    else hi = mid;
  }
  for (uint32_t i = lo; i < count_; ++i) {
    const Entry& e = entries_[i];
    if (e.key >= size_ || !str_eq(data_ + e.key, name)) break;
    if ((e.flags & kTypeMask) != kElfLibc6 || (e.flags & kRequiredMask) != arch::kLdCacheFlags)
      continue;
    if (e.hwcap != 0) continue;  // glibc-hwcaps subdirectory entries
    if (e.value >= size_) continue;
    return data_ + e.value;
  }
  return nullptr;
}

}  // namespace rtld
