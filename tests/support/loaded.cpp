#include "support/loaded.hpp"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "rtld/platform.hpp"
#include "support/files.hpp"

namespace testing_support {

Loaded::~Loaded() {
  if (loaded) rtld::unmap_image(module.image);
}

const rtld::elf::Sym* Loaded::find(const char* name, const rtld::Version* want,
                                   unsigned flags) const {
  rtld::SymbolName n(name);
  return rtld::find_in_module(module, n, want, flags);
}

const rtld::Version* Loaded::version(const char* name) const {
  for (size_t i = 0; i < module.version_count; ++i)
    if (module.versions[i].name && std::string(module.versions[i].name) == name)
      return &module.versions[i];
  return nullptr;
}

std::unique_ptr<Loaded> load(const std::string& path, Source source) {
  auto l = std::make_unique<Loaded>();
  l->path = path;
  l->file = read_file(path);
  l->module.path = l->path.c_str();
  rtld::ImageSource src;
  int fd = -1;
  if (source == Source::kFd) {
    fd = rtld::platform::open(path.c_str());
    if (fd < 0) {
      l->diag.fail(path.c_str(), "test: open failed");
      return l;
    }
    rtld::platform::FileId id;
    if (rtld::platform::identify(fd, &id) != 0) {
      rtld::platform::close(fd);
      l->diag.fail(path.c_str(), "test: identify failed");
      return l;
    }
    src.fd = fd;
    src.size = id.size;
  } else {
    src.bytes = l->file.data();
    src.size = l->file.size();
  }
  l->loaded = rtld::load_image(l->diag, l->arena, path.c_str(), src, l->module.image);
  if (fd >= 0) rtld::platform::close(fd);  // the mappings stay valid without the descriptor
  if (!l->loaded) return l;
  rtld::Image& im = l->module.image;
  l->decoded = im.dynamic && rtld::decode_dynamic(l->diag, path.c_str(), im.dynamic,
                                                  im.dynamic_count, im.bias, im.start,
                                                  im.start + im.size, l->module.dyn);
  if (!l->decoded) return l;
  l->prepared = rtld::prepare_module(l->diag, l->arena, l->module);
  return l;
}

rtld::Version make_version(const char* name, bool hidden) {
  rtld::Version v;
  v.name = name;
  v.hash = rtld::sysv_hash(name);
  v.hidden = hidden;
  return v;
}

std::vector<MapEntry> read_maps() {
  std::vector<MapEntry> out;
  std::ifstream in("/proc/self/maps");
  std::string line;
  while (std::getline(in, line)) {
    MapEntry e;
    unsigned long long a = 0, b = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %7s", &a, &b, perms) != 3) continue;
    e.start = a, e.end = b, e.perms = perms;
    auto slash = line.find('/');
    if (slash != std::string::npos) e.path = line.substr(slash);
    out.push_back(e);
  }
  return out;
}

std::string check_protection(const std::vector<MapEntry>& maps, uintptr_t start, uintptr_t end,
                             const std::string& rwx) {
  uintptr_t at = start;
  for (const MapEntry& e : maps) {
    if (e.end <= at || e.start > at) continue;
    if (e.perms.substr(0, 3) != rwx) {
      std::ostringstream s;
      s << std::hex << "0x" << at << " is " << e.perms << " (mapping 0x" << e.start << "-0x"
        << e.end << "), expected " << rwx;
      return s.str();
    }
    at = e.end;
    if (at >= end) return {};
  }
  std::ostringstream s;
  s << std::hex << "0x" << at << " not mapped (range 0x" << start << "-0x" << end << ")";
  return s.str();
}

std::string perms_for(uint32_t f) {
  std::string s;
  s += (f & rtld::elf::PF_R) ? 'r' : '-';
  s += (f & rtld::elf::PF_W) ? 'w' : '-';
  s += (f & rtld::elf::PF_X) ? 'x' : '-';
  return s;
}

}  // namespace testing_support
