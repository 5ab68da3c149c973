// printf-style formatting for ld.so's messages: %s %c %d %u %x %p %% with l/z/j sizes, a
// width (digits or *) and zero padding.
#pragma once
#include <cstdarg>

#include "rtld/string.hpp"

namespace ldso {

void format(rtld::Text<2048>& t, const char* fmt, va_list ap);

}  // namespace ldso
