#!/usr/bin/env bash
# Builds ld.so and runs a real program through it in both launch modes:
#   explicitly:    build/ld.so PROGRAM ARGS...
#   as PT_INTERP:  a copy of PROGRAM whose PT_INTERP is build/ld.so (patchelf)
#
# Usage: scripts/run-main.sh [PROGRAM [ARGS...]]
#   Without arguments it runs DEFAULT_PROG with DEFAULT_ARGS (below).
#   BUILD_DIR=...  build directory (default: <repo>/build)
#   SKIP_BUILD=1   do not run setup.sh and the build
#   LDSO=...       the ld.so to run (default: $BUILD_DIR/ld.so)
# Exits non-zero if either run exits non-zero.
set -euo pipefail

# --- The default program ---------------------------------------------------
# "hello" is the libc-free lit/Inputs/hello.c, built here. Later milestones:
#   DEFAULT_PROG=/bin/ls; DEFAULT_ARGS=(-l /)
DEFAULT_PROG=/bin/ls
DEFAULT_ARGS=(-la /)
# ---------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bash "$ROOT/scripts/setup.sh"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLDSO_WERROR=ON \
    >/dev/null
  cmake --build "$BUILD_DIR" --target ldso
fi

LDSO="$(realpath "${LDSO:-$BUILD_DIR/ld.so}")"
WORK="$BUILD_DIR/run-main"
mkdir -p "$WORK"

if (($# > 0)); then
  PROG="$1"
  shift
  ARGS=("$@")
else
  PROG="$DEFAULT_PROG"
  ARGS=("${DEFAULT_ARGS[@]}")
fi

if [[ "$PROG" == hello ]]; then
  gcc -nostdlib -nostartfiles -ffreestanding -fno-stack-protector -fno-builtin \
    -fno-tree-loop-distribute-patterns -O1 -fPIE -pie -I "$ROOT/lit/Inputs" \
    "$ROOT/lit/Inputs/hello.c" -o "$WORK/hello"
  PROG="$WORK/hello"
elif [[ "$PROG" != */* ]]; then
  PROG="$(command -v "$PROG")"
fi

# A copy of the program whose PT_INTERP is our ld.so.
INTERP_PROG="$WORK/$(basename "$PROG")"
if [[ "$(realpath "$PROG")" != "$(realpath -m "$INTERP_PROG")" ]]; then
  cp "$PROG" "$INTERP_PROG"
fi
patchelf --set-interpreter "$LDSO" "$INTERP_PROG"

status=0
run() {
  echo "=== $*" >&2
  local rc=0
  "$@" || rc=$?
  echo "=== exit status: $rc" >&2
  ((rc == 0)) || status=1
}
run "$LDSO" "$PROG" "${ARGS[@]}"
run "$INTERP_PROG" "${ARGS[@]}"
exit "$status"
