#pragma once
#include <stdexcept>
#include <string>

struct __attribute__((visibility("default"))) lib_error : std::runtime_error {
  explicit lib_error(int c);
  ~lib_error() override;
  int code;
};

// Defined inline: its type_info is emitted in both the executable and the library.
struct exe_error : std::logic_error {
  exe_error(const char* m, int c) : std::logic_error(m), code(c) {}
  int code;
};

void lib_throw(int kind);
std::string lib_call(void (*fn)(int), int arg);
void lib_rethrow(void (*fn)(int), int arg);
