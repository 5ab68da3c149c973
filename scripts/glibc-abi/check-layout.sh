#!/usr/bin/env bash
# Fails when the installed glibc's private layout differs from the one ld.so was built for:
# re-dumps the layout from the installed debug info (libc6-dbg) and compares it with the
# committed JSON, and checks that the installed libc.so.6 is the build the header names.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
json=$root/ldso/glibc/layout-debian-2.36-9+deb12u14-x86_64.json
header=$root/ldso/glibc/layout-debian-2.36.hpp
libc=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
ldso=$(readlink -f /lib64/ld-linux-x86-64.so.2)
libc_id=$(readelf -n "$libc" | awk '/Build ID/{print $3}')
want_id=$(sed -n 's/.*kLibcBuildId\[\] = "\([0-9a-f]*\)".*/\1/p' "$header")
if [ "$libc_id" != "$want_id" ]; then
  echo "installed libc.so.6 has build-id $libc_id; ld.so's glibc layer is for $want_id" >&2
  exit 1
fi
id=$(readelf -n "$ldso" | awk '/Build ID/{print $3}')
debug=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
if [ ! -f "$debug" ]; then
  echo "no debug info for $ldso ($debug): install libc6-dbg" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
gdb -batch -nx -ex "source $root/scripts/glibc-abi/layout_dump.py" -ex "layout_dump $tmp" "$debug" >/dev/null
if ! diff -u "$json" "$tmp"; then
  echo "glibc's private layout drifted from $json" >&2
  exit 1
fi
# The generated header must be the one the committed JSON gives.
python3 "$root/scripts/glibc-abi/gen_layout.py" "$json" "$root/ldso/glibc/tunables-debian-2.36-9+deb12u14.txt" \
  "$want_id" "$(sed -n 's/.*kLibcVersion\[\] = "\(.*\)";/\1/p' "$header")" | diff -u "$header" - >/dev/null || {
  echo "ldso/glibc/layout-debian-2.36.hpp is stale: run scripts/glibc-abi/regenerate-layout.sh" >&2
  exit 1
}
echo "glibc layout matches the installed debug info ($want_id)"
