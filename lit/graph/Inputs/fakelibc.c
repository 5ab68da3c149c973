/* fakelibc.c - a stand-in "libc.so.6" for libc-free test programs that make
 * glibc's ld.so a usable oracle.
 *
 * glibc 2.36's ld.so needs libc once anything depends on ld.so itself (as a
 * library using __tls_get_addr does): it then looks up malloc, calloc,
 * realloc and free (GLIBC_2.2.5) in the global scope, pthread_mutex_lock and
 * pthread_mutex_unlock in the object whose SONAME is libc.so.6 (a null
 * pointer dereference without one), and calls its __libc_early_init
 * (GLIBC_PRIVATE). And its _dl_fini -- the %rdx function a program calls at
 * exit -- asserts unless ld.so is on the link-map list, that is, unless
 * something depends on it. So a program that wants glibc to run destructors
 * links against ld.so and this file:
 *   %cc %libflags %graph/fakelibc.c -o DIR/libc.so.6 -Wl,-soname,libc.so.6 \
 *       -Wl,--version-script=%graph/fakelibc.map
 * and finds it before the real libc.so.6 (DT_RPATH, LD_LIBRARY_PATH). */
typedef unsigned long size_t;

static char heap[1 << 16] __attribute__((aligned(16)));
static size_t used;

void* malloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n + 16 > sizeof heap - used) return 0;
  *(size_t*)(heap + used) = n;  /* a 16-byte header holds the size */
  used += n + 16;
  return heap + used - n;
}

void* calloc(size_t count, size_t size) { return malloc(count * size); } /* heap is zero */

void free(void* p) { (void)p; }

void* realloc(void* p, size_t n) {
  char* q = malloc(n);
  if (q && p) {
    int ours = (char*)p >= heap && (char*)p < heap + sizeof heap;
    size_t old = ours ? ((size_t*)p)[-2] : n;
    for (size_t i = 0; i < n && i < old; ++i) q[i] = ((char*)p)[i];
  }
  return q;
}

int pthread_mutex_lock(void* m) { (void)m; return 0; }
int pthread_mutex_unlock(void* m) { (void)m; return 0; }

void __libc_early_init(_Bool initial) { (void)initial; }
