#include <unistd.h>
#include <cerrno>
#include <cstring>
// The fake platform: see fake_platform.hpp.
#include "fake_platform.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>

namespace fake {
namespace {

constexpr size_t kPage = 4096;

struct File {
  std::vector<uint8_t> bytes;
  bool directory = false;
};

struct State {
  std::map<std::string, File> files;
  std::map<int, const File*> open;
  int next_fd = 100;
  std::vector<Call> calls;
  std::vector<std::string> violations;
  // Pages mapped from a file wholly past its end (SIGBUS if touched): a loader may map them
  // for a moment (glibc maps a whole object's span from its file first), but none may remain
  // once loading is done (until something else is mapped there, they count as violations).
  std::set<uintptr_t> past_eof;
  std::string errors;
  std::map<uintptr_t, int> pages;
  // Injection.
  bool armed = false;
  size_t countdown = 0;
  int err = 0;
  std::optional<Op> only;
  size_t read_chunk = 0;
  bool eintr_once = false;
  int read_error = 0;
};

State& S() {
  static State* s = new State;  // never destroyed: usable from any destructor
  return *s;
}

int linux_prot(int prot) {
  return ((prot & rtld::platform::kRead) ? PROT_READ : 0) |
         ((prot & rtld::platform::kWrite) ? PROT_WRITE : 0) |
         ((prot & rtld::platform::kExec) ? PROT_EXEC : 0);
}

// Whether this call is the one to fail; counts the call either way.
bool inject(Op op) {
  State& s = S();
  if (!s.armed || (s.only && *s.only != op)) return false;
  if (s.countdown > 0) {
    --s.countdown;
    return false;
  }
  s.armed = false;
  return true;
}

intptr_t record(Call c) {
  S().calls.push_back(c);
  return c.result;
}

bool all_tracked(uintptr_t addr, size_t len) {
  for (uintptr_t p = addr; p < addr + len; p += kPage)
    if (!S().pages.count(p)) return false;
  return true;
}

// A new mapping (or an unmapping) of [addr, addr + len): no page of it is past a file's end now.
void replaced(uintptr_t addr, size_t len) {
  auto& p = S().past_eof;
  p.erase(p.lower_bound(addr), p.lower_bound(addr + len));
}

void track(uintptr_t addr, size_t len, int prot) {
  for (uintptr_t p = addr; p < addr + len; p += kPage) S().pages[p] = prot;
}

std::string hex(uintptr_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

// A fixed anonymous read-write mapping at addr that may replace only the fake's own memory:
// pages it does not own must be free (MAP_FIXED_NOREPLACE), else the call fails with -EEXIST and
// a violation is recorded.
intptr_t fixed_anonymous(uintptr_t addr, size_t len, const char* what) {
  if (addr + len < addr) return -EINVAL;
  std::vector<uintptr_t> claimed;
  for (uintptr_t p = addr; p < addr + len; p += kPage) {
    if (S().pages.count(p)) continue;
    void* r = mmap(reinterpret_cast<void*>(p), kPage, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (r == MAP_FAILED || reinterpret_cast<uintptr_t>(r) != p) {
      int e = r == MAP_FAILED ? errno : EEXIST;
      if (r != MAP_FAILED) munmap(r, kPage);
      for (uintptr_t c : claimed) munmap(reinterpret_cast<void*>(c), kPage);
      if (e == EEXIST)
        S().violations.push_back(std::string(what) + " at " + hex(addr) + " length " + hex(len) +
                                 " would replace memory the fake did not hand out (" + hex(p) +
                                 ")");
      return -e;
    }
    claimed.push_back(p);
  }
  void* r = mmap(reinterpret_cast<void*>(addr), len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (r == MAP_FAILED) return -errno;
  return static_cast<intptr_t>(addr);
}

bool page_aligned(uintptr_t v) { return (v & (kPage - 1)) == 0; }
size_t round_up(size_t v) { return (v + kPage - 1) & ~(kPage - 1); }

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::kReserve: return "reserve";
    case Op::kMapFile: return "map_file";
    case Op::kMapZero: return "map_zero";
    case Op::kProtect: return "protect";
    case Op::kUnmap: return "unmap";
  }
  return "?";
}

void reset() {
  State& s = S();
  s.files.clear();
  s.open.clear();
  s.calls.clear();
  s.violations.clear();
  s.past_eof.clear();
  s.errors.clear();
  s.armed = false;
  s.read_chunk = 0;
  s.eintr_once = false;
  s.read_error = 0;
}

void add_file(const std::string& path, std::vector<uint8_t> bytes) {
  S().files[path] = File{std::move(bytes), false};
}
void add_directory(const std::string& path) { S().files[path] = File{{}, true}; }
int open_descriptors() { return static_cast<int>(S().open.size()); }

const std::vector<Call>& calls() { return S().calls; }
std::vector<Call> calls_of(Op op) {
  std::vector<Call> out;
  for (const Call& c : S().calls)
    if (c.op == op) out.push_back(c);
  return out;
}
void clear_calls() { S().calls.clear(); }

void fail_memory_call(size_t n, int err, std::optional<Op> only) {
  State& s = S();
  s.armed = true;
  s.countdown = n;
  s.err = err;
  s.only = only;
}

void set_read_chunk(size_t chunk) { S().read_chunk = chunk; }
void set_eintr_once() { S().eintr_once = true; }
void set_read_error(int err) { S().read_error = err; }
const std::string& error_output() { return S().errors; }
const std::map<uintptr_t, int>& live_pages() { return S().pages; }
const std::vector<std::string>& violations() {
  State& s = S();
  if (!s.past_eof.empty()) {
    s.violations.push_back("map_file left whole pages past the end of the file mapped at " + hex(*s.past_eof.begin()));
    s.past_eof.clear();
  }
  return s.violations;
}

std::string describe(const Call& c) {
  std::ostringstream o;
  o << op_name(c.op) << "(" << hex(c.addr) << ", " << hex(c.length);
  if (c.op != Op::kUnmap) o << ", prot " << c.prot;
  if (c.op == Op::kMapFile) o << ", fd " << c.fd << ", offset " << hex(c.offset);
  o << ") = ";
  if (c.result < 0 && c.result > -4096)
    o << "-" << -c.result << (c.injected ? " (injected)" : "");
  else
    o << hex(static_cast<uintptr_t>(c.result));
  return o.str();
}

std::string describe_calls() {
  std::string s;
  for (const Call& c : S().calls) s += describe(c) + "\n";
  return s;
}

}  // namespace fake

namespace rtld::platform {

using fake::Call;
using fake::Op;

intptr_t reserve(uintptr_t hint, size_t length) {
  Call c{Op::kReserve, hint, length, kNone};
  if (fake::inject(Op::kReserve)) {
    c.result = -fake::S().err, c.injected = true;
    return fake::record(c);
  }
  if (length == 0) {
    c.result = -EINVAL;
    return fake::record(c);
  }
  void* r = mmap(reinterpret_cast<void*>(hint), length, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) {
    c.result = -errno;
    return fake::record(c);
  }
  c.result = reinterpret_cast<intptr_t>(r);
  fake::track(reinterpret_cast<uintptr_t>(r), fake::round_up(length), kNone);
  return fake::record(c);
}

intptr_t map_file(uintptr_t addr, size_t length, int prot, int fd, uint64_t offset) {
  Call c{Op::kMapFile, addr, length, prot, fd, offset};
  if (fake::inject(Op::kMapFile)) {
    c.result = -fake::S().err, c.injected = true;
    return fake::record(c);
  }
  auto it = fake::S().open.find(fd);
  if (it == fake::S().open.end()) {
    c.result = -EBADF;
    return fake::record(c);
  }
  const fake::File& f = *it->second;
  if (f.directory) {
    c.result = -ENODEV;
    return fake::record(c);
  }
  if (length == 0 || !fake::page_aligned(addr) || !fake::page_aligned(offset)) {
    c.result = -EINVAL;
    return fake::record(c);
  }
  intptr_t r;
  if (addr == 0) {  // anywhere, with an inaccessible page after it: a read past the mapping
                    // faults at once, whatever the kernel happened to place there
    const size_t span = fake::round_up(length);
    void* p = mmap(nullptr, span + fake::kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    r = p == MAP_FAILED ? -errno : reinterpret_cast<intptr_t>(p);
    if (r > 0) {
      addr = static_cast<uintptr_t>(r);
      mprotect(reinterpret_cast<char*>(p) + span, fake::kPage, PROT_NONE);
    }
  } else {
    r = fake::fixed_anonymous(addr, length, "map_file");
  }
  if (r < 0) {
    c.result = r;
    return fake::record(c);
  }
  if (offset < f.bytes.size()) {
    size_t n = std::min<uint64_t>(length, f.bytes.size() - offset);
    std::memcpy(reinterpret_cast<void*>(addr), f.bytes.data() + offset, n);
  }
  mprotect(reinterpret_cast<void*>(addr), length, fake::linux_prot(prot));
  fake::replaced(addr, fake::round_up(length));
  fake::track(addr, fake::round_up(length), prot);
  // Pages wholly past the end of the file would raise SIGBUS when touched.
  uint64_t file_pages = fake::round_up(f.bytes.size());
  for (uint64_t o = offset; o < offset + fake::round_up(length); o += fake::kPage)
    if (o >= file_pages) fake::S().past_eof.insert(addr + (o - offset));
  c.result = r;
  return fake::record(c);
}

intptr_t map_zero(uintptr_t addr, size_t length, int prot) {
  Call c{Op::kMapZero, addr, length, prot};
  if (fake::inject(Op::kMapZero)) {
    c.result = -fake::S().err, c.injected = true;
    return fake::record(c);
  }
  if (length == 0 || !fake::page_aligned(addr)) {
    c.result = -EINVAL;
    return fake::record(c);
  }
  intptr_t r;
  if (addr == 0) {
    void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = p == MAP_FAILED ? -errno : reinterpret_cast<intptr_t>(p);
  } else {
    r = fake::fixed_anonymous(addr, length, "map_zero");
  }
  if (r < 0) {
    c.result = r;
    return fake::record(c);
  }
  mprotect(reinterpret_cast<void*>(r), length, fake::linux_prot(prot));
  fake::replaced(static_cast<uintptr_t>(r), fake::round_up(length));
  fake::track(static_cast<uintptr_t>(r), fake::round_up(length), prot);
  c.result = r;
  return fake::record(c);
}

int protect(uintptr_t addr, size_t length, int prot) {
  Call c{Op::kProtect, addr, length, prot};
  if (fake::inject(Op::kProtect)) {
    c.result = -fake::S().err, c.injected = true;
    return static_cast<int>(fake::record(c));
  }
  if (!fake::page_aligned(addr)) {
    c.result = -EINVAL;
    return static_cast<int>(fake::record(c));
  }
  size_t len = fake::round_up(length);
  if (!fake::all_tracked(addr, len)) {
    fake::S().violations.push_back("protect of memory the fake did not hand out at " +
                                   fake::hex(addr));
    c.result = -ENOMEM;
    return static_cast<int>(fake::record(c));
  }
  c.result = mprotect(reinterpret_cast<void*>(addr), len, fake::linux_prot(prot)) == 0 ? 0 : -errno;
  if (c.result == 0) fake::track(addr, len, prot);
  return static_cast<int>(fake::record(c));
}

int unmap(uintptr_t addr, size_t length) {
  Call c{Op::kUnmap, addr, length, 0};
  if (fake::inject(Op::kUnmap)) {
    c.result = -fake::S().err, c.injected = true;
    return static_cast<int>(fake::record(c));
  }
  if (length == 0 || !fake::page_aligned(addr) || addr + length < addr) {
    c.result = -EINVAL;
    return static_cast<int>(fake::record(c));
  }
  // Only ever release the fake's own memory: a request that covers anything else is recorded
  // as a violation and not carried out at all (a real munmap would take the test process's
  // own mappings with it).
  auto& pages = fake::S().pages;
  uintptr_t end = addr + fake::round_up(length);
  if (end < addr) end = ~uintptr_t{fake::kPage - 1};  // the rounding wrapped
  size_t asked = (end - addr) / fake::kPage, owned = 0;
  for (auto it = pages.lower_bound(addr); it != pages.end() && it->first < end; ++it) ++owned;
  if (owned < asked) {
    fake::S().violations.push_back("unmap(" + fake::hex(addr) + ", " + fake::hex(length) +
                                   ") covers " + std::to_string(asked - owned) +
                                   " pages the fake did not hand out; not done");
    c.result = 0;
    return static_cast<int>(fake::record(c));
  }
  for (auto it = pages.lower_bound(addr); it != pages.end() && it->first < end;) {
    munmap(reinterpret_cast<void*>(it->first), fake::kPage);
    it = pages.erase(it);
  }
  fake::replaced(addr, end - addr);
  c.result = 0;
  return static_cast<int>(fake::record(c));
}

int open(const char* path) {
  auto it = fake::S().files.find(path);
  if (it == fake::S().files.end()) return -ENOENT;
  int fd = fake::S().next_fd++;
  fake::S().open[fd] = &it->second;
  return fd;
}

int identify(int fd, FileId* out) {
  auto it = fake::S().open.find(fd);
  if (it == fake::S().open.end()) return -EBADF;
  out->device = 0xfa4e;
  out->inode = static_cast<uint64_t>(fd);
  out->size = it->second->bytes.size();
  out->is_directory = it->second->directory;
  return 0;
}

uint64_t time_of_day() { return uint64_t{1} << 62; }
void use_clock_gettime(int (*)(int, void*)) {}
void yield() {}

int identify_path(const char* path, FileId* out) {
  int fd = open(path);
  if (fd < 0) return fd;
  int r = identify(fd, out);
  close(fd);
  return r;
}

intptr_t read_at(int fd, void* buffer, size_t length, uint64_t offset) {
  auto it = fake::S().open.find(fd);
  if (it == fake::S().open.end()) return -EBADF;
  if (it->second->directory) return -EISDIR;
  if (fake::S().read_error) return -fake::S().read_error;
  if (fake::S().eintr_once) {
    fake::S().eintr_once = false;
    return -EINTR;
  }
  const std::vector<uint8_t>& b = it->second->bytes;
  if (offset >= b.size()) return 0;
  size_t n = std::min<uint64_t>(length, b.size() - offset);
  if (fake::S().read_chunk && n > fake::S().read_chunk) n = fake::S().read_chunk;
  std::memcpy(buffer, b.data() + offset, n);
  return static_cast<intptr_t>(n);
}

void close(int fd) { fake::S().open.erase(fd); }

void write_error(const char* text, size_t length) { fake::S().errors.append(text, length); }

intptr_t current_directory(char* buf, size_t size) {
  if (!::getcwd(buf, size)) return -errno;
  return static_cast<intptr_t>(std::strlen(buf));
}

size_t page_size() { return fake::kPage; }

}  // namespace rtld::platform
