#pragma once
#include <string>

// Thread-local state of the shared library (tls-lib.cpp).
struct lib_tls_report {
  int int_value;        // __thread int, initialised to 7
  long array_sum;       // __thread long[16] = {1..16}
  std::string text;     // thread_local std::string with a dynamic initialiser
  int counter;          // thread_local object with a constructor and destructor
};
void lib_tls_set(int id);
lib_tls_report lib_tls_get();
int lib_tls_destroyed();
int* lib_tls_address();
