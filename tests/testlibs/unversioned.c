/* A test input without symbol versions (linked with -nostdlib: no version needs either). */
int foo(void) { return 11; }
int data_var = 42;
const char rodata_str[] = "hello from rtld tests";
char bss_array[3 * 4096 + 123];
