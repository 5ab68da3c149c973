// The steps of start-up that live outside main.cpp.
#pragma once
#include <cstdint>

#include "rtld/diagnostics.hpp"
#include "rtld/module.hpp"

namespace ldso {

struct EntryPoint {
  uintptr_t entry;
  uintptr_t fini;
};
EntryPoint start_program(uintptr_t* stack);

// thread.cpp: the initial thread's TCB, DTV and static TLS.
void setup_initial_thread(rtld::Diagnostics& diag);
void fill_initial_tls();

// init.cpp: DT_PREINIT_ARRAY, DT_INIT, DT_INIT_ARRAY in order; the fini function.
void run_initializers(rtld::Diagnostics& diag);
extern "C" void run_finalizers();

// debug.cpp: r_debug for debuggers.
void publish_debug_state();
enum DebugState { kDebugConsistent = 0, kDebugAdd = 1, kDebugDelete = 2 };
void debug_state(int state, long ns = 0);  // sets r_state (of namespace ns), calls _dl_debug_state

// info.cpp
void print_help();
void print_version();
const char* interp_path(const rtld::Module& main);
// The executable's $ORIGIN, worked out on first use (SearchConfig::main_origin): for a program
// the kernel mapped, a readlink of /proc/self/exe that most runs never need. Once known it is
// also the main link_map's l_origin, as glibc sets it then.
const char* main_origin();
const char* main_origin_if_known();  // without working it out

}  // namespace ldso
