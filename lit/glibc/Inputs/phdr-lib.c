int phdr_lib_value(void) { return 42; }
