// The porting interface of the core loader. Everything rtld needs from the world goes
// through these functions; one implementation is linked in (platform_linux.cpp on raw
// system calls, or a test double). Errors are negative errno values, as the kernel returns.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rtld::platform {

enum Prot : int { kNone = 0, kRead = 1, kWrite = 2, kExec = 4 };

// Memory. Results that are addresses come back as intptr_t; a value in [-4095, -1] is -errno.
intptr_t reserve(uintptr_t hint, size_t length);  // inaccessible, private, anywhere (hint only)
// At `addr` (replacing what is there), or anywhere when `addr` is 0.
intptr_t map_file(uintptr_t addr, size_t length, int prot, int fd, uint64_t offset);
intptr_t map_zero(uintptr_t addr, size_t length, int prot);  // anonymous, zero-filled
int protect(uintptr_t addr, size_t length, int prot);
int unmap(uintptr_t addr, size_t length);

// Files, read only.
struct FileId {
  uint64_t device = 0, inode = 0, size = 0;
  uint64_t changed = 0;  // status change time (ns): any write or metadata change moves it
  bool is_directory = false;
};
int open(const char* path);  // fd or -errno
int identify(int fd, FileId* out);
int identify_path(const char* path, FileId* out);  // as identify(open(path)), without opening it
intptr_t read_at(int fd, void* buffer, size_t length, uint64_t offset);  // bytes or -errno
void close(int fd);

// The time of day in nanoseconds (the clock that files' change times are taken from; coarse).
uint64_t time_of_day();
// clock_gettime without a system call: the vDSO's, once the loader has found it.
void use_clock_gettime(int (*clock_gettime)(int clock, void* time));

// Lets other threads run (a wait for them to leave a look-up).
void yield();

// The current working directory into buf (NUL-terminated); its length or -errno.
intptr_t current_directory(char* buf, size_t size);

// Diagnostics go to standard error (or the test double's buffer).
void write_error(const char* text, size_t length);

size_t page_size();

inline bool is_error(intptr_t r) { return r < 0 && r > -4096; }

}  // namespace rtld::platform
