#include "module.hpp"

#include "readable.hpp"
#include "string.hpp"

namespace rtld {
namespace {

// The largest of n values (prepare_hashes' fallback, for tables laid out otherwise).
uint32_t max_of(const uint32_t* v, size_t n) {
  uint32_t m = 0;
  for (size_t i = 0; i < n; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

bool prepare_hashes(Diagnostics& diag, Module& m) {
  const char* name = m.path;
  Readable readable(&m.image);
  auto inside = [&](const void* p, size_t len) { return readable.holds(p, len); };
  if (const uint32_t* h = m.dyn.gnu_hash) {
    if (!inside(h, 16)) return diag.fail(name, "invalid DT_GNU_HASH table");
    GnuHash& g = m.gnu;
    const uint32_t bloom_size = h[2];
    g.nbuckets = h[0], g.symoffset = h[1], g.bloom_mask = bloom_size - 1, g.bloom_shift = h[3];
    if (g.nbuckets == 0 || bloom_size == 0 || (bloom_size & (bloom_size - 1)))
      return diag.fail(name, "invalid DT_GNU_HASH table");
    g.bloom = reinterpret_cast<const uintptr_t*>(h + 4);
    g.buckets = reinterpret_cast<const uint32_t*>(g.bloom + bloom_size);
    g.chain = g.buckets + g.nbuckets;
    if (!inside(g.bloom, (size_t{bloom_size} * sizeof(uintptr_t)) + size_t{g.nbuckets} * 4u))
      return diag.fail(name, "invalid DT_GNU_HASH table");
    // none_ahead_defines asks filters with bit 0 of a hash unknown, which a shift of 0 (no linker
    // writes one) would make the second bit depend on: such a filter is not used.
    if (g.bloom_shift == 0) g.bloom = &kBloomPassAll, g.bloom_mask = 0;
    // Symbol count: past the last chain that any bucket starts. Linkers lay the chains out in
    // bucket order, so the last bucket that starts one starts the last. Where that chain ends
    // where the symbol table begins (ld.bfd and gold put .dynsym right after .gnu.hash, with at
    // most 4 bytes of padding), it ends the chains: no other bucket need be read, and one that
    // starts a chain past it is damaged (search_module refuses it). Else every bucket is read.
    uint32_t last = 0;
    for (uint32_t b = g.nbuckets; b-- && !last;) last = g.buckets[b];
    for (bool scanned = false;; scanned = true, last = max_of(g.buckets, g.nbuckets)) {
      if (last < g.symoffset) {
        if (!scanned) continue;
        // Nothing hashed: the table does not tell how many symbols follow symoffset (ld.bfd
        // writes symoffset 1 there, before undefined symbols). Unknown.
        m.symbol_count = 0;
        break;
      }
      // The last chain, up to its end marker, must lie in the segment it starts in.
      const uint32_t* c = &g.chain[last - g.symoffset];
      const size_t n = readable.room(c, 4) / 4;
      size_t k = 0;
      while (k < n && !(c[k] & 1)) ++k;
      if (k == n) return diag.fail(name, "invalid DT_GNU_HASH table");
      m.symbol_count = g.symbol_end = last + static_cast<uint32_t>(k) + 1;
      if (scanned ||
          reinterpret_cast<uintptr_t>(m.dyn.symtab) - reinterpret_cast<uintptr_t>(c + k + 1) <= 4)
        break;
    }
  }
  if (const uint32_t* h = m.dyn.sysv_hash) {
    if (!inside(h, 8)) return diag.fail(name, "invalid DT_HASH table");
    SysvHash& s = m.sysv;
    s.nbucket = h[0], s.nchain = h[1];
    s.buckets = h + 2;
    s.chain = s.buckets + s.nbucket;
    if (s.nbucket == 0 || !inside(h, (size_t{2} + s.nbucket + s.nchain) * 4u))
      return diag.fail(name, "invalid DT_HASH table");
    if (s.nchain > m.symbol_count) m.symbol_count = s.nchain;
  }
  if (m.symbol_count && m.dyn.symtab && !inside(m.dyn.symtab, m.symbol_count * sizeof(elf::Sym)))
    return diag.fail(name, "symbol table outside the object");
  if (m.symbol_count && m.dyn.versym && !inside(m.dyn.versym, m.symbol_count * 2))
    return diag.fail(name, "invalid DT_VERSYM table");
  // (an undefined symbol with a value, an executable's PLT entry, is found by most lookups)
  bool defines = false;
  for (uint32_t i = m.gnu.symoffset, end = m.gnu.symbol_end; i < end && !defines; ++i)
    defines = m.dyn.symtab[i].st_shndx != elf::SHN_UNDEF || m.dyn.symtab[i].st_value;
  m.gnu.holds_definitions = defines;
  return true;
}

bool prepare_versions(Diagnostics& diag, Arena& arena, Module& m) {
  Readable readable(&m.image);
  const DynamicInfo& d = m.dyn;
  if (!d.verdef && !d.verneed) return true;
  const char* name = m.path;
  // Bounded walks: a corrupt chain never loops for ever.
  auto def_at = [&](const elf::Verdef* v, uint32_t next) {
    return reinterpret_cast<const elf::Verdef*>(reinterpret_cast<const char*>(v) + next);
  };
  // The table's size: the largest index, of the requirements' and (first guessed) of the
  // definitions', which linkers number from 1 to DT_VERDEFNUM.
  // (No index is above VERSYM_INDEX: a larger DT_VERDEFNUM, damaged, is not a size to allocate;
  // found by fuzzing libstdc++, whose table's size wrapped around.)
  size_t max = d.verdef && d.verdefnum ? d.verdefnum : 1;
  if (max > elf::VERSYM_INDEX) max = elf::VERSYM_INDEX;
  const elf::Verneed* vn = d.verneed;
  for (size_t i = 0; vn && i < d.verneednum; ++i) {
    // (a record of another version than 1 too: glibc's ld.so refuses it, "unsupported version
    // N of Verneed record"; found by fuzzing, a damaged DT_VERNEED)
    if (!readable.holds(vn, sizeof *vn) || vn->vn_version != 1)
      return diag.fail(name, "invalid version requirement");
    auto* aux = reinterpret_cast<const elf::Vernaux*>(reinterpret_cast<const char*>(vn) + vn->vn_aux);
    for (size_t j = 0; j < vn->vn_cnt; ++j) {
      if (!readable.holds(aux, sizeof *aux)) return diag.fail(name, "invalid version requirement");
      if ((aux->vna_other & elf::VERSYM_INDEX) > max) max = aux->vna_other & elf::VERSYM_INDEX;
      if (!aux->vna_next) break;
      aux = reinterpret_cast<const elf::Vernaux*>(reinterpret_cast<const char*>(aux) + aux->vna_next);
    }
    if (!vn->vn_next) break;
    vn = reinterpret_cast<const elf::Verneed*>(reinterpret_cast<const char*>(vn) + vn->vn_next);
  }
  auto string_ok = [&](uint32_t off) { return off < d.strsz; };
  for (;;) {
    m.version_count = max + 1;
    m.versions = arena.make<Version>(m.version_count);
    if (!m.versions) return diag.fail(name, "cannot allocate version reference table");
    bool past_guess = false;
    const elf::Verdef* vd = d.verdef;
    for (size_t i = 0; vd && i < d.verdefnum; ++i) {
      if (!readable.holds(vd, sizeof *vd)) return diag.fail(name, "invalid version definition");
      const size_t ndx = vd->vd_ndx & elf::VERSYM_INDEX;
      if ((past_guess = ndx > max)) break;
      auto* aux =
          reinterpret_cast<const elf::Verdaux*>(reinterpret_cast<const char*>(vd) + vd->vd_aux);
      if (!readable.holds(aux, sizeof *aux) || !string_ok(aux->vda_name))
        return diag.fail(name, "invalid version definition");
      if (!(vd->vd_flags & elf::VER_FLG_BASE)) {
        Version& v = m.versions[ndx];
        v.name = m.str(aux->vda_name);
        v.hash = vd->vd_hash;
      }
      if (!vd->vd_next) break;
      vd = def_at(vd, vd->vd_next);
    }
    if (!past_guess) break;
    // A definition numbered past DT_VERDEFNUM: the largest index, and the table again (which
    // then holds every index).
    arena.release(m.versions);
    vd = d.verdef;
    for (size_t i = 0; vd && i < d.verdefnum; ++i) {
      if (!readable.holds(vd, sizeof *vd)) return diag.fail(name, "invalid version definition");
      if ((vd->vd_ndx & elf::VERSYM_INDEX) > max) max = vd->vd_ndx & elf::VERSYM_INDEX;
      if (!vd->vd_next) break;
      vd = def_at(vd, vd->vd_next);
    }
  }
  vn = d.verneed;
  for (size_t i = 0; vn && i < d.verneednum; ++i) {
    if (!string_ok(vn->vn_file)) return diag.fail(name, "invalid version requirement");
    auto* aux = reinterpret_cast<const elf::Vernaux*>(reinterpret_cast<const char*>(vn) + vn->vn_aux);
    for (size_t j = 0; j < vn->vn_cnt; ++j) {
      if (!string_ok(aux->vna_name)) return diag.fail(name, "invalid version requirement");
      Version& v = m.versions[aux->vna_other & elf::VERSYM_INDEX];
      v.name = m.str(aux->vna_name);
      v.hash = aux->vna_hash;
      v.hidden = (aux->vna_other & elf::VERSYM_HIDDEN) != 0;
      v.file = m.str(vn->vn_file);
      if (!aux->vna_next) break;
      aux = reinterpret_cast<const elf::Vernaux*>(reinterpret_cast<const char*>(aux) + aux->vna_next);
    }
    if (!vn->vn_next) break;
    vn = reinterpret_cast<const elf::Verneed*>(reinterpret_cast<const char*>(vn) + vn->vn_next);
  }
  return true;
}

}  // namespace

bool prepare_module(Diagnostics& diag, Arena& arena, Module& m) {
  // Every name ends inside the string table: it is readable, and its last byte is a NUL.
  if (const size_t n = m.dyn.strsz;
      n && m.dyn.strtab &&
      (!Readable(&m.image).holds(m.dyn.strtab, n) || m.dyn.strtab[n - 1] != '\0'))
    return diag.fail(m.path, "invalid string table");
  if (m.dyn.has_soname) m.soname = m.str(m.dyn.soname);
  if (!prepare_hashes(diag, m)) return false;
  if (!prepare_versions(diag, arena, m)) return false;
  m.tls_segment = m.image.tls;
  return true;
}

}  // namespace rtld
