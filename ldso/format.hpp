// printf-style formatting for ld.so's messages: %s %c %d %u %x %p %% with l/z/j sizes, a
// width (digits or *) and zero padding.
#pragma once
#include <cstdarg>

#include "rtld/string.hpp"

// For the printf-style (variadic) functions: without SSE registers their prologues save none
// (nothing in ld.so passes floating-point arguments).
#if defined(__x86_64__)
#define LDSO_VARIADIC __attribute__((target("general-regs-only")))
#else
#define LDSO_VARIADIC
#endif

namespace ldso {

void format(rtld::Text<2048>& t, const char* fmt, va_list ap);

}  // namespace ldso
