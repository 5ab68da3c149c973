// Locales: setlocale(LC_ALL, "C.UTF-8") (a locale archive / locale directory read through
// libc), multibyte <-> wide conversion, character classes, iconv (which dlopens gconv modules).
#include <iconv.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

int main(void) {
  const char* l = setlocale(LC_ALL, "C.UTF-8");
  printf("setlocale: %s\n", l ? l : "(null)");
  printf("codeset: %s\n", nl_langinfo(CODESET));
  const char* text = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80";
  wchar_t w[64];
  size_t n = mbstowcs(w, text, 64);
  printf("mbstowcs: %zu chars:", n);
  for (size_t i = 0; i < n; ++i) printf(" %x", (unsigned)w[i]);
  printf("\n");
  printf("iswalpha(e-acute) %d iswupper(E-acute) %d towupper(o-umlaut) %x\n",
         iswalpha(0xe9) != 0, iswupper(0xc9) != 0, (unsigned)towupper(0xf6));
  char back[64];
  size_t m = wcstombs(back, w, sizeof back);
  printf("wcstombs: %zu %s\n", m, strcmp(back, text) ? "differs" : "same");
  printf("mblen(euro) %d\n", mblen("\xe2\x82\xac", 3));
  printf("printf %%ls: %ls\n", w);

  iconv_t cd = iconv_open("ISO-8859-1", "UTF-8");
  if (cd == (iconv_t)-1) {
    printf("iconv_open failed\n");
    return 1;
  }
  char in[] = "caf\xc3\xa9", out[16] = {0};
  char *ip = in, *op = out;
  size_t il = strlen(in), ol = sizeof out;
  size_t r = iconv(cd, &ip, &il, &op, &ol);
  printf("iconv: %zu ->", r);
  for (char* p = out; p < op; ++p) printf(" %02x", (unsigned char)*p);
  printf("\n");
  iconv_close(cd);
  cd = iconv_open("UTF-16LE", "UTF-8");
  printf("iconv UTF-16LE %s\n", cd == (iconv_t)-1 ? "failed" : "ok");
  const char* missing = setlocale(LC_ALL, "xx_YY.UTF-8");
  printf("unknown locale: %s\n", missing ? missing : "(null)");
  return 0;
}
