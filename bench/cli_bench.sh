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
. bench/perf_lib.sh
start_perf_server
uri="grpc://127.0.0.1:$port"
perf_msg perf "$BYTES" 1048576 "$tmp/perf.bin" # 1 stream, 1 MiB batches
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
