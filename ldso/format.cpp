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
  while (*f == 'l' || *f == 'z' || *f == 'j') is_long = true, ++f;
  rtld::Text<32> num;
  switch (*f) {
    case 's': {
      const char* s = va_arg(ap, const char*);
      t.add(s ? s : "(null)");
      return;
    }
    case 'c': t.add_char(static_cast<char>(va_arg(ap, int))); return;
    case '%': t.add_char('%'); return;
    case 'd': {
      long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
      if (v < 0) num.add_char('-'), v = -v;
      num.add_dec(static_cast<uint64_t>(v));
      break;
    }
    case 'u': num.add_dec(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned)); break;
    case 'x': num.add_hex(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned)); break;
    case 'p': num.add("0x").add_hex(reinterpret_cast<uintptr_t>(va_arg(ap, void*))); break;
    default: t.add_char('%').add_char(*f); return;
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
