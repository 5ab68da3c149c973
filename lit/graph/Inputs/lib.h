/* lib.h - output helpers for the libc-free shared libraries of lit/graph.
 *
 * Programs use nolibc.h (which has _start); libraries include this instead:
 * static functions only, so every library has its own copy. */
#ifndef GRAPH_LIB_H
#define GRAPH_LIB_H

static inline long gl_write(int fd, const void* buf, unsigned long len) {
  long r;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(1L /* SYS_write */), "D"((long)fd), "S"(buf), "d"(len)
                   : "rcx", "r11", "memory");
  return r;
}

static inline void gl_puts(const char* s) {
  unsigned long n = 0;
  while (s[n]) ++n;
  gl_write(1, s, n);
}

static inline void gl_putd(long v) {
  char buf[24];
  int i = sizeof buf;
  unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
  do {
    buf[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) buf[--i] = '-';
  gl_write(1, buf + i, sizeof buf - i);
}

static inline void gl_putx(unsigned long v) {
  char buf[18];
  int i = sizeof buf;
  do {
    unsigned d = v & 15;
    buf[--i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v >>= 4;
  } while (v);
  buf[--i] = 'x';
  buf[--i] = '0';
  gl_write(1, buf + i, sizeof buf - i);
}

#define GL_STR2(x) #x
#define GL_STR(x) GL_STR2(x)
#define GL_CAT2(a, b) a##b
#define GL_CAT(a, b) GL_CAT2(a, b)

#endif /* GRAPH_LIB_H */
