// printf-style formatting for ld.so's messages (no libc): the subset glibc's ld.so formats
// understand.
#include "format.hpp"

namespace ldso {
namespace {

// glibc's message formatter subset: %s %d %u %x %lu %ld %lx %zu %zx %p %c %%, with a width.
void append_arg(rtld::Text<2048>& t, const char*& f, va_list ap) {
  int width = 0;
  bool zero = false;
  if (*f == '0') zero = true, ++f;
  while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
  if (*f == '*') width = va_arg(ap, int), ++f;
  bool is_long = false;
  while (*f == 'l' || *f == 'z') is_long = true, ++f;
  rtld::Text<32> num;
  const char c = *f;
  if (c == '%' || !(c == 's' || c == 'c' || c == 'd' || c == 'u' || c == 'x' || c == 'p')) {
    t.add_char('%');
    if (c != '%') t.add_char(c);
    return;
  }
  // Every other conversion takes one argument, which an int, a long, a size_t and a pointer
  // each pass in one word-sized slot on the ABIs ld.so is built for (LP64 and ILP32): read as
  // that word, then narrowed for an int (one va_arg expansion instead of seven).
  const uintptr_t a = va_arg(ap, uintptr_t);
  switch (c) {
    case 's': {
      const char* s = reinterpret_cast<const char*>(a);
      t.add(s ? s : "(null)");
      return;
    }
    case 'c':
      t.add_char(static_cast<char>(a));
      return;
    case 'd': {
      long v = is_long ? static_cast<long>(a) : static_cast<int>(a);
      if (v < 0) num.add_char('-'), v = -v;
      num.add_dec(static_cast<uint64_t>(v));
      break;
    }
    case 'p':
      num.add("0x");
      [[fallthrough]];
    case 'x':
      num.add_hex(is_long || c == 'p' ? a : static_cast<unsigned>(a));
      break;
    default:
      num.add_dec(is_long ? a : static_cast<unsigned>(a));
      break;  // 'u'
  }
  for (int i = static_cast<int>(num.len); i < width; ++i) t.add_char(zero ? '0' : ' ');
  t.add(num.c_str());
}

}  // namespace

void format(rtld::Text<2048>& t, const char* fmt, va_list ap) {
  for (const char* f = fmt; *f; ++f) {
    if (*f != '%') {
      t.add_char(*f);
      continue;
    }
    ++f;
    append_arg(t, f, ap);
    if (!*f) break;
  }
}


}  // namespace ldso
