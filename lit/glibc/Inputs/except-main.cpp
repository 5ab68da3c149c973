// Exceptions across the executable / shared library boundary, both ways.
#include <cstdio>
#include <stdexcept>
#include <string>

#include "except.h"

static void exe_throw(int kind) {
  switch (kind) {
    case 0: throw exe_error("from exe", 7);
    case 1: throw std::invalid_argument("exe invalid_argument");
    case 2: throw 99;
    case 3: throw 2.5;
    default: break;
  }
}

int main() {
  for (int k = 0; k < 5; ++k) {
    try {
      lib_throw(k);
      std::printf("lib_throw(%d): nothing thrown\n", k);
    } catch (const lib_error& e) {
      std::printf("lib_throw(%d): exe caught lib_error %d: %s\n", k, e.code, e.what());
    } catch (const std::exception& e) {
      std::printf("lib_throw(%d): exe caught std::exception: %s\n", k, e.what());
    } catch (int i) {
      std::printf("lib_throw(%d): exe caught int %d\n", k, i);
    } catch (const std::string& s) {
      std::printf("lib_throw(%d): exe caught string %s\n", k, s.c_str());
    }
  }
  for (int k = 0; k < 5; ++k) std::printf("lib_call(%d): %s\n", k, lib_call(exe_throw, k).c_str());
  for (int k = 0; k < 3; ++k) {
    try {
      lib_rethrow(lib_throw, k);
    } catch (const std::exception& e) {
      std::printf("rethrow(%d): %s\n", k, e.what());
    } catch (...) {
      std::printf("rethrow(%d): something else\n", k);
    }
  }
  // Many throws (the unwinder's object lookup, _dl_find_object, is cached).
  int caught = 0;
  for (int i = 0; i < 10000; ++i) {
    try {
      lib_throw(i % 4);
    } catch (...) {
      ++caught;
    }
  }
  std::printf("caught %d\n", caught);
  // Uncaught: std::terminate, abort.
  std::fflush(stdout);
  lib_throw(0);
  return 0;
}
