// GLIBC_TUNABLES and the environment aliases, served to libc through __tunable_get_val with
// this build's ids and value widths.
#include "glibc.hpp"
#include "ldso/runtime.hpp"
#include "rtld/string.hpp"
#include "state.hpp"

namespace ldso::glibc {
namespace {

constexpr size_t kCount = sizeof(L::kTunables) / sizeof(L::kTunables[0]);

// What was set of each tunable; zero (in .bss, nothing to initialise at start): all at their
// defaults, which are read from the tables instead.
struct Value {
  int64_t number;      // when set
  const char* string;  // when set
  bool set;
  bool narrowed;     // min and max hold set_tunable_with_bounds' bounds, else the defaults'
  int64_t min, max;  // (max -1: the type's largest)
};
Value values[kCount];

int64_t number_of(size_t id) {
  return values[id].set ? values[id].number : L::kTunableNumbers[L::kTunables[id].initial];
}
int64_t min_of(size_t id) {
  return values[id].narrowed ? values[id].min : L::kTunableNumbers[L::kTunables[id].min];
}
int64_t max_of(size_t id) {
  return values[id].narrowed ? values[id].max : L::kTunableNumbers[L::kTunables[id].max];
}

bool parse_number(const char* s, const char* end, uint64_t& out) {
  uint64_t v = 0;
  int base = 10;
  if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
  else if (end - s > 1 && s[0] == '0') base = 8, ++s;
  if (s == end) return base == 8;  // "0"
  for (; s < end; ++s) {
    unsigned d;
    if (*s >= '0' && *s <= '9') d = static_cast<unsigned>(*s - '0');
    else if (*s >= 'a' && *s <= 'f') d = static_cast<unsigned>(*s - 'a' + 10);
    else if (*s >= 'A' && *s <= 'F') d = static_cast<unsigned>(*s - 'A' + 10);
    else return false;
    if (d >= static_cast<unsigned>(base)) return false;
    v = v * static_cast<uint64_t>(base) + d;
  }
  out = v;
  return true;
}

void set_value(size_t id, const char* text, const char* end, bool secure) {
  const L::TunableInfo& t = L::kTunables[id];
  if (secure && t.security() != L::TunableSecurity::None) return;
  if (t.type() == L::TunableType::String) {
    values[id].string = text, values[id].set = true;
    return;
  }
  uint64_t v = 0;
  if (!parse_number(text, end, v)) return;
  bool is_unsigned = t.type() != L::TunableType::Int32;
  int min = L::kTunableNumbers[t.min], max = L::kTunableNumbers[t.max];
  bool ok = is_unsigned ? (v >= static_cast<uint64_t>(min) &&
                           (max == -1 || v <= static_cast<uint64_t>(max)))
                        : (static_cast<int64_t>(v) >= min && static_cast<int64_t>(v) <= max);
  if (ok) values[id].number = static_cast<int64_t>(v), values[id].set = true;
}

size_t find(const char* name, size_t len) {
  constexpr size_t kPrefix = sizeof(L::kTunablePrefix) - 1;
  if (len < kPrefix || !rtld::str_eq_n(name, L::kTunablePrefix, kPrefix)) return kCount;
  name += kPrefix, len -= kPrefix;
  const char* n = L::kTunableNames;
  size_t i = 0;
  for (; i < kCount; ++i, n += rtld::str_len(n) + 1)
    if (rtld::str_len(n) == len && rtld::str_eq_n(n, name, len)) break;
  return i;
}

// The lengths of the names that matter, by first letter: GLIBC_TUNABLES and the aliases
// (MALLOC_*, LD_HWCAP_MASK), a bit each, under 64.
struct NameLengths {
  uint64_t g = uint64_t{1} << 14, m = 0, l = 0;
  bool all_kept = true;  // every alias starts with G, M or L, and is shorter than 64
};
constexpr NameLengths kNameLengths = [] {
  NameLengths n;
  for (const char* a = L::kTunableAliases; a < L::kTunableAliases + sizeof(L::kTunableAliases) - 1;
       a += 2 + a[1]) {
    uint64_t* lengths = a[2] == 'G' ? &n.g : a[2] == 'M' ? &n.m : a[2] == 'L' ? &n.l : nullptr;
    if (!lengths || a[1] >= 64)
      n.all_kept = false;
    else
      *lengths |= uint64_t{1} << a[1];
  }
  return n;
}();
static_assert(kNameLengths.all_kept, "an alias init_tunables would pass over");

}  // namespace

void init_tunables(Runtime& rt) {
  bool secure = rt.process.secure;
  for (char** e = rt.process.envp; *e; ++e) {
    // Only GLIBC_TUNABLES and the aliases matter: skip the rest fast, by first letter, then by
    // the length of the name.
    char first = (*e)[0];
    uint64_t lengths = first == 'G'   ? kNameLengths.g
                       : first == 'M' ? kNameLengths.m
                       : first == 'L' ? kNameLengths.l
                                      : 0;
    if (!lengths) continue;
    const char* eq = *e;
    while (*eq && *eq != '=') ++eq;
    if (!*eq) continue;
    size_t name_len = static_cast<size_t>(eq - *e);
    if (name_len >= 64 || !((lengths >> name_len) & 1)) continue;
    const char* value = eq + 1;
    if (name_len == 14 && rtld::str_eq_n(*e, "GLIBC_TUNABLES", 14)) {
      // name=value pairs separated by colons
      const char* p = value;
      while (*p) {
        const char* q = p;
        while (*q && *q != '=' && *q != ':') ++q;
        if (*q != '=') {
          p = *q ? q + 1 : q;
          continue;
        }
        const char* v = q + 1;
        const char* w = v;
        while (*w && *w != ':') ++w;
        size_t id = find(p, static_cast<size_t>(q - p));
        if (id < kCount) set_value(id, v, w, secure);
        p = *w ? w + 1 : w;
      }
      continue;
    }
    // Each alias is its tunable's id and its length (a byte each), then its name.
    for (const char* a = L::kTunableAliases;
         a < L::kTunableAliases + sizeof(L::kTunableAliases) - 1; a += 2 + a[1]) {
      // Cheap rejections first: most variables differ in length from every alias.
      if (static_cast<size_t>(a[1]) != name_len || !rtld::str_eq_n(a + 2, *e, name_len)) continue;
      {
        const char* end = value + rtld::str_len(value);
        set_value(static_cast<unsigned char>(a[0]), value, end, secure);
      }
    }
  }
}

int64_t tunable_value(TunableId id) { return number_of(id.index); }

const char* tunable_string(TunableId id) {
  return values[id.index].set ? values[id.index].string : nullptr;
}

void set_tunable_with_bounds(TunableId id, uint64_t value, uint64_t min, uint64_t max) {
  Value& v = values[id.index];
  const auto old_min = static_cast<uint64_t>(min_of(id.index)),
             old_max = static_cast<uint64_t>(max_of(id.index));
  if (min < old_min) min = old_min;
  if (max > old_max) max = old_max;
  if (min > max) min = old_min, max = old_max;
  if (value < min || value > max) return;
  v.number = static_cast<int64_t>(value), v.min = static_cast<int64_t>(min),
  v.max = static_cast<int64_t>(max);
  v.set = v.narrowed = true;
}

void print_tunables() {
  const char* name = L::kTunableNames;
  for (size_t i = 0; i < kCount; ++i, name += rtld::str_len(name) + 1) {
    const Value& v = values[i];
    switch (L::kTunables[i].type()) {
      case L::TunableType::Int32:
        print_out_format("%s%s: %d (min: %d, max: %d)\n", L::kTunablePrefix, name,
                         static_cast<int>(number_of(i)), static_cast<int>(min_of(i)),
                         static_cast<int>(max_of(i)));
        break;
      case L::TunableType::String:
        print_out_format(v.set ? "%s%s: %s\n" : "%s%s:\n", L::kTunablePrefix, name, v.string);
        break;
      default:
        print_out_format("%s%s: 0x%lx (min: 0x%lx, max: 0x%lx)\n", L::kTunablePrefix, name,
                         number_of(i), min_of(i), max_of(i));
    }
  }
}

}  // namespace ldso::glibc

extern "C" __attribute__((visibility("default"))) void __tunable_get_val(unsigned id, void* valp,
                                                                         void (*callback)(void*)) {
  using namespace ldso::glibc;
  if (id >= kCount) return;
  const Value& v = values[id];
  L::TunableType type = L::kTunables[id].type();
  switch (type) {
    case L::TunableType::Int32:
      *static_cast<int32_t*>(valp) = static_cast<int32_t>(number_of(id));
      break;
    case L::TunableType::Uint64:
    case L::TunableType::SizeT:
      *static_cast<int64_t*>(valp) = number_of(id);
      break;
    case L::TunableType::String: *static_cast<const char**>(valp) = v.string; break;
  }
  if (v.set && callback) {
    union {
      int64_t numval;
      const char* strval;
    } value;
    if (type == L::TunableType::String)
      value.strval = v.string;
    else value.numval = v.number;
    callback(&value);
  }
}
