#!/usr/bin/env bash
# Packs a built tree (binary, library, example plugins) with every shared
# library they need, including the dynamic loader, into one folder, so the
# server runs on a machine that has none of Debian's -dev packages (used for
# the pyarrow interop check on a lent machine). Usage: make_bundle.sh BUILD OUT
set -euo pipefail
B=${1:-build}; OUT=${2:-.devbundle}
rm -rf "$OUT"; mkdir -p "$OUT/lib" "$OUT/bin" "$OUT/examples"
cp "$B/bin/gooddata-flight-server" "$OUT/bin/"
cp "$B/lib/libgooddata_flight_server.so.0" "$OUT/lib/"
cp "$B"/examples/lib{store,tasks,perf}.so "$OUT/examples/"
for f in "$OUT/bin/gooddata-flight-server" "$OUT"/lib/*.so.0 "$OUT"/examples/*.so; do
  ldd "$f" | awk '/=> \// {print $3} /^\s*\/lib64\// {print $1}'
done | sort -u | grep -v "/libgooddata_flight_server.so.0$" | while read -r lib; do cp -L "$lib" "$OUT/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$OUT/lib/"
du -sh "$OUT"
