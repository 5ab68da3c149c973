// Error reporting without exceptions. A failing step records "which object" and "what went
// wrong" (glibc's objname and errstring) and returns false; the caller decides whether that
// ends the process (start-up) or becomes dlerror() text (dlopen).
#pragma once
#include "string.hpp"

namespace rtld {

class Diagnostics {
 public:
  // Always returns false so that a step can `return diag.fail(...)`.
  bool fail(const char* object, const char* message, const char* detail = nullptr) {
    if (failed_) return false;  // the first error is the one worth reporting
    failed_ = true;
    object_.clear();
    object_.add(object);
    message_.clear();
    message_.add(message);
    if (detail) message_.add(": ").add(detail);
    occasion_ = "error while loading shared libraries";
    return false;
  }
  // What was going on, as glibc's fatal message names it ("symbol lookup error", ...).
  void set_occasion(const char* occasion) { occasion_ = occasion; }
  const char* occasion() const { return occasion_; }
  // "message: <errno text>" as glibc's ld.so words it ("Error N" where it has no text).
  bool fail_errno(const char* object, const char* message, int err);
  // For messages that need numbers or several parts: build into message() after fail().
  Text<512>& message_text() { return message_; }
  bool failed() const { return failed_; }
  // The errno of a fail_errno() failure (0 for others): its text ends the message.
  int error_number() const { return errno_; }
  const char* object() const { return object_.c_str(); }
  const char* message() const { return message_.c_str(); }
  void clear() { failed_ = false, errno_ = 0, object_.clear(), message_.clear(); }

 private:
  bool failed_ = false;
  int errno_ = 0;
  const char* occasion_ = "error while loading shared libraries";
  Text<512> object_;
  Text<512> message_;
};

// Text for the errno values loading can produce, worded as glibc's strerror words them.
const char* errno_text(int err);

}  // namespace rtld
