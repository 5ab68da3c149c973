/* who.c - a library that says which copy of it was loaded (-DTAG=something):
 * it defines who(), or with -DMID mid(), which says its tag and calls who()
 * from whichever library defines it. */
#include "lib.h"

#ifdef MID
void who(void);
void mid(void) {
  gl_puts("mid: " GL_STR(TAG) " -> ");
  who();
}
#else
void who(void) { gl_puts("who: " GL_STR(TAG) "\n"); }
#endif
