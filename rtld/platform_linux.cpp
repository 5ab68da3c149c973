// rtld's platform interface on raw Linux system calls.
#include "platform.hpp"

#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/stat.h>

#include "arch/syscall.hpp"

namespace rtld::platform {
namespace {
long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return arch::syscall6(n, a, b, c, d, e, f);
}
int to_linux_prot(int prot) {
  return ((prot & kRead) ? PROT_READ : 0) | ((prot & kWrite) ? PROT_WRITE : 0) |
         ((prot & kExec) ? PROT_EXEC : 0);
}
constexpr long kAtFdcwd = -100;
}  // namespace

intptr_t reserve(uintptr_t hint, size_t length) {
  return sys(__NR_mmap, static_cast<long>(hint), static_cast<long>(length), PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
intptr_t map_file(uintptr_t addr, size_t length, int prot, int fd, uint64_t offset) {
  return sys(__NR_mmap, static_cast<long>(addr), static_cast<long>(length), to_linux_prot(prot),
             MAP_PRIVATE | (addr ? MAP_FIXED : 0), fd, static_cast<long>(offset));
}
intptr_t map_zero(uintptr_t addr, size_t length, int prot) {
  long flags = MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED : 0);
  return sys(__NR_mmap, static_cast<long>(addr), static_cast<long>(length), to_linux_prot(prot),
             flags, -1, 0);
}
int protect(uintptr_t addr, size_t length, int prot) {
  return static_cast<int>(
      sys(__NR_mprotect, static_cast<long>(addr), static_cast<long>(length), to_linux_prot(prot)));
}
int unmap(uintptr_t addr, size_t length) {
  return static_cast<int>(sys(__NR_munmap, static_cast<long>(addr), static_cast<long>(length)));
}

int open(const char* path) {
  return static_cast<int>(
      sys(__NR_openat, kAtFdcwd, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC));
}
namespace {
int file_status(int dirfd, const char* path, int flags, FileId* out) {
  struct statx sx;
  long r = sys(__NR_statx, dirfd, reinterpret_cast<long>(path), flags,
               STATX_TYPE | STATX_INO | STATX_SIZE | STATX_CTIME, reinterpret_cast<long>(&sx));
  if (r < 0) return static_cast<int>(r);
  out->device = (static_cast<uint64_t>(sx.stx_dev_major) << 32) | sx.stx_dev_minor;
  out->inode = sx.stx_ino;
  out->size = sx.stx_size;
  out->changed = static_cast<uint64_t>(sx.stx_ctime.tv_sec) * 1000000000u + sx.stx_ctime.tv_nsec;
  out->is_directory = (sx.stx_mode & 0170000) == 0040000;
  return 0;
}
}  // namespace

namespace {
int (*vdso_clock_gettime)(int, void*);
}  // namespace

void use_clock_gettime(int (*clock_gettime)(int, void*)) { vdso_clock_gettime = clock_gettime; }

uint64_t time_of_day() {
  struct {
    long tv_sec, tv_nsec;
  } t = {};
  if (vdso_clock_gettime)
    vdso_clock_gettime(5 /* CLOCK_REALTIME_COARSE */, &t);
  else
    sys(__NR_clock_gettime, 5, reinterpret_cast<long>(&t));
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

void yield() { sys(__NR_sched_yield); }

int identify(int fd, FileId* out) { return file_status(fd, "", 0x1000 /* AT_EMPTY_PATH */, out); }
int identify_path(const char* path, FileId* out) { return file_status(kAtFdcwd, path, 0, out); }
intptr_t read_at(int fd, void* buffer, size_t length, uint64_t offset) {
  return sys(__NR_pread64, fd, reinterpret_cast<long>(buffer), static_cast<long>(length),
             static_cast<long>(offset));
}
void close(int fd) { sys(__NR_close, fd); }

intptr_t current_directory(char* buf, size_t size) {
  long n = sys(__NR_getcwd, reinterpret_cast<long>(buf), static_cast<long>(size));
  return n < 0 ? n : n - 1;  // the kernel counts the terminating NUL
}

void write_error(const char* text, size_t length) {
  while (length > 0) {
    long n = sys(__NR_write, 2, reinterpret_cast<long>(text), static_cast<long>(length));
    if (n == -4 /* EINTR */) continue;
    if (n <= 0) return;
    text += n;
    length -= static_cast<size_t>(n);
  }
}

size_t page_size() { return 4096; }

}  // namespace rtld::platform
