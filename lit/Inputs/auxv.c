/* Prints what a program sees at entry, limited to facts that do not depend
 * on ASLR, so that runs under different dynamic linkers can be diffed. */
#include "nolibc.h"

typedef struct {
  unsigned char e_ident[16];
  unsigned short e_type, e_machine;
  unsigned int e_version;
  unsigned long e_entry, e_phoff, e_shoff;
  unsigned int e_flags;
  unsigned short e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} nl_ehdr;

static void line(const char* key, const char* val) {
  nl_puts(key);
  nl_puts(": ");
  nl_puts(val);
  nl_puts("\n");
}

static void uline(const char* key, unsigned long val) {
  nl_puts(key);
  nl_puts(": ");
  nl_putu(val);
  nl_puts("\n");
}

static const char* yesno(int b) { return b ? "yes" : "no"; }

int cmain(long argc, char** argv, char** envp, unsigned long* auxv) {
  uline("argc", argc);
  for (long i = 0; i < argc; ++i) line("argv", argv[i]);
  if (argv[argc] != 0) line("argv", "NOT NULL-TERMINATED");
  for (char** e = envp; *e; ++e) line("envp", *e);

  line("sp_aligned", yesno((nl_entry_sp & 15) == 0));
  line("sp_is_argc", yesno((unsigned long*)nl_entry_sp + 1 == (unsigned long*)argv));
  line("fini_nonnull", yesno(nl_entry_fini != 0));

  const nl_ehdr* eh = (const nl_ehdr*)__ehdr_start;
  unsigned long phdr = nl_getauxval(auxv, NL_AT_PHDR, 0);
  line("AT_PHDR_ok", yesno(phdr == (unsigned long)__ehdr_start + eh->e_phoff));
  uline("AT_PHNUM", nl_getauxval(auxv, NL_AT_PHNUM, 0));
  line("AT_PHNUM_ok", yesno(nl_getauxval(auxv, NL_AT_PHNUM, 0) == eh->e_phnum));
  uline("AT_PHENT", nl_getauxval(auxv, NL_AT_PHENT, 0));
  uline("AT_PAGESZ", nl_getauxval(auxv, NL_AT_PAGESZ, 0));
  unsigned long entry = nl_getauxval(auxv, NL_AT_ENTRY, 0);
  line("AT_ENTRY_ok", yesno(entry == (unsigned long)_start));
  unsigned long execfn = nl_getauxval(auxv, NL_AT_EXECFN, 0);
  line("AT_EXECFN", execfn ? (const char*)execfn : "(absent)");
  unsigned long base = nl_getauxval(auxv, NL_AT_BASE, 0);
  line("AT_BASE_nonzero", yesno(base != 0));
  if (base) {
    const nl_ehdr* ld = (const nl_ehdr*)base;
    line("AT_BASE_is_elf",
         yesno(ld->e_ident[0] == 0x7f && ld->e_ident[1] == 'E' && ld->e_ident[2] == 'L' &&
               ld->e_ident[3] == 'F' && ld->e_type == 3 /* ET_DYN */));
  }
  line("AT_RANDOM_present", yesno(nl_getauxval(auxv, NL_AT_RANDOM, 0) != 0));
  line("AT_SYSINFO_EHDR_present", yesno(nl_getauxval(auxv, NL_AT_SYSINFO_EHDR, 0) != 0));
  uline("AT_SECURE", nl_getauxval(auxv, NL_AT_SECURE, 99));

  nl_puts("auxv_types:");
  for (unsigned long* a = auxv;; a += 2) {
    nl_puts(" ");
    nl_putu(a[0]);
    if (a[0] == NL_AT_NULL) break;
  }
  nl_puts("\n");
  return 0;
}
