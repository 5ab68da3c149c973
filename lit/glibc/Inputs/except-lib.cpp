// A shared library that throws exceptions to its caller and catches the caller's.
#include <stdexcept>
#include <string>

#include "except.h"

lib_error::lib_error(int c) : std::runtime_error("lib_error " + std::to_string(c)), code(c) {}
lib_error::~lib_error() = default;

void lib_throw(int kind) {
  switch (kind) {
    case 0: throw lib_error(42);
    case 1: throw std::out_of_range("lib out_of_range");
    case 2: throw 1234;
    case 3: throw std::string("lib string");
    default: break;
  }
}

// Calls back into the executable and catches what it throws.
std::string lib_call(void (*fn)(int), int arg) {
  try {
    fn(arg);
    return "nothing thrown";
  } catch (const exe_error& e) {
    return std::string("lib caught exe_error: ") + e.what() + " code " + std::to_string(e.code);
  } catch (const std::exception& e) {
    return std::string("lib caught std::exception: ") + e.what();
  } catch (int i) {
    return "lib caught int " + std::to_string(i);
  } catch (...) {
    return "lib caught ...";
  }
}

// Catches and rethrows through the library's frames.
void lib_rethrow(void (*fn)(int), int arg) {
  try {
    fn(arg);
  } catch (...) {
    throw;
  }
}
