// What libc learns from the dynamic linker and the kernel: sysconf values, getauxval,
// sched_getcpu.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(void) {
  printf("_SC_PAGESIZE %ld\n", sysconf(_SC_PAGESIZE));
  printf("_SC_SIGSTKSZ %ld\n", sysconf(_SC_SIGSTKSZ));
  printf("_SC_MINSIGSTKSZ %ld\n", sysconf(_SC_MINSIGSTKSZ));
  printf("_SC_NPROCESSORS_ONLN %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
  printf("_SC_NPROCESSORS_CONF %ld\n", sysconf(_SC_NPROCESSORS_CONF));
  printf("_SC_CLK_TCK %ld\n", sysconf(_SC_CLK_TCK));
  printf("_SC_LEVEL1_ICACHE_SIZE %ld\n", sysconf(_SC_LEVEL1_ICACHE_SIZE));
  printf("_SC_LEVEL1_ICACHE_LINESIZE %ld\n", sysconf(_SC_LEVEL1_ICACHE_LINESIZE));
  printf("_SC_LEVEL1_DCACHE_SIZE %ld\n", sysconf(_SC_LEVEL1_DCACHE_SIZE));
  printf("_SC_LEVEL1_DCACHE_ASSOC %ld\n", sysconf(_SC_LEVEL1_DCACHE_ASSOC));
  printf("_SC_LEVEL1_DCACHE_LINESIZE %ld\n", sysconf(_SC_LEVEL1_DCACHE_LINESIZE));
  printf("_SC_LEVEL2_CACHE_SIZE %ld\n", sysconf(_SC_LEVEL2_CACHE_SIZE));
  printf("_SC_LEVEL2_CACHE_ASSOC %ld\n", sysconf(_SC_LEVEL2_CACHE_ASSOC));
  printf("_SC_LEVEL2_CACHE_LINESIZE %ld\n", sysconf(_SC_LEVEL2_CACHE_LINESIZE));
  printf("_SC_LEVEL3_CACHE_SIZE %ld\n", sysconf(_SC_LEVEL3_CACHE_SIZE));
  printf("_SC_LEVEL3_CACHE_ASSOC %ld\n", sysconf(_SC_LEVEL3_CACHE_ASSOC));
  printf("_SC_LEVEL3_CACHE_LINESIZE %ld\n", sysconf(_SC_LEVEL3_CACHE_LINESIZE));
  printf("_SC_LEVEL4_CACHE_SIZE %ld\n", sysconf(_SC_LEVEL4_CACHE_SIZE));
  printf("_SC_OPEN_MAX %ld\n", sysconf(_SC_OPEN_MAX));
  printf("_SC_THREAD_STACK_MIN %ld\n", sysconf(_SC_THREAD_STACK_MIN));
  printf("AT_HWCAP %#lx\n", getauxval(AT_HWCAP));
  printf("AT_HWCAP2 %#lx\n", getauxval(AT_HWCAP2));
  printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
  printf("AT_CLKTCK %lu\n", getauxval(AT_CLKTCK));
  printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
  printf("AT_MINSIGSTKSZ %s\n", getauxval(AT_MINSIGSTKSZ) ? "nonzero" : "zero");
  const char* platform = (const char*)getauxval(AT_PLATFORM);
  printf("AT_PLATFORM %s\n", platform ? platform : "(null)");
  printf("AT_RANDOM %s\n", getauxval(AT_RANDOM) ? "present" : "missing");
  printf("AT_SYSINFO_EHDR %s\n", getauxval(AT_SYSINFO_EHDR) ? "present" : "missing");
  printf("getauxval(AT_NULL - unknown 999) %lu\n", getauxval(999));
  int cpu = sched_getcpu();
  printf("sched_getcpu %s\n", cpu >= 0 && cpu < sysconf(_SC_NPROCESSORS_CONF) ? "ok" : "bad");
  printf("getpagesize %d\n", getpagesize());
  return 0;
}
