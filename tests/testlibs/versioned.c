/* A test input for rtld's symbol lookup: several symbol versions, data, bss and TLS.
   Functions return constants and use no relocations, so the tests can call them in an image
   that was mapped but never relocated. */

/* foo: an old version (foo@VERS_1, hidden) and the default (foo@@VERS_2). */
__attribute__((symver("foo@VERS_1"))) int foo_v1(void) { return 1; }
__attribute__((symver("foo@@VERS_2"))) int foo_v2(void) { return 2; }

/* only_old: exists only as a non-default version of the first version node (index 2). */
__attribute__((symver("only_old@VERS_1"))) int only_old_impl(void) { return 3; }

/* old2: exists only as a non-default version of a later node (index 3, hidden). */
__attribute__((symver("old2@VERS_2"))) int old2_impl(void) { return 4; }

/* newonly: only a default version, of a later node (index 3, not hidden). */
int newonly(void) { return 5; }

/* v3sym: in the newest node. */
int v3sym(void) { return 6; }

int data_var = 42;
const char rodata_str[] = "hello from rtld tests";
char bss_array[3 * 4096 + 123];
__thread int tls_var = 7;
__thread char tls_bss[64];
