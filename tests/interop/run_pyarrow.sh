#!/usr/bin/env bash
# Starts the store, tasks and perf examples from a bundle (make_bundle.sh) and
# runs pyarrow_check.py against them. Usage: run_pyarrow.sh BUNDLE
set -uo pipefail
D=$(cd "${1:-.devbundle}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
pids=()
start() { # name port
  printf '[server]\nlisten_port = %s\nadvertise_host = "127.0.0.1"\n' "$2" > "/tmp/gf-$1.toml"
  ( exec "$D/lib/ld-linux-x86-64.so.2" --library-path "$D/lib" "$D/bin/gooddata-flight-server" \
      start --methods-provider "$D/examples/lib$1.so" --config "/tmp/gf-$1.toml" \
      >/dev/null 2>"/tmp/gf-$1.log" ) &
  pids+=($!)
}
start store 31001; start tasks 31002; start perf 31003
sleep 2
python3 "$here/pyarrow_check.py" 31001 31002 31003; rc=$?
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p"; echo "server $p exit $?"; done
for n in store tasks perf; do grep -m3 -i '"level":"error"' "/tmp/gf-$n.log"; done
exit $rc
