#include "diagnostics.hpp"

namespace rtld {

const char* errno_text(int err) {
  // glibc's ld.so carries text for these only and prints "Error N" for the rest.
  switch (err) {
    case 1: return "Operation not permitted";
    case 2: return "No such file or directory";
    case 5: return "Input/output error";
    case 12: return "Cannot allocate memory";
    case 13: return "Permission denied";
    case 22: return "Invalid argument";
    default: return nullptr;
  }
}

bool Diagnostics::fail_errno(const char* object, const char* message, int err) {
  if (err < 0) err = -err;
  if (!failed_) errno_ = err;
  if (const char* text = errno_text(err)) return fail(object, message, text);
  fail(object, message);
  message_.add(": Error ").add_dec(static_cast<uint64_t>(err));
  return false;
}

}  // namespace rtld
