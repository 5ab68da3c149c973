set(LDSO_SONAME ld-linux-x86-64.so.2)
set(LDSO_SYSTEM_INTERP /lib64/ld-linux-x86-64.so.2)
# Inline copies and clears of structures in ld.so move 8 bytes a step (rep movsq/stosq), not 1
# or 4 as -Oz picks: 64 bytes, and 2% fewer instructions for a trivial program (valgrind counts
# each step of a rep instruction).
set(LDSO_ARCH_FLAGS -mstringop-strategy=rep_8byte)
