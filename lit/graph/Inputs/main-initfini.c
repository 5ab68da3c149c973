/* main-initfini.c - a program whose own DT_PREINIT_ARRAY, DT_INIT,
 * DT_INIT_ARRAY, DT_FINI_ARRAY and DT_FINI say when they run (build with
 * -Wl,-init=main_init -Wl,-fini=main_fini). It prints the load order, then
 * calls the %rdx termination function at exit. */
#define NL_CALL_FINI 1
#include "linkmap.h"

static void say(const char* what) {
  nl_puts(what);
  nl_puts(" main\n");
}
__attribute__((visibility("hidden"))) void main_init(void) { say("DT_INIT"); }
__attribute__((visibility("hidden"))) void main_fini(void) { say("DT_FINI"); }
static void preinit0(int argc, char** argv, char** envp) {
  nl_puts("preinit_array[0] main argc=");
  nl_putd(argc);
  nl_puts(" argv[1]=");
  nl_puts(argc > 1 ? argv[1] : "-");
  nl_puts("\n");
}
static void preinit1(void) { say("preinit_array[1]"); }
static void init0(void) { say("init_array[0]"); }
static void fini0(void) { say("fini_array[0]"); }
static void fini1(void) { say("fini_array[1]"); }
__attribute__((used, section(".preinit_array"))) static void (*const preinit_array[])(int, char**, char**) = {preinit0, (void (*)(int, char**, char**))preinit1};
__attribute__((used, section(".init_array"))) static void (*const init_array[])(void) = {init0};
__attribute__((used, section(".fini_array"))) static void (*const fini_array[])(void) = {fini0, fini1};

int cmain(long argc, char** argv, char** envp, unsigned long* auxv) {
  print_link_map();
  nl_puts("main\n");
  return 0;
}
