/* node.c - one object of a dependency graph: it says when its DT_INIT, its two
 * DT_INIT_ARRAY entries, its two DT_FINI_ARRAY entries and its DT_FINI run.
 * Build with -DNAME=x -Wl,-init=node_init -Wl,-fini=node_fini. */
#include "lib.h"

static void say(const char* what, int argc, char** argv) {
  gl_puts(what);
  gl_puts(" " GL_STR(NAME));
  if (argv) {  /* initialisers get (argc, argv, envp) */
    gl_puts(" argc=");
    gl_putd(argc);
    gl_puts(" argv[1]=");
    gl_puts(argc > 1 ? argv[1] : "-");
  }
  gl_puts("\n");
}

__attribute__((visibility("hidden"))) void node_init(int argc, char** argv, char** envp) {
  say("DT_INIT", argc, argv);
}
__attribute__((visibility("hidden"))) void node_fini(void) { say("DT_FINI", 0, 0); }

static void init0(int argc, char** argv, char** envp) { say("init_array[0]", argc, argv); }
static void init1(int argc, char** argv, char** envp) { say("init_array[1]", argc, argv); }
static void fini0(void) { say("fini_array[0]", 0, 0); }
static void fini1(void) { say("fini_array[1]", 0, 0); }

__attribute__((used, section(".init_array"))) static void (*const init_array[])(int, char**, char**) = {init0, init1};
__attribute__((used, section(".fini_array"))) static void (*const fini_array[])(void) = {fini0, fini1};

/* Something to link against. */
void GL_CAT(NAME, _fn)(void) {}
