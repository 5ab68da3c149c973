#!/usr/bin/env bash
# Installs what the build and the tests need on a Debian 12 machine.
# Idempotent; prints nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ clang-14 lld-14 llvm-14-tools clang lld
  googletest libgtest-dev libgmock-dev
  python3-psutil patchelf elfutils binutils file
  # the glibc layout drift test re-dumps the layout from the installed debug info
  gdb libc6-dbg
  # lit/env: valgrind on a program started by our ld.so; lit/syscalls.test: the system calls
  valgrind strace
  # lit/graph/ldcache-only and lit/env/inhibit-cache: a library found only through ld.so.cache
  fakeroot
  # the unmodified system programs lit/glibc runs under our ld.so
  bash coreutils perl python3 git nodejs
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup.sh: installing: ${missing[*]}" >&2
SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -o DPkg::Lock::Timeout=600 -qq >&2
"${SUDO[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
  "${missing[@]}" >&2
