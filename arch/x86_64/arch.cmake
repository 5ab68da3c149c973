set(LDSO_SONAME ld-linux-x86-64.so.2)
set(LDSO_SYSTEM_INTERP /lib64/ld-linux-x86-64.so.2)
