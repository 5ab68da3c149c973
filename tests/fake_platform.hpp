// A test double of rtld::platform (link tests/fake_platform.cpp instead of
// rtld/platform_linux.cpp).
//
//  - Files come from an in-memory table the test fills (path -> bytes); descriptors are small
//    numbers from 100 up. read_at can be made to return short reads, EINTR once, or an error.
//  - Memory operations are real (mmap/mprotect/munmap), but every call is recorded with its
//    arguments and result, and any one of them can be made to fail with a chosen errno.
//  - The fake keeps a page map of the memory it handed out. A fixed mapping outside that memory
//    is not allowed to replace anything (MAP_FIXED_NOREPLACE), and unmap only ever releases
//    pages the fake mapped; the rest is recorded as a violation instead of being done. A buggy
//    loader therefore cannot destroy the test process, and the test can see what it tried.
//  - write_error appends to a string.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rtld/platform.hpp"

namespace fake {

enum class Op { kReserve, kMapFile, kMapZero, kProtect, kUnmap };
const char* op_name(Op op);

struct Call {
  Op op;
  uintptr_t addr = 0;
  size_t length = 0;
  int prot = 0;  // rtld::platform::Prot bits (reserve: kNone)
  int fd = -1;
  uint64_t offset = 0;
  intptr_t result = 0;  // what the fake returned (address, 0 or -errno)
  bool injected = false;  // the failure was injected by the test
};

// Forgets files, calls, violations, the error text and injected failures. Pages handed out stay
// mapped (and tracked) so that tests can still unmap them.
void reset();

void add_file(const std::string& path, std::vector<uint8_t> bytes);
void add_directory(const std::string& path);
int open_descriptors();  // opened and not yet closed

const std::vector<Call>& calls();
std::vector<Call> calls_of(Op op);
void clear_calls();

// The n-th memory call from now (0-based, counting every Op, or only `only` if given) fails
// with -err without doing anything.
void fail_memory_call(size_t n, int err, std::optional<Op> only = std::nullopt);

// Reads: at most `chunk` bytes per call (0: unlimited); the next read fails with -EINTR once;
// every read fails with -err (0: no failure).
void set_read_chunk(size_t chunk);
void set_eintr_once();
void set_read_error(int err);

// Text passed to write_error.
const std::string& error_output();

// Memory the fake handed out and has not taken back: page address -> prot.
const std::map<uintptr_t, int>& live_pages();
// Fixed mappings outside the fake's memory and unmaps of memory it never mapped.
const std::vector<std::string>& violations();

std::string describe(const Call& c);
std::string describe_calls();

}  // namespace fake
