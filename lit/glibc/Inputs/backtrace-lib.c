__attribute__((noinline)) void lib_call_back(void (*fn)(void)) {
  fn();
  __asm__ volatile("");  // not a tail call
}
