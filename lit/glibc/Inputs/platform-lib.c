#ifndef DIR
#define DIR "?"
#endif
const char* platform_dir(void) { return DIR; }
