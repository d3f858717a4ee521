#!/usr/bin/env bash
# gooddata-flight CLI throughput beside the C client benchmark, same server,
# same run: `gooddata-flight get --cmd <perf> --format arrow -o /dev/null` of
# a 1 GiB dataset (perf example, 1 MiB batches, one endpoint) against
# flight_bench's DoGet of the same bytes (1 stream, 1 MiB batches), RUNS
# times interleaved; prints the medians and the ratio. Runnable alone:
#   B=build bench/cli_bench.sh        knobs: CLI_BENCH_BYTES (default 1 GiB), CLI_BENCH_RUNS (3)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
BYTES=${CLI_BENCH_BYTES:-1073741824}
RUNS=${CLI_BENCH_RUNS:-3}
for f in "$B/bin/gooddata-flight-server" "$B/bin/gooddata-flight" "$B/examples/libperf.so" "$B/bench/flight_bench"; do
  [ -e "$f" ] || { echo "missing $f (run: make B=$B all)" >&2; exit 1; }
done
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[server]\nlisten_host = "127.0.0.1"\nlisten_port = %s\nadvertise_host = "127.0.0.1"\n' "$port" > "$tmp/s.toml"
MALLOC_ARENA_MAX=1 "$B/bin/gooddata-flight-server" start --methods-provider "$B/examples/libperf.so" \
  --config "$tmp/s.toml" 2> "$tmp/server.log" &
spid=$!
trap 'kill -TERM $spid 2>/dev/null; wait $spid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
uri="grpc://127.0.0.1:$port"
# perf.Perf{2: stream_count 1, 3: records_per_stream, 4: records_per_batch} (32-byte rows, 1 MiB batches)
python3 - "$BYTES" > "$tmp/perf.bin" <<'PY'
import sys
def v(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
sys.stdout.buffer.write(b"\x10" + v(1) + b"\x18" + v(int(sys.argv[1]) // 32) + b"\x20" + v(32768))
PY
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$tmp/c.txt"; : > "$tmp/cli.txt"
for r in $(seq 1 "$RUNS"); do
  "$B/bench/flight_bench" "$uri" --only tput --methods doget --streams 1 --batches 1048576 --bytes "$BYTES" \
    | sed -n 's/.* gbps=\([0-9.]*\) .*/\1/p' >> "$tmp/c.txt"
  t0=$(date +%s.%N)
  "$B/bin/gooddata-flight" get --uri "$uri" --cmd "@$tmp/perf.bin" --format arrow -o /dev/null
  t1=$(date +%s.%N)
  python3 -c "print($BYTES / ($t1 - $t0) / 1e9)" >> "$tmp/cli.txt"
done
c=$(median < "$tmp/c.txt"); k=$(median < "$tmp/cli.txt")
printf 'cli_get_arrow bytes=%s runs=%s c_client_doget_gbps=%.3f cli_gbps=%.3f ratio=%.2f\n' \
  "$BYTES" "$RUNS" "$c" "$k" "$(python3 -c "print($k / $c)")"
