/* nolibc.h - a tiny runtime for libc-free x86_64 Linux test programs.
 *
 * Include it from exactly one translation unit of a program and define
 *   int cmain(long argc, char** argv, char** envp, unsigned long* auxv);
 * Build with %nolibc_cflags (-nostdlib -nostartfiles -ffreestanding ...).
 *
 * _start (below) receives the initial stack pointer and %rdx (the psABI's
 * termination function, passed by the dynamic linker), calls cmain and exits
 * with cmain's value. Both are kept in nl_entry_sp and nl_entry_fini.
 *
 * With NL_CALL_FINI defined before the #include, the termination function is
 * called (when non-null) before exiting. It is off by default because glibc
 * 2.36's _dl_fini aborts for a program without DT_NEEDED entries (ld.so then
 * takes itself off the link-map list but still counts itself):
 *   Inconsistency detected by ld.so: dl-fini.c: 87: _dl_fini: Assertion
 *   `ns != LM_ID_BASE || i == nloaded' failed!   (exit status 127)
 */
#ifndef NOLIBC_H
#define NOLIBC_H

#if !defined(__x86_64__)
#error "nolibc.h supports x86_64 only"
#endif

typedef unsigned long nl_size_t;

#define NL_AT_NULL 0
#define NL_AT_PHDR 3
#define NL_AT_PHENT 4
#define NL_AT_PHNUM 5
#define NL_AT_PAGESZ 6
#define NL_AT_BASE 7
#define NL_AT_FLAGS 8
#define NL_AT_ENTRY 9
#define NL_AT_UID 11
#define NL_AT_EUID 12
#define NL_AT_GID 13
#define NL_AT_EGID 14
#define NL_AT_PLATFORM 15
#define NL_AT_HWCAP 16
#define NL_AT_CLKTCK 17
#define NL_AT_SECURE 23
#define NL_AT_RANDOM 25
#define NL_AT_EXECFN 31
#define NL_AT_SYSINFO_EHDR 33

/* ---- raw system calls ---------------------------------------------------- */

static inline long nl_syscall1(long n, long a) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
  return r;
}

static inline long nl_syscall3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static inline long nl_write(int fd, const void* buf, nl_size_t len) {
  return nl_syscall3(1 /* SYS_write */, fd, (long)buf, (long)len);
}

__attribute__((noreturn)) static inline void nl_exit_group(int status) {
  for (;;) nl_syscall1(231 /* SYS_exit_group */, status);
}

/* ---- entry point --------------------------------------------------------- */

int cmain(long argc, char** argv, char** envp, unsigned long* auxv);

/* Values captured at entry, for tests that inspect them. */
static unsigned long nl_entry_sp;   /* %rsp at _start */
static void (*nl_entry_fini)(void); /* %rdx at _start */

__attribute__((used, noreturn, visibility("hidden"))) void nl_start_c(unsigned long* sp,
                                                                      void (*fini)(void)) {
  nl_entry_sp = (unsigned long)sp;
  nl_entry_fini = fini;
  long argc = (long)sp[0];
  char** argv = (char**)(sp + 1);
  char** envp = argv + argc + 1;
  char** p = envp;
  while (*p) ++p;
  unsigned long* auxv = (unsigned long*)(p + 1);
  int rc = cmain(argc, argv, envp, auxv);
#ifdef NL_CALL_FINI
  if (nl_entry_fini) nl_entry_fini();
#endif
  nl_exit_group(rc);
}

__asm__(
    ".text\n"
    ".globl _start\n"
    ".type _start,@function\n"
    "_start:\n"
    "  .cfi_startproc\n"
    "  .cfi_undefined rip\n"
    "  xor %ebp, %ebp\n"
    "  mov %rsp, %rdi\n" /* arg 1: initial stack pointer */
    "  mov %rdx, %rsi\n" /* arg 2: termination function from ld.so */
    "  and $-16, %rsp\n" /* do not rely on the caller for the call below */
    "  call nl_start_c\n"
    "  hlt\n"
    "  .cfi_endproc\n"
    ".size _start, .-_start\n");

/* The address of _start itself, to compare with AT_ENTRY. */
extern char _start[] __attribute__((visibility("hidden")));
/* Link-time symbol at the program's ELF header (its load base). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

/* ---- tiny string and number helpers -------------------------------------- */

static inline nl_size_t nl_strlen(const char* s) {
  nl_size_t n = 0;
  while (s[n]) ++n;
  return n;
}

static inline int nl_streq(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

static inline void nl_fputs(int fd, const char* s) { nl_write(fd, s, nl_strlen(s)); }
static inline void nl_puts(const char* s) { nl_fputs(1, s); }
static inline void nl_eputs(const char* s) { nl_fputs(2, s); }

static inline void nl_putc(char c) { nl_write(1, &c, 1); }

static inline void nl_fputu(int fd, unsigned long v) {
  char buf[24];
  int i = sizeof buf;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  nl_write(fd, buf + i, sizeof buf - i);
}

static inline void nl_fputd(int fd, long v) {
  if (v < 0) {
    nl_write(fd, "-", 1);
    nl_fputu(fd, -(unsigned long)v);
  } else {
    nl_fputu(fd, (unsigned long)v);
  }
}

static inline void nl_fputx(int fd, unsigned long v) {
  char buf[18];
  int i = sizeof buf;
  do {
    unsigned d = v & 15;
    buf[--i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v >>= 4;
  } while (v);
  buf[--i] = 'x';
  buf[--i] = '0';
  nl_write(fd, buf + i, sizeof buf - i);
}

static inline void nl_putu(unsigned long v) { nl_fputu(1, v); }
static inline void nl_putd(long v) { nl_fputd(1, v); }
static inline void nl_putx(unsigned long v) { nl_fputx(1, v); }

/* Parses a non-negative decimal number; returns -1 on anything else. */
static inline long nl_atol(const char* s) {
  long v = 0;
  if (!*s) return -1;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* Returns the value of auxv entry TYPE, or DEFLT when it is absent. */
static inline unsigned long nl_getauxval(const unsigned long* auxv, unsigned long type,
                                         unsigned long deflt) {
  for (; auxv[0] != NL_AT_NULL; auxv += 2)
    if (auxv[0] == type) return auxv[1];
  return deflt;
}

#endif /* NOLIBC_H */
