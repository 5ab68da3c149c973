#!/usr/bin/env bash
# Configures, builds and runs every test (unit tests and the lit suite) through ctest.
# Usage: scripts/test.sh [extra ctest args...]
#   BUILD_DIR=...  build directory (default: <repo>/build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"

bash "$ROOT/scripts/setup.sh"

cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLDSO_WERROR=ON
cmake --build "$BUILD_DIR"
exec ctest --test-dir "$BUILD_DIR" --output-on-failure "$@"
