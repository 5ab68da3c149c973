#!/usr/bin/env bash
# Regenerates ldso/glibc/layout-debian-2.36.hpp from the committed layout JSON and tunables list.
# With --dump, first re-dumps the JSON from the installed glibc debug info (libc6-dbg).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/ldso/glibc
json=$dir/layout-debian-2.36-9+deb12u14-x86_64.json
tunables=$dir/tunables-debian-2.36-9+deb12u14.txt
libc=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
build_id=$(readelf -n "$libc" | awk '/Build ID/{print $3}')
if [ "${1:-}" = --dump ]; then
  ldso=$(readlink -f /lib64/ld-linux-x86-64.so.2)
  id=$(readelf -n "$ldso" | awk '/Build ID/{print $3}')
  gdb -batch -ex "source $root/scripts/glibc-abi/layout_dump.py" -ex "layout_dump $json" \
      "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" >/dev/null
fi
version=$( (strings -a "$libc" || true) | grep -m1 "^GNU C Library (")
python3 "$root/scripts/glibc-abi/gen_layout.py" "$json" "$tunables" "$build_id" "$version" > "$dir/layout-debian-2.36.hpp"
