#!/usr/bin/env bash
# Benchmarks: raw loopback TCP (tcp_bench) and Flight through the C client
# (flight_bench) against the real server running the perf example. Starts
# the server on a free port, runs everything, prints a table and writes
# bench/results/latest.json. Finishes in a few minutes on a 2-core machine.
#   B=build bench/run.sh            (BENCH_BYTES, BENCH_CALLS to scale)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
BYTES=${BENCH_BYTES:-268435456}
CALLS=${BENCH_CALLS:-2000}
BIN="$B/bin/gooddata-flight-server"
PERF="$B/examples/libperf.so"
for f in "$BIN" "$PERF" "$B/bench/flight_bench" "$B/bench/tcp_bench"; do
  [ -e "$f" ] || { echo "missing $f (run: make B=$B all)" >&2; exit 1; }
done
mkdir -p bench/results
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/server.toml" <<TOML
[server]
listen_host = "127.0.0.1"
listen_port = $port
advertise_host = "127.0.0.1"
TOML
"$BIN" start --methods-provider "$PERF" --config "$tmp/server.toml" 2> "$tmp/server.log" &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.1
done

echo "== raw loopback TCP"
"$B/bench/tcp_bench" 65536 "$BYTES" 3 | tail -n 1
"$B/bench/tcp_bench" 1048576 "$BYTES" 3 | tail -n 1
echo "== Flight (C client -> C server, perf example, $((BYTES >> 20)) MiB per run)"
out=$(timeout 600 "$B/bench/flight_bench" "grpc://127.0.0.1:$port" --bytes "$BYTES" \
  --calls "$CALLS" --json bench/results/latest.json)
echo "$out"
echo
echo "== summary"
printf '%-8s %-8s %-12s %-10s %-12s %-8s\n' method streams batch GB/s raw_tcp ratio
echo "$out" | awk '/^do(get|put)/ {
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "%-8s %-8s %-12s %-10s %-12s %-8s\n", $1, v["streams"], v["batch_bytes"], v["gbps"], v["raw_tcp_gbps"], v["ratio_to_raw_tcp"] }'
printf '%-14s %-6s %-10s %-8s %-8s\n' call conc calls/s p50_us p99_us
echo "$out" | awk '/concurrency=/ {
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "%-14s %-6s %-10s %-8s %-8s\n", $1, v["concurrency"], v["calls_per_s"], v["p50_us"], v["p99_us"] }'
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
echo "server exit code: $rc"
echo "wrote bench/results/latest.json"
[ "$rc" -eq 0 ] && ! echo "$out" | grep -q FAILED
