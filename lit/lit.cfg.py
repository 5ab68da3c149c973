# lit configuration for the end-to-end tests of ld.so.
#
# Normally loaded from the generated build/lit/lit.site.cfg.py (see
# CMakeLists.txt). It also runs straight from the source tree:
#   /usr/bin/python3 /usr/lib/llvm-14/build/utils/lit/lit.py -sv lit/
#
# Parameters (--param NAME=VALUE):
#   ldso=PATH       the dynamic linker under test (default: build/ld.so). Use
#                   ldso=/lib64/ld-linux-x86-64.so.2 to validate the tests
#                   against glibc's; that also sets the feature `system-ldso`.
#   build_root=DIR  build directory when run from the source tree
#                   (default: <src>/build); Output/ goes to DIR/lit.

import os
import shutil
import subprocess

import lit.formats

config.name = "ldso"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".c", ".s"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))

# Defaults for a run straight from the source tree (no lit.site.cfg.py).
if not hasattr(config, "src_root"):
    config.src_root = os.path.dirname(config.test_source_root)
    config.build_root = os.path.abspath(
        lit_config.params.get("build_root", os.path.join(config.src_root, "build")))
    config.ldso = os.path.join(config.build_root, "ld.so")
    config.llvm_tools_dir = "/usr/lib/llvm-14/bin"
    config.system_ldso = "/lib64/ld-linux-x86-64.so.2"
    config.test_exec_root = os.path.join(config.build_root, "lit")

config.ldso = os.path.abspath(lit_config.params.get("ldso", config.ldso))
if not os.path.isfile(config.ldso):
    lit_config.fatal("ld.so under test not found: %s (build it first, or pass "
                     "--param ldso=PATH)" % config.ldso)
if os.path.realpath(config.ldso) == os.path.realpath(config.system_ldso):
    config.available_features.add("system-ldso")
lit_config.note("ld.so under test: %s" % config.ldso)

# Per-test timeout (needs psutil: run lit with /usr/bin/python3), unless the
# command line gave one.
if lit_config.maxIndividualTestTime == 0:
    supported, why = lit_config.maxIndividualTestTimeIsSupported
    if supported:
        lit_config.maxIndividualTestTime = 60
    else:
        lit_config.warning("no per-test timeout: %s" % why)

# FileCheck, not, count, split-file, yaml2obj.
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
# Nothing from the caller's environment may change how a dynamic linker behaves.
for var in list(config.environment):
    if var.startswith("LD_") or var in ("GLIBC_TUNABLES", "MALLOC_CHECK_"):
        del config.environment[var]
config.environment["LC_ALL"] = "C"
# strace, where it may trace (ptrace can be refused in a container).
if shutil.which("strace") and subprocess.run(["strace", "-qq", "-o", os.devnull, "true"],
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("strace")

inputs = os.path.join(config.test_source_root, "Inputs")
nolibc_cflags = ("-nostdlib -nostartfiles -ffreestanding -fno-stack-protector -fno-builtin "
                 "-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables "
                 "-O1 -fPIE -pie -Wall -Wextra -I" + inputs)

# Longest names first: lit applies substitutions in order.
config.substitutions += [
    ("%nolibc_cflags", nolibc_cflags),
    ("%sysldso", config.system_ldso),
    ("%ldso", config.ldso),
    ("%inputs", inputs),
    # Runs a command and then prints "rc=N" (or "signal=NAME"); always succeeds.
    ("%rc", "/usr/bin/python3 " + os.path.join(inputs, "rc.py")),
    # Overwrites bytes of a file: %poke FILE OFFSET HEXBYTES.
    ("%poke", "/usr/bin/python3 " + os.path.join(inputs, "poke.py")),
    ("%python", "/usr/bin/python3"),
    ("%cxx", "g++"),
    ("%cc", "gcc"),
]
