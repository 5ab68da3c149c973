#include "dynamic.hpp"

namespace rtld {
namespace {

struct Bounds {
  uintptr_t lo, hi;
  bool contains(uintptr_t addr, size_t len) const {
    return addr >= lo && addr <= hi && len <= hi - addr;
  }
};

template <class T>
bool set_table(Table<T>& t, uintptr_t addr, size_t bytes, const Bounds& b) {
  if (!addr && !bytes) return true;
  if (!b.contains(addr, bytes)) return false;
  t.data = reinterpret_cast<const T*>(addr);
  t.count = bytes / sizeof(T);
  return true;
}

}  // namespace

bool decode_dynamic(Diagnostics& diag, const char* name, const elf::Dyn* dyn, size_t count,
                    uintptr_t bias, uintptr_t span_start, uintptr_t span_end, DynamicInfo& out) {
  using namespace elf;
  out = DynamicInfo{};
  Bounds b{span_start, span_end};
  uintptr_t rela = 0, rel = 0, relr = 0, jmprel = 0, init_array = 0, fini_array = 0,
            preinit_array = 0;
  size_t relasz = 0, relsz = 0, relrsz = 0, pltrelsz = 0, init_arraysz = 0, fini_arraysz = 0,
         preinit_arraysz = 0;
  int64_t pltrel = DT_RELA;
  for (size_t i = 0; i < count && dyn[i].d_tag != DT_NULL; ++i) {
    auto v = dyn[i].d_val;
    uintptr_t p = bias + v;
    switch (dyn[i].d_tag) {
      case DT_NEEDED: ++out.needed_count; break;
      case DT_PLTRELSZ: pltrelsz = v; break;
      case DT_PLTGOT: out.pltgot = p; break;
      case DT_HASH: out.sysv_hash = reinterpret_cast<const uint32_t*>(p); break;
      case DT_GNU_HASH: out.gnu_hash = reinterpret_cast<const uint32_t*>(p); break;
      case DT_STRTAB: out.strtab = reinterpret_cast<const char*>(p); break;
      case DT_STRSZ: out.strsz = v; break;
      case DT_SYMTAB: out.symtab = reinterpret_cast<const Sym*>(p); break;
      case DT_SYMENT:
        if (v != sizeof(Sym)) return diag.fail(name, "unexpected DT_SYMENT");
        break;
      case DT_RELA: rela = p; break;
      case DT_RELASZ: relasz = v; break;
      case DT_RELAENT:
        if (v != sizeof(Rela)) return diag.fail(name, "unexpected DT_RELAENT");
        break;
      case DT_REL: rel = p; break;
      case DT_RELSZ: relsz = v; break;
      case DT_RELENT:
        if (v != sizeof(Rel)) return diag.fail(name, "unexpected DT_RELENT");
        break;
      case DT_RELR: relr = p; break;
      case DT_RELRSZ: relrsz = v; break;
      case DT_RELRENT:
        if (v != sizeof(Relr)) return diag.fail(name, "unexpected DT_RELRENT");
        break;
      case DT_RELACOUNT:
      case DT_RELCOUNT: out.relative_count = v; break;
      case DT_JMPREL: jmprel = p; break;
      case DT_PLTREL: pltrel = static_cast<int64_t>(v); break;
      case DT_INIT: out.init = p; break;
      case DT_FINI: out.fini = p; break;
      case DT_INIT_ARRAY: init_array = p; break;
      case DT_INIT_ARRAYSZ: init_arraysz = v; break;
      case DT_FINI_ARRAY: fini_array = p; break;
      case DT_FINI_ARRAYSZ: fini_arraysz = v; break;
      case DT_PREINIT_ARRAY: preinit_array = p; break;
      case DT_PREINIT_ARRAYSZ: preinit_arraysz = v; break;
      case DT_SONAME: out.soname = static_cast<uint32_t>(v), out.has_soname = true; break;
      case DT_RPATH: out.rpath = static_cast<uint32_t>(v), out.has_rpath = true; break;
      case DT_RUNPATH: out.runpath = static_cast<uint32_t>(v), out.has_runpath = true; break;
      case DT_SYMBOLIC: out.symbolic = true; break;
      case DT_TEXTREL: out.textrel = true; break;
      case DT_BIND_NOW: out.bind_now = true; break;
      case DT_FLAGS: out.flags = v; break;
      case DT_FLAGS_1: out.flags_1 = v; break;
      case DT_DEBUG: out.debug = const_cast<Dyn*>(&dyn[i]); break;
      case DT_VERSYM: out.versym = reinterpret_cast<const uint16_t*>(p); break;
      case DT_VERDEF: out.verdef = reinterpret_cast<const Verdef*>(p); break;
      case DT_VERDEFNUM: out.verdefnum = v; break;
      case DT_VERNEED: out.verneed = reinterpret_cast<const Verneed*>(p); break;
      case DT_VERNEEDNUM: out.verneednum = v; break;
      default: break;
    }
  }
  if (out.flags & DF_SYMBOLIC) out.symbolic = true;
  if (out.flags & DF_TEXTREL) out.textrel = true;
  if ((out.flags & DF_BIND_NOW) || (out.flags_1 & DF_1_NOW)) out.bind_now = true;

  const char* bad = nullptr;
  if (out.strtab && !b.contains(reinterpret_cast<uintptr_t>(out.strtab), out.strsz)) bad = "DT_STRTAB";
  else if (out.symtab && !b.contains(reinterpret_cast<uintptr_t>(out.symtab), sizeof(Sym))) bad = "DT_SYMTAB";
  else if (out.sysv_hash && !b.contains(reinterpret_cast<uintptr_t>(out.sysv_hash), 8)) bad = "DT_HASH";
  else if (out.gnu_hash && !b.contains(reinterpret_cast<uintptr_t>(out.gnu_hash), 16)) bad = "DT_GNU_HASH";
  else if (!set_table(out.rela, rela, relasz, b)) bad = "DT_RELA";
  else if (!set_table(out.rel, rel, relsz, b)) bad = "DT_REL";
  else if (!set_table(out.relr, relr, relrsz, b)) bad = "DT_RELR";
  else if (pltrel == DT_RELA ? !set_table(out.plt_rela, jmprel, pltrelsz, b)
                             : !set_table(out.plt_rel, jmprel, pltrelsz, b)) bad = "DT_JMPREL";
  else if (!set_table(out.init_array, init_array, init_arraysz, b)) bad = "DT_INIT_ARRAY";
  else if (!set_table(out.fini_array, fini_array, fini_arraysz, b)) bad = "DT_FINI_ARRAY";
  else if (!set_table(out.preinit_array, preinit_array, preinit_arraysz, b)) bad = "DT_PREINIT_ARRAY";
  else if (out.versym && !b.contains(reinterpret_cast<uintptr_t>(out.versym), 2)) bad = "DT_VERSYM";
  else if (out.verdef && !b.contains(reinterpret_cast<uintptr_t>(out.verdef), sizeof(Verdef))) bad = "DT_VERDEF";
  else if (out.verneed && !b.contains(reinterpret_cast<uintptr_t>(out.verneed), sizeof(Verneed))) bad = "DT_VERNEED";
  else if (out.init && !b.contains(out.init, 1)) bad = "DT_INIT";
  else if (out.fini && !b.contains(out.fini, 1)) bad = "DT_FINI";
  else if (pltrel != DT_RELA && pltrel != DT_REL) bad = "DT_PLTREL";
  if (!bad && out.strsz && !out.strtab) bad = "DT_STRTAB";
  if (!bad && (out.sysv_hash || out.gnu_hash) && !out.symtab) bad = "DT_SYMTAB";
  if (bad) return diag.fail(name, "dynamic entry points outside the object", bad);
  if ((out.soname && out.soname >= out.strsz) || (out.rpath && out.rpath >= out.strsz) ||
      (out.runpath && out.runpath >= out.strsz))
    return diag.fail(name, "dynamic entry points outside the object", "string table offset");
  if (out.needed_count && !out.strtab) return diag.fail(name, "DT_NEEDED without DT_STRTAB");
  return true;
}

}  // namespace rtld
