#!/usr/bin/env bash
# The server measured with a client that does next to nothing: nghttp2's
# h2load (Debian package nghttp2-client; skipped with a note when missing)
# posts hand-built gRPC requests and discards the responses, so the figures
# leave out the C client's gRPC core and decoding. Own perf server on a free
# port. Runnable alone:
#   B=build bench/h2load_bench.sh     knobs: H2LOAD_BYTES (default 1 GiB), H2LOAD_RUNS (5),
#                                     H2LOAD_CALLS (5000)
# 1. DoGet scaling: for 128 KiB and 16 MiB batches, 1 stream x BYTES against
#    8 streams x BYTES/8 (h2load with 2 threads), RUNS rounds interleaved;
#    prints the medians, the server's CPU seconds per GB (schedstat of its
#    threads) and the 8-stream over 1-stream ratio.
# 2. Small calls at concurrency 1: ListActions and GetFlightInfo (a perf CMD
#    descriptor), CALLS calls after 500 to warm up; p50/p99 from h2load's
#    per-request log, and ListActions against grpc_unary_floor (a bare gRPC
#    core server answering on its completion-queue thread). Each request is
#    first sent once with nghttp, which must show grpc-status 0 (h2load sees
#    only HTTP statuses).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
BYTES=${H2LOAD_BYTES:-1073741824}
RUNS=${H2LOAD_RUNS:-5}
CALLS=${H2LOAD_CALLS:-5000}
if ! command -v h2load > /dev/null || ! command -v nghttp > /dev/null; then
  echo "h2load_bench skipped: h2load/nghttp not installed (apt-get install nghttp2-client)"
  exit 0
fi
for f in "$B/bin/gooddata-flight-server" "$B/examples/libperf.so"; do
  [ -e "$f" ] || { echo "missing $f (run: make B=$B all)" >&2; exit 1; }
done
. bench/perf_lib.sh
start_perf_server
server_cpu() { cat /proc/"$spid"/task/*/schedstat 2> /dev/null | awk '{s += $1} END {printf "%.6f\n", s / 1e9}'; }
base="http://127.0.0.1:$port/arrow.flight.protocol.FlightService"
url="$base/DoGet"
# run STREAMS TICKET -> "gbps server_s_per_gb"
run() {
  local c0 c1 out
  c0=$(server_cpu)
  out=$(h2load -t "$(( $1 > 1 ? 2 : 1 ))" -n "$1" -c "$1" -m 1 -d "$2" -w 24 -W 30 \
    -H 'content-type: application/grpc' -H 'te: trailers' "$url" 2>&1)
  c1=$(server_cpu)
  grep -q "$1 succeeded" <<< "$out" || { echo "h2load failed: $out" >&2; exit 1; }
  local secs
  secs=$(sed -n 's/^finished in \([0-9.]*\)\(m\?s\),.*/\1 \2/p' <<< "$out" | awk '{print ($2 == "ms") ? $1 / 1000 : $1}')
  python3 -c "print($BYTES / $secs / 1e9, ($c1 - $c0) / ($BYTES / 1e9))"
}
for batch in 131072 16777216; do
  perf_msg ticket "$BYTES" "$batch" "$tmp/one.bin"
  perf_msg ticket "$((BYTES / 8))" "$batch" "$tmp/eight.bin"
  : > "$tmp/1.txt"; : > "$tmp/8.txt"
  for _ in $(seq 1 "$RUNS"); do
    run 1 "$tmp/one.bin" >> "$tmp/1.txt"
    run 8 "$tmp/eight.bin" >> "$tmp/8.txt"
  done
  g1=$(cut -d' ' -f1 "$tmp/1.txt" | median); c1=$(cut -d' ' -f2 "$tmp/1.txt" | median)
  g8=$(cut -d' ' -f1 "$tmp/8.txt" | median); c8=$(cut -d' ' -f2 "$tmp/8.txt" | median)
  printf 'h2load_doget batch_bytes=%s bytes=%s runs=%s streams1_gbps=%.3f streams8_gbps=%.3f ratio=%.2f server_cpu_s_per_gb_1=%.3f server_cpu_s_per_gb_8=%.3f\n' \
    "$batch" "$BYTES" "$RUNS" "$g1" "$g8" "$(python3 -c "print($g8 / $g1)")" "$c1" "$c8"
done

# gRPC-framed requests: Empty (ListActions) and a perf CMD descriptor of 1000 rows (GetFlightInfo).
printf '\0\0\0\0\0' > "$tmp/empty.bin"
perf_msg descriptor 32000 3200 "$tmp/gfi.bin"
# calls LABEL BASE_URL METHOD BODY: checks grpc-status 0 once, warms up, prints p50/p99.
calls() {
  nghttp -v -d "$4" -H 'content-type: application/grpc' -H 'te: trailers' "$2/$3" 2>&1 |
    grep -aq 'grpc-status: 0' || { echo "$1: the request did not get grpc-status 0" >&2; exit 1; }
  h2load -n 500 -c 1 -m 1 -d "$4" -H 'content-type: application/grpc' -H 'te: trailers' "$2/$3" > /dev/null 2>&1
  rm -f "$tmp/lat.log"
  h2load -n "$CALLS" -c 1 -m 1 -d "$4" -H 'content-type: application/grpc' -H 'te: trailers' \
    --log-file="$tmp/lat.log" "$2/$3" > /dev/null 2>&1
  awk '{print $3}' "$tmp/lat.log" | sort -n | awk -v m="$1" \
    '{a[NR] = $1} END {printf "h2load_call %s concurrency=1 calls=%d p50_us=%d p99_us=%d\n", m, NR, a[int((NR + 1) / 2)], a[int(NR * 0.99)]}'
}
calls ListActions "$base" ListActions "$tmp/empty.bin"
calls GetFlightInfo "$base" GetFlightInfo "$tmp/gfi.bin"
# Beside them: grpc_unary_floor, a bare gRPC core server answering on its
# completion-queue thread (no worker, no Flight), with the same client.
if [ -x "$B/bench/grpc_unary_floor" ]; then
  "$B/bench/grpc_unary_floor" > "$tmp/floor.txt" &
  fpid=$!
  for _ in $(seq 1 100); do grep -q '^port=' "$tmp/floor.txt" 2> /dev/null && break; sleep 0.05; done
  calls floor:ListActions "http://127.0.0.1:$(sed -n 's/^port=//p' "$tmp/floor.txt")/arrow.flight.protocol.FlightService" \
    ListActions "$tmp/empty.bin"
  kill -TERM "$fpid"
  wait "$fpid" 2> /dev/null || true
fi
