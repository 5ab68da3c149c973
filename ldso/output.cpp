#include "arch/syscall.hpp"
#include "rtld/platform.hpp"
#include "rtld/string.hpp"
#include "debug_log.hpp"
#include "format.hpp"
#include "runtime.hpp"

namespace ldso {

void print(const char* text) { rtld::platform::write_error(text, rtld::str_len(text)); }

namespace {
// Formatted to standard output, or else to standard error.
void print_formatted(bool to_output, const char* fmt, va_list ap) {
  rtld::Text<2048> t;
  format(t, fmt, ap);
  if (to_output)
    print_out(t.data);
  else
    rtld::platform::write_error(t.data, t.len);
}
}  // namespace

LDSO_VARIADIC void print_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_formatted(false, fmt, ap);
  va_end(ap);
}

void print_out(const char* text) {
  for (size_t n = rtld::str_len(text); n > 0;) {
    long r = arch::syscall6(__NR_write, 1, reinterpret_cast<long>(text), static_cast<long>(n));
    if (r == -4 /* EINTR */) continue;
    if (r <= 0) return;
    text += r;
    n -= static_cast<size_t>(r);
  }
}

LDSO_VARIADIC void print_out_format(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_formatted(true, fmt, ap);
  va_end(ap);
}

void exit_process(int status) {
  for (;;) arch::syscall6(__NR_exit_group, status);
}

void fatal(const rtld::Diagnostics& diag) {
  const char* object = diag.object();
  // glibc's _dl_signal_cexception reports a failed lookup under any LD_DEBUG category but
  // statistics, naming the referring object (the program by its name).
  if ((debug::mask & ~unsigned{debug::kStatistics}) && rtld::str_eq(diag.occasion(), "symbol lookup error"))
    debug::print("%s: error: %s: %s (fatal)", *object ? object : runtime.program_name, diag.occasion(),
                 diag.message());
  print_error("%s: %s: %s%s%s\n", runtime.program_name, diag.occasion(), object, *object ? ": " : "",
              diag.message());
  exit_process(127);
}

}  // namespace ldso
