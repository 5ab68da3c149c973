#include "relocate.hpp"

#include "arch/machine.hpp"
#include "platform.hpp"
#include "string.hpp"

namespace rtld {
namespace {

using elf::Native;

template <class R>
constexpr bool kHasAddend = requires(R r) { r.r_addend; };

template <class R>
uintptr_t addend_of(const R& r, uintptr_t where, uint8_t width) {
  if constexpr (kHasAddend<R>) {
    return static_cast<uintptr_t>(r.r_addend);
  } else {  // REL: the addend is the value already in place
    if (width == 4) return *reinterpret_cast<const uint32_t*>(where);
    return *reinterpret_cast<const uintptr_t*>(where);
  }
}

bool write_value(Diagnostics& diag, const Module& m, uint32_t type, const RelocType& t,
                 uintptr_t where, uintptr_t value) {
  if (t.width == sizeof(uintptr_t)) {
    *reinterpret_cast<uintptr_t*>(where) = value;
    return true;
  }
  if (t.width == 4) {
    if constexpr (sizeof(uintptr_t) == 8) {
      auto v = static_cast<int64_t>(value);
      bool ok = t.check == RelocCheck::Signed     ? (v >= INT32_MIN && v <= INT32_MAX)
                : t.check == RelocCheck::Unsigned ? (value <= UINT32_MAX)
                                                  : true;
      if (!ok) {
        diag.fail(m.path, "relocation ");
        diag.message_text().add(arch::reloc_name(type)).add(" out of range");
        return false;
      }
    }
    uint32_t v32 = static_cast<uint32_t>(value);
    mem_copy(reinterpret_cast<void*>(where), &v32, 4);  // may be unaligned in text
    return true;
  }
  return diag.fail(m.path, "unsupported relocation width");
}

// The relocation numbers below 64 that classify() makes a word-sized symbol address (GLOB_DAT
// and absolute), and the absolute ones among them; the JUMP_SLOT number.
template <RelocKind... kinds>
constexpr uint64_t word_types() {
  uint64_t mask = 0;
  for (uint32_t type = 0; type < 64; ++type) {
    RelocType t = arch::classify(type);
    if (t.width == sizeof(uintptr_t) && ((t.kind == kinds) || ...)) mask |= uint64_t{1} << type;
  }
  return mask;
}
constexpr uint64_t kWordAddressTypes = word_types<RelocKind::GlobDat, RelocKind::Absolute>();
constexpr uint64_t kAbsoluteTypes = word_types<RelocKind::Absolute>();
// The relocation number of a kind (the first, word-sized where `word`), or ~0u: none.
constexpr uint32_t type_of(RelocKind kind, bool word) {
  for (uint32_t type = 0; type < 256; ++type)
    if (RelocType t = arch::classify(type);
        t.kind == kind && (!word || t.width == sizeof(uintptr_t)))
      return type;
  return ~0u;
}
constexpr uint32_t kJumpSlotType = type_of(RelocKind::JumpSlot, false);
// The word-sized IRELATIVE, and the word-sized offset from the thread pointer (libc's own
// initial-exec TLS variables, without a symbol), taken in the loops below without apply().
constexpr uint32_t kIRelativeWordType = type_of(RelocKind::IRelative, true);
constexpr uint32_t kTpOffsetWordType = type_of(RelocKind::TlsTpOffset, true);

// "undefined symbol: NAME[, version V]", a symbol lookup error.
[[gnu::noinline]] bool undefined_symbol(Diagnostics& diag, const Module& m, uint32_t index) {
  const elf::Sym& s = m.dyn.symtab[index];
  diag.fail(m.path, "undefined symbol: ");
  diag.message_text().add(s.st_name < m.dyn.strsz ? m.str(s.st_name) : "?");
  if (const Version* v = version_of_reference(m, index)) diag.message_text().add(", version ").add(v->name);
  diag.set_occasion("symbol lookup error");
  return false;
}

// The pages relocations may write, as offsets from the load bias: [lo, lo + size) (not graph.cpp's
// writable_pages, which saves and restores kept mappings). Those of the
// writable segments (a relocation anywhere else would fault on a read-only page), all of the
// image while text relocations make the rest writable too.
struct Writable {
  uintptr_t lo, size;
};
Writable relocatable_span(const Module& m) {
  const uintptr_t base = m.bias();
  if (m.dyn.textrel || !m.image.phdr) return {m.image.start - base, m.image.size};
  return {m.image.write_start - base, m.image.write_end - m.image.write_start};
}

// The DT_RELACOUNT block eight entries at a time. Each offset is taken relative to `lo` (one
// below it wraps to a huge value): their bitwise OR not above `span` puts all eight inside
// [lo, lo + span], one subtraction and one OR an entry instead of a bounds check. Returns where
// it stopped, at a block that fails the test (one outside, or offsets near the end) or at the
// last few entries: those are left to the loop that checks each entry.
[[gnu::noinline]] const elf::Rela* relocate_block8(const elf::Rela* r, const elf::Rela* stop,
                                                   uintptr_t base, uintptr_t lo, uintptr_t span) {
  if (stop - r < 8) return r;
  uintptr_t at = base + lo;
  asm("" : "+r"(at));  // the stores go through the offsets relative to lo (no sums redone)
  for (const elf::Rela* const last = stop - 8; r <= last; r += 8) {
    const uintptr_t d0 = r[0].r_offset - lo, d1 = r[1].r_offset - lo, d2 = r[2].r_offset - lo;
    const uintptr_t d3 = r[3].r_offset - lo, d4 = r[4].r_offset - lo, d5 = r[5].r_offset - lo;
    const uintptr_t d6 = r[6].r_offset - lo, d7 = r[7].r_offset - lo;
    if ((d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7) > span) break;
    *reinterpret_cast<uintptr_t*>(at + d0) = base + static_cast<uintptr_t>(r[0].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d1) = base + static_cast<uintptr_t>(r[1].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d2) = base + static_cast<uintptr_t>(r[2].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d3) = base + static_cast<uintptr_t>(r[3].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d4) = base + static_cast<uintptr_t>(r[4].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d5) = base + static_cast<uintptr_t>(r[5].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d6) = base + static_cast<uintptr_t>(r[6].r_addend);
    *reinterpret_cast<uintptr_t*>(at + d7) = base + static_cast<uintptr_t>(r[7].r_addend);
  }
  return r;
}

// DT_RELR: an even entry is the address of a word to relocate, an odd one a bitmap of the 63
// (31) words after the last word named so far. Each address, and the last word of each bitmap,
// is checked against the object's writable pages: a corrupt table is an error before anything
// is written elsewhere.
[[gnu::noinline]] bool relocate_relr(Diagnostics& diag, const Module& m) {
  constexpr size_t kWord = sizeof(uintptr_t), kBits = kWord * 8;
  const Writable w = relocatable_span(m);
  if (w.size < kWord) return diag.fail(m.path, "relocation outside the object");
  const uintptr_t base = m.bias(), lo = base + w.lo, span = w.size - kWord;
  uintptr_t where = 0;  // the word bit 0 of the next bitmap stands for (0: none named yet)
  for (const elf::Relr *e = m.dyn.relr.data, *end = e + m.dyn.relr.count; e != end; ++e) {
    uintptr_t v = *e;
    if (!(v & 1)) {
      where = base + v;
      if (where - lo > span) return diag.fail(m.path, "relocation outside the object");
      *reinterpret_cast<uintptr_t*>(where) += base;
      where += kWord;
      continue;
    }
    if (uintptr_t bits = v >> 1) {
      if (where + (kBits - 1 - static_cast<size_t>(__builtin_clzl(bits))) * kWord - lo > span)
        return diag.fail(m.path, "relocation outside the object");
      arch::add_to_marked_words(reinterpret_cast<uintptr_t*>(where), bits, base);
    }
    where += (kBits - 1) * kWord;  // the bitmap's words
  }
  return true;
}

class Driver {
 public:
  Driver(Diagnostics& d, Module& m, const RelocationOptions& o) : diag_(d), m_(m), opt_(o) {
    if (!direct_) return;
    const size_t n = opt_.scope_count, i = place(opt_.scope, n);
    // Leading objects whose GNU hash table holds no definition are not asked (the executable,
    // which mostly exports nothing, comes first).
    size_t s = 0;
    while (s < n && opt_.scope[s]->gnu.buckets && !opt_.scope[s]->gnu.holds_definitions) ++s;
    scope_skip_ = s;
    if (s > i) s = i;
    ahead_ = opt_.scope + s, ahead_count_ = i - s, own_ = i < n;
    const Module* root = m_.scope_root;
    if (own_ || !root || !root->closure) return;
    const size_t j = place(root->closure, root->closure_count);
    if (j == root->closure_count || n + j > sizeof copied_ / sizeof *copied_) return;
    for (size_t k = s; k < n + j; ++k)
      copied_[k - s] = k < n ? opt_.scope[k] : root->closure[k - n];
    ahead_ = copied_, ahead_count_ = n + j - s, own_ = true;
  }

  // The first pass over a table: everything but (when deferred) IRELATIVE, whose positions
  // are remembered for the second pass.
  template <class R>
  bool run(const Table<R>& table, size_t& irel_first, size_t& irel_end) {
    const uintptr_t base = m_.bias();
    // Offsets a relocation may write a word at: [lo, lo + span] relative to the load bias.
    if (table.count && writable_.size < sizeof(uintptr_t))
      return diag_.fail(m_.path, "relocation outside the object");  // nowhere to write
    const uintptr_t lo = writable_.lo, span = writable_.size - sizeof(uintptr_t);
    const R* const first = table.data;
    const R* const end = first + table.count;
    const R* r = first;
    irel_first = table.count, irel_end = 0;
    // The entries the linker counted as relative (DT_RELACOUNT), taken without looking at each
    // one's type. Linkers put them first: a count that ends on another type (a damaged
    // DT_RELACOUNT) is not used, and every entry is read by its type (glibc's ld.so fails an
    // assertion).
    if (size_t n = m_.dyn.relative_count; n && table.count && table.data == relative_table<R>()) {
      const R* stop = first + (n < table.count ? n : table.count);
      if (Native::r_type(stop[-1].r_info) != arch::kRelativeType) stop = first;
      auto relocate = [&](const R& e) {
        auto* where = reinterpret_cast<uintptr_t*>(base + e.r_offset);
        if constexpr (kHasAddend<R>) *where = base + static_cast<uintptr_t>(e.r_addend);
        else *where += base;
      };
      while (r != stop) {
        if constexpr (kHasAddend<R>)
          if ((r = relocate_block8(r, stop, base, lo, span)) == stop) break;
        // Then a block (or the last few entries) checked one by one.
        for (const R* e = stop - r > 8 ? r + 8 : stop; r != e; ++r) {
          if (r->r_offset - lo > span) return diag_.fail(m_.path, "relocation outside the object");
          relocate(*r);
        }
      }
      relative_ += static_cast<size_t>(r - first);
    }
    while (r != end) {
      // The bulk of every table (glibc counts them in DT_RELACOUNT): B + A, in a tight loop.
      if (Native::r_type(r->r_info) == arch::kRelativeType) {
        const R* run_start = r;
        do {
          if (r->r_offset - lo > span) return diag_.fail(m_.path, "relocation outside the object");
          auto* where = reinterpret_cast<uintptr_t*>(base + r->r_offset);
          if constexpr (kHasAddend<R>) *where = base + static_cast<uintptr_t>(r->r_addend);
          else *where += base;
        } while (++r != end && Native::r_type(r->r_info) == arch::kRelativeType);
        relative_ += static_cast<size_t>(r - run_start);
        if (r == end) break;
      }
      const uint32_t type = Native::r_type(r->r_info);
      const uint32_t index = Native::r_sym(r->r_info);
      // The common symbolic case, a word-sized address of a symbol (GOT, PLT and data
      // pointers), here with the last symbol's address remembered; everything else in apply().
      const bool slot = type == kJumpSlotType && !opt_.lazy;
      if (index != 0 && ((type < 64 && ((kWordAddressTypes >> type) & 1)) || slot) &&
          r->r_offset - lo <= span) {
        const unsigned flags = slot ? unsigned{kResolveJumpSlot} : 0u;
        uintptr_t value = 0;
        if (last_address_.index == index + 1 && last_address_.flags == flags) {
          value = last_address_.value;
          ++cache_hits_;
        } else if (!address_of(index, flags, value)) {
          return false;
        }
        // This one, and those after it naming the same symbol with the same type (combreloc
        // sorts them together: a vtable's entries for one function), in a loop for each of
        // value + addend and the value alone. (The type is read again: not kept across the
        // look-up.)
        const auto info = r->r_info;
        auto write_run = [&](auto adds) {
          for (;;) {
            auto* where = reinterpret_cast<uintptr_t*>(base + r->r_offset);
            *where = adds ? value + addend_of(*r, base + r->r_offset, sizeof(uintptr_t)) : value;
            if (++r == end || r->r_info != info || r->r_offset - lo > span) break;
            ++cache_hits_;
          }
        };
        if (const uint32_t t = Native::r_type(info);
            arch::kGotAddsAddend || (t < 64 && ((kAbsoluteTypes >> t) & 1)))
          write_run(std::true_type{});
        else
          write_run(std::false_type{});
        continue;
      }
      if (type == kJumpSlotType && opt_.lazy) {
        // The PLT slots left for their first call (lazy binding): the whole .rela.plt of a
        // program, in a tight loop of its own.
        do {
          if (r->r_offset - lo > span) return diag_.fail(m_.path, "relocation outside the object");
          auto* where = reinterpret_cast<uintptr_t*>(base + r->r_offset);
          *where = arch::lazy_slot_value(base, *where);
        } while (++r != end && Native::r_type(r->r_info) == kJumpSlotType);
        continue;
      }
      if (type == kTpOffsetWordType && index == 0 && m_.tls.is_static && r->r_offset - lo <= span) {
        // The object's own static TLS block, at the offset the addend gives.
        const uintptr_t where = base + r->r_offset;
        *reinterpret_cast<uintptr_t*>(where) =
            static_cast<uintptr_t>(m_.tls.tp_offset) + addend_of(*r, where, sizeof(uintptr_t));
        ++r;
        continue;
      }
      const RelocType t = arch::classify(type);
      if (t.kind == RelocKind::IRelative && opt_.defer_irelative) {
        // For the second pass, with those of its type after it (libc's .rela.plt is mostly
        // IRELATIVE): their range.
        const size_t i = static_cast<size_t>(r - first);
        if (i < irel_first) irel_first = i;
        do ++r, ++deferred_;
        while (r != end && Native::r_type(r->r_info) == type);
        irel_end = static_cast<size_t>(r - first);
        continue;
      }
      if (!apply(*r, type, t)) return false;
      ++r;
    }
    return true;
  }

  // The second pass: the IRELATIVE entries among [from, to), once every object they may call
  // into is relocated.
  template <class R>
  bool run_irelative(const Table<R>& table, size_t from, size_t to) {
    const uintptr_t base = m_.bias();
    const uintptr_t lo = writable_.lo, span = writable_.size - sizeof(uintptr_t);
    const bool skip_ifunc = opt_.skip_ifunc;
    for (const R *p = table.data + from, *end = table.data + to; p < end; ++p) {
      const R& r = *p;
      uint32_t type = Native::r_type(r.r_info);
      if (type == kIRelativeWordType && r.r_offset - lo <= span) {
        const uintptr_t where = base + r.r_offset;
        const uintptr_t resolver = base + addend_of(r, where, sizeof(uintptr_t));
        *reinterpret_cast<uintptr_t*>(where) =
            skip_ifunc ? resolver : arch::call_ifunc_resolver(resolver);
        continue;
      }
      RelocType t = arch::classify(type);
      if (t.kind == RelocKind::IRelative && !apply(r, type, t)) return false;
    }
    return true;
  }

 private:
  bool resolve(uint32_t index, unsigned flags, Resolved& out) {
    const elf::Sym& s = m_.dyn.symtab[index];
    if (elf::st_bind(s.st_info) == elf::STB_LOCAL) {
      out = Resolved{&m_, &s, 0, true};
    } else {
      out = Resolved{};
      ++lookups_;
      if (!opt_.resolver.resolve(opt_.resolver.context, m_, index, flags, out)) return false;
      if (!out.found && elf::st_bind(s.st_info) != elf::STB_WEAK) return undefined(index);
      if (out.found && opt_.bound) opt_.bound(m_, index, out);
    }
    return true;
  }

  // The common lookup, done here without the resolver: along opt_.scope, then the local scope
  // of the open that loaded the object (as the resolver searches them), settled there.
  // `missing`: nothing along those scopes defines the name.
  SymbolMatch find_directly(uint32_t index, const elf::Sym& ref, unsigned lookup_flags,
                            bool& missing) const {
    SymbolMatch match = find_reference(opt_.scope + scope_skip_, opt_.scope_count - scope_skip_, m_,
                                       index, lookup_flags);
    if (const Module* root = m_.scope_root; !match && root && root->closure)
      match = find_reference(root->closure, root->closure_count, m_, index, lookup_flags);
    if (!match) return missing = true, SymbolMatch{};
    if (match.module != &m_) {
      if (elf::st_visibility(ref.st_other) == elf::STV_PROTECTED && ref.st_shndx != elf::SHN_UNDEF)
        return {};
      if (match.module->dynamic && !match.module->nodelete) return {};
    }
    if (elf::st_bind(match.sym->st_info) == elf::STB_GNU_UNIQUE) return {};
    return match;
  }

  template <class R>
  const R* relative_table() const {
    if constexpr (kHasAddend<R>) return m_.dyn.rela.data;
    else return m_.dyn.rel.data;
  }

  // The address symbol `index` resolves to (IFUNC resolvers called), remembered for the next
  // relocation naming it.
  bool address_of(uint32_t index, unsigned flags, uintptr_t& value) {
    if (index >= m_.symbol_count && !symbol_in_table(index))  // (the count, when known, first)
      return diag_.fail(m_.path, "relocation names a symbol outside the symbol table");
    // The common case, settled along opt_.scope without going through resolve().
    const elf::Sym& ref = m_.dyn.symtab[index];
    if (direct_ && elf::st_bind(ref.st_info) != elf::STB_LOCAL) {
      const unsigned lookup_flags = (flags & kResolveJumpSlot) ? unsigned{kLookupPlt} : 0u;
      // Most often one of the object's own definitions, with no object ahead of it in the scope
      // defining the name.
      SymbolMatch match{&ref, &m_};
      bool missing = false;
      if (!(own_ && own_definition(m_, index, lookup_flags) &&
            none_ahead_defines(ahead_, ahead_count_, m_, index, lookup_flags)))
        match = find_directly(index, ref, lookup_flags, missing);
      // An undefined reference that nothing there defines: the resolver would search the same
      // scopes (an object being relocated is in no later open's scope yet) and not find it
      // either: 0 for a weak one, else the error.
      if (missing && ref.st_shndx == elf::SHN_UNDEF) {
        ++lookups_;
        if (elf::st_bind(ref.st_info) != elf::STB_WEAK) return undefined(index);
        last_address_ = LastAddress{index + 1, flags, value = 0};
        return true;
      }
      if (match) {
        ++lookups_;
        const elf::Sym& d = *match.sym;
        if (bound_) bound_(m_, index, Resolved{match.module, &d, 0, true});
        value = (d.st_shndx == elf::SHN_ABS ? 0 : match.module->bias()) + d.st_value;
        if (elf::st_type(d.st_info) == elf::STT_GNU_IFUNC && d.st_shndx != elf::SHN_UNDEF && !opt_.skip_ifunc)
          value = arch::call_ifunc_resolver(value);
        last_address_ = LastAddress{index + 1, flags, value};
        return true;
      }
    }
    Resolved def;
    if (!resolve(index, flags, def)) return false;
    const elf::Sym* s = def.sym;
    if (def.found && def.module && s && s->st_shndx != elf::SHN_ABS &&
        elf::st_type(s->st_info) != elf::STT_GNU_IFUNC)
      value = def.module->bias() + s->st_value;
    else
      value = address(def);
    if (!def.address) last_address_ = LastAddress{index + 1, flags, value};
    return true;
  }

  // symbol_address, except that with skip_ifunc an IFUNC's resolver is not called.
  uintptr_t address(const Resolved& def) const {
    if (opt_.skip_ifunc && def.found && def.module && def.sym &&
        elf::st_type(def.sym->st_info) == elf::STT_GNU_IFUNC)
      return def.module->bias() + def.sym->st_value;
    return symbol_address(def);
  }

  bool symbol_in_table(uint32_t index) const {
    if (m_.symbol_count) return index < m_.symbol_count;
    auto at = reinterpret_cast<uintptr_t>(m_.dyn.symtab + index);
    return at >= m_.image.start && at + sizeof(elf::Sym) <= m_.image.start + m_.image.size;
  }

  bool undefined(uint32_t index) { return undefined_symbol(diag_, m_, index); }

  template <class R>
  bool apply(const R& r, uint32_t type, const RelocType& t) {
    const uintptr_t base = m_.bias();
    const uintptr_t where = base + r.r_offset;
    const uint32_t index = Native::r_sym(r.r_info);
    // A PLT table left for lazy binding holds JUMP_SLOT (bound in run()), IRELATIVE and TLSDESC
    // entries: others are refused, as glibc's ld.so refuses them (one of no type left its slot
    // unrelocated, and the first call through it crashed; found by fuzzing).
    const bool bad_plt =
        opt_.lazy && t.kind != RelocKind::IRelative && t.kind != RelocKind::TlsDesc;
    if (t.kind == RelocKind::None && !bad_plt) return true;
    if (t.kind == RelocKind::Unknown || bad_plt) {
      diag_.fail(m_.path, bad_plt ? "unexpected PLT reloc type 0x" : "unexpected reloc type 0x");
      // (two hex digits, or eight above 0xff, as glibc writes them: those of type with a 1
      // above them, but the 1)
      char digits[24];
      const char* p = text_digits(digits, type | (type > 0xff ? uint64_t{1} << 32 : 0x100), 16);
      diag_.message_text().add(p + 1, static_cast<size_t>(digits + 23 - p));
      return false;
    }
    const uintptr_t width = t.width ? t.width : 1;
    if (writable_.size < width || r.r_offset - writable_.lo > writable_.size - width)
      return diag_.fail(m_.path, "relocation outside the object");
    const uintptr_t addend = addend_of(r, where, t.width);
    if (t.kind == RelocKind::Relative) return write_value(diag_, m_, type, t, where, base + addend);
    if (t.kind == RelocKind::IRelative) {
      return write_value(diag_, m_, type, t, where,
                         opt_.skip_ifunc ? base + addend : arch::call_ifunc_resolver(base + addend));
    }

    if (index != 0 && !symbol_in_table(index))
      return diag_.fail(m_.path, "relocation names a symbol outside the symbol table");
    Resolved def;
    if (index != 0) {
      unsigned flags = t.kind == RelocKind::Copy       ? unsigned{kResolveCopy}
                       : t.kind == RelocKind::JumpSlot ? unsigned{kResolveJumpSlot}
                                                       : 0u;
      if (!resolve(index, flags, def)) return false;
    } else {
      def = Resolved{&m_, nullptr, 0, true};  // relocations without a symbol refer to m itself
    }
    const elf::Sym* s = def.sym;
    const Module* dm = def.module;

    switch (t.kind) {
      case RelocKind::Absolute:
        return write_value(diag_, m_, type, t, where, address(def) + addend);
      case RelocKind::PcRelative:
        return write_value(diag_, m_, type, t, where, address(def) + addend - where);
      case RelocKind::JumpSlot:
      case RelocKind::GlobDat:
        return write_value(diag_, m_, type, t, where,
                           address(def) + (arch::kGotAddsAddend ? addend : 0));
      case RelocKind::Size:
        return write_value(diag_, m_, type, t, where, (s ? s->st_size : 0) + addend);
      case RelocKind::Copy: {
        if (!def.found || !s) return true;  // weak and undefined: nothing to copy
        const elf::Sym& ref = m_.dyn.symtab[index];
        size_t n = ref.st_size < s->st_size ? ref.st_size : s->st_size;
        // Both ends inside their objects (sizes come from symbol tables, which may be corrupt).
        const uintptr_t from = address(def), at = from - (dm ? dm->image.start : from);
        if (n > base + writable_.lo + writable_.size - where ||
            (dm && (at > dm->image.size || n > dm->image.size - at)))
          return diag_.fail(m_.path, "relocation outside the object");
        mem_copy(reinterpret_cast<void*>(where), reinterpret_cast<const void*>(from), n);
        if (s->st_size > ref.st_size && opt_.copy_size_warning)
          opt_.copy_size_warning(opt_.warning_context, m_.str(ref.st_name));
        return true;
      }
      case RelocKind::TlsModule:
        return write_value(diag_, m_, type, t, where, dm ? dm->tls.id : 0);
      case RelocKind::TlsOffset:
        return write_value(diag_, m_, type, t, where, (s ? s->st_value : 0) + addend);
      case RelocKind::TlsTpOffset:
        if (!dm) return write_value(diag_, m_, type, t, where, 0);
        if (!dm->tls.is_static)
          return diag_.fail(m_.path, "cannot allocate memory in static TLS block");
        return write_value(diag_, m_, type, t, where,
                           static_cast<uintptr_t>(dm->tls.tp_offset) + (s ? s->st_value : 0) + addend);
      case RelocKind::TlsDesc: {
        auto* desc = reinterpret_cast<uintptr_t*>(where);
        if (!dm) {  // undefined weak: the variable's address is the addend itself
          desc[0] = reinterpret_cast<uintptr_t>(&arch::arch_tlsdesc_undefweak);
          desc[1] = kHasAddend<R> ? addend : desc[1];
          return true;
        }
        if (!dm->tls.is_static) {
          // A block allocated at first use: the descriptor resolves through __tls_get_addr.
          auto* block = opt_.allocate ? static_cast<uintptr_t*>(opt_.allocate(opt_.allocate_context, 3 * sizeof(uintptr_t))) : nullptr;
          if (!block) return diag_.fail(m_.path, "cannot allocate memory in static TLS block");
          block[0] = reinterpret_cast<uintptr_t>(m_.tls_desc_args);
          m_.tls_desc_args = block;
          uintptr_t* index = block + 1;
          index[0] = dm->tls.id;
          index[1] = (s ? s->st_value : 0) + (kHasAddend<R> ? addend : desc[1]);
          desc[0] = reinterpret_cast<uintptr_t>(&arch::arch_tlsdesc_dynamic);
          desc[1] = reinterpret_cast<uintptr_t>(index);
          return true;
        }
        desc[0] = reinterpret_cast<uintptr_t>(&arch::arch_tlsdesc_static);
        desc[1] = static_cast<uintptr_t>(dm->tls.tp_offset) + (s ? s->st_value : 0) +
                  (kHasAddend<R> ? addend : desc[1]);
        return true;
      }
      default:
        return diag_.fail(m_.path, "unsupported relocation");
    }
  }


 public:
  size_t deferred_ = 0;  // IRELATIVE entries left for the second pass
  uint64_t relative_ = 0, lookups_ = 0, cache_hits_ = 0;

 private:
  Diagnostics& diag_;
  Module& m_;
  const RelocationOptions& opt_;
  const bool direct_ = opt_.scope && !m_.dyn.symbolic && !(m_.scope_root && m_.scope_root->deepbind);
  decltype(RelocationOptions::bound) const bound_ = opt_.bound;  // (read at every look-up)
  const Writable writable_ = relocatable_span(m_);  // (at least a page, or nothing)
  // The objects a lookup from m_ asks before m_ itself, in find_directly's order: those ahead of
  // it in opt_.scope, or all of opt_.scope and those ahead of it in its local scope (copied into
  // one array, when they fit).
  bool own_ = false;
  size_t scope_skip_ = 0;  // leading objects of opt_.scope that define nothing
  Module* const* ahead_ = nullptr;
  size_t ahead_count_ = 0;
  Module* copied_[48];
  size_t place(Module* const* scope, size_t count) const {
    size_t i = 0;
    while (i < count && scope[i] != &m_) ++i;
    return i;
  }
  struct LastAddress {
    uint32_t index = 0;  // of the symbol + 1 (0: empty)
    unsigned flags = 0;
    uintptr_t value = 0;
  } last_address_;
};

// Text relocations: make read-only segments writable for the duration.
void set_text_writable(const Module& m, bool writable) {
  const size_t page = platform::page_size();
  for (size_t i = 0; i < m.image.phnum; ++i) {
    const elf::Phdr& p = m.image.phdr[i];
    if (p.p_type != elf::PT_LOAD || (p.p_flags & elf::PF_W)) continue;
    uintptr_t s = align_down(m.bias() + p.p_vaddr, page);
    uintptr_t e = align_up(m.bias() + p.p_vaddr + p.p_memsz, page);
    int prot = platform::kRead | ((p.p_flags & elf::PF_X) ? platform::kExec : 0);
    platform::protect(s, e - s, writable ? (prot | platform::kWrite) : prot);
  }
}

}  // namespace

uintptr_t symbol_address(const Resolved& r) {
  if (!r.found) return 0;
  if (!r.module || !r.sym) return r.address;
  uintptr_t a = r.module->bias() + r.sym->st_value;
  if (r.sym->st_shndx == elf::SHN_ABS) a = r.sym->st_value;
  if (elf::st_type(r.sym->st_info) == elf::STT_GNU_IFUNC && r.sym->st_shndx != elf::SHN_UNDEF)
    a = arch::call_ifunc_resolver(a);
  return a;
}

namespace {
// A lazy binding that cannot be made: its message (the damaged entry's, or the undefined
// symbol's) to the program's handler, which does not return. The diagnostics are built here
// only, not at every call.
[[noreturn, gnu::noinline]] void lazy_failure(const Module& m, uint32_t sym, bool damaged) {
  Diagnostics diag;
  if (damaged)
    diag.fail(m.path, "relocation outside the object");
  else
    undefined_symbol(diag, m, sym);
  m.lazy->fail(diag);
}
}  // namespace

extern "C" uintptr_t rtld_lazy_bind(Module* m, uintptr_t arg) {
  const LazyBinding& lazy = *m->lazy;
  size_t index = arch::lazy_reloc_index(arg);
  uintptr_t where;
  uint32_t sym;
  uintptr_t addend = 0;
  if (!m->dyn.plt_rela.empty()) {
    const elf::Rela& r = m->dyn.plt_rela.data[index];
    where = m->bias() + r.r_offset, sym = Native::r_sym(r.r_info);
    addend = static_cast<uintptr_t>(r.r_addend);
  } else {
    const elf::Rel& r = m->dyn.plt_rel.data[index];
    where = m->bias() + r.r_offset, sym = Native::r_sym(r.r_info);
  }
  Resolved def;
  // The slot and the symbol as the eager path checks them, and the slot outside RELRO, which
  // is read-only by now (a damaged entry: an error, not a write or a read elsewhere). The
  // writable pages hold the GOT at least (relocate_module checked DT_PLTGOT).
  const Image& im = m->image;
  if (where - im.write_start > im.write_end - im.write_start - sizeof(uintptr_t) ||
      where - im.relro_start < im.relro_end - im.relro_start ||  // read-only now
      (m->symbol_count && sym >= m->symbol_count))
    lazy_failure(*m, sym, true);
  if (lazy.stats) ++lazy.stats->lookups;
  // (a resolver that fails found nothing either)
  if (!lazy.resolver.resolve(lazy.resolver.context, *m, sym, kResolveJumpSlot | kResolveLazy,
                             def) ||
      !def.found)
    lazy_failure(*m, sym, false);
  if (lazy.bound) lazy.bound(*m, sym, def);
  uintptr_t value = symbol_address(def) + (arch::kGotAddsAddend ? addend : 0);
  if (!lazy.bind_not) __atomic_store_n(reinterpret_cast<uintptr_t*>(where), value, __ATOMIC_RELEASE);
  return value;
}

bool relocate_module(Diagnostics& diag, Module& m, const RelocationOptions& options) {
  const DynamicInfo& d = m.dyn;
  RelocationOptions effective = options;
  if (!options.lazy || !options.lazy_entry || d.bind_now || !d.pltgot ||
      (d.plt_rela.empty() && d.plt_rel.empty()))
    effective.lazy = nullptr;
  // Lazy binding writes the first GOT words (install_lazy_plt): they must be the object's own.
  if (const Writable w = relocatable_span(m);
      effective.lazy && (w.size < 3 * sizeof(uintptr_t) ||
                         d.pltgot - (m.bias() + w.lo) > w.size - 3 * sizeof(uintptr_t)))
    return diag.fail(m.path, "relocation outside the object");  // (the GOT's first words)
  if (d.textrel) set_text_writable(m, true);  // before RELR too: its entries may be in text
  if (!d.relr.empty() && !relocate_relr(diag, m)) {
    if (d.textrel) set_text_writable(m, false);
    return false;
  }
  if (effective.lazy) {
    m.lazy = effective.lazy;
    arch::install_lazy_plt(d.pltgot, &m, options.lazy_entry);
  }
  Driver drv(diag, m, effective);
  // Each architecture uses one of REL and RELA: only that driver is instantiated, and a table
  // of the other kind is an error rather than silently skipped.
  if (arch::kUsesRela ? (!d.rel.empty() || !d.plt_rel.empty()) : (!d.rela.empty() || !d.plt_rela.empty()))
    return diag.fail(m.path, arch::kUsesRela ? "unexpected DT_REL relocations" : "unexpected DT_RELA relocations");
  size_t dyn_from, dyn_to, plt_from, plt_to;
  bool ok;
  // PLT slots are left for their first call in the PLT's own table only: one in the other
  // table is bound now, as glibc's ld.so binds it (found by fuzzing libz: a weak undefined
  // symbol's GLOB_DAT entry made JUMP_SLOT pointed its GOT word at the object's base).
  const auto lazy = effective.lazy;
  effective.lazy = nullptr;
  if constexpr (arch::kUsesRela) {
    ok = drv.run(d.rela, dyn_from, dyn_to) &&
         (effective.lazy = lazy, drv.run(d.plt_rela, plt_from, plt_to));
    if (ok && drv.deferred_)
      ok = drv.run_irelative(d.rela, dyn_from, dyn_to) && drv.run_irelative(d.plt_rela, plt_from, plt_to);
  } else {
    ok = drv.run(d.rel, dyn_from, dyn_to) &&
         (effective.lazy = lazy, drv.run(d.plt_rel, plt_from, plt_to));
    if (ok && drv.deferred_)
      ok = drv.run_irelative(d.rel, dyn_from, dyn_to) && drv.run_irelative(d.plt_rel, plt_from, plt_to);
  }
  if (d.textrel) set_text_writable(m, false);
  if (options.stats) {
    options.stats->relative += drv.relative_;
    options.stats->lookups += drv.lookups_;
    options.stats->cache_hits += drv.cache_hits_;
  }
  if (ok) m.relocated = true;
  return ok;
}

}  // namespace rtld
