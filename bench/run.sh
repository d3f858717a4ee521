#!/usr/bin/env bash
# Benchmark suite (`make bench`): starts the server three times on free
# loopback ports (perf example, tasks example, the built-in flexconnect
# provider with tests' libfc_test_extra.so), runs raw loopback TCP, then
# flight_bench (the throughput targets as medians of 5 interleaved runs, the
# DoGet/DoPut/DoExchange-echo throughput matrix as medians of BENCH_REPS
# interleaved rounds with raw TCP beside every run, small-call
# latency, task flow, FlexConnect invocations basic/polling at concurrency 1
# and 8 beside the task flow, server and client CPU per GB, server memory curve) and
# h2load_bench.sh (with tput: DoGet of 1 vs 8 streams and small-call latency, driven by nghttp2's
# h2load, when installed), startup_bench (start to /ready, idle RSS with the store example, beside a
# program that only loads libgrpc and calls grpc_init). Prints a
# summary table (the matrix and the issue's throughput targets, PASS/MISS: a
# MISS is a figure, not a failure) and writes bench/results/latest.json and
# bench/results/tput_runs.txt (every run of the matrix). ~3 minutes on 2 cores.
#   B=build bench/run.sh
#   knobs: BENCH_BYTES (bytes per targets run: 2 x this; default 256 MiB),
#          BENCH_TPUT_BYTES (bytes per matrix run, default BENCH_BYTES when that is
#                      set, else 512 MiB), BENCH_REPS (matrix rounds, default 5),
#          BENCH_CALLS (calls per small-call run at concurrency 1, default 2000),
#          BENCH_MEM_BYTES (bytes each way of the big memory cycle, default 4 GiB),
#          BENCH_ONLY (flight_bench sections, default targets,tput,calls,flow,flexconnect,mem;
#                      e.g. BENCH_ONLY=flexconnect runs only that section: no raw TCP or
#                      start-up runs when none of targets,tput,calls,mem is chosen),
#          BENCH_PIN (e.g. "0,1": run everything under taskset -c),
#          BENCH_SERVER (server binary to measure, default $B/bin/gooddata-flight-server;
#                        e.g. an older build for a same-machine before/after),
#          BENCH_RAW_TCP=0 (flight_bench skips its raw-TCP reference runs: for profiling)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
BYTES=${BENCH_BYTES:-268435456}
TPUT_BYTES=${BENCH_TPUT_BYTES:-${BENCH_BYTES:-536870912}}
REPS=${BENCH_REPS:-5}
CALLS=${BENCH_CALLS:-2000}
MEM_BYTES=${BENCH_MEM_BYTES:-4294967296}
ONLY=${BENCH_ONLY:-targets,tput,calls,flow,flexconnect,mem}
PIN=()
[ -n "${BENCH_PIN:-}" ] && PIN=(taskset -c "$BENCH_PIN")
BIN=${BENCH_SERVER:-"$B/bin/gooddata-flight-server"}
for f in "$BIN" "$B/examples/libperf.so" "$B/examples/libtasks.so" "$B/examples/libstore.so" \
         "$B/bench/flight_bench" "$B/bench/tcp_bench" "$B/bench/startup_bench" \
         "$B/tests/plugins/libfc_test_extra.so"; do
  [ -e "$f" ] || { echo "missing $f (run: make B=$B all)" >&2; exit 1; }
done
# The gRPC C core reference lines need libgrpc-dev (scripts/setup.sh --test).
FLOORS=()
[ -x "$B/bench/grpc_floor" ] && [ -x "$B/bench/grpc_unary_floor" ] &&
  FLOORS=("$B/bench/grpc_floor" "$B/bench/grpc_unary_floor")
[ ${#FLOORS[@]} -gt 0 ] || echo "note: no gRPC C core reference programs (install libgrpc-dev and rebuild for those lines)"
mkdir -p bench/results
tmp=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
start_server() { # plugin port -> pid in $spid
  cat > "$tmp/$1.toml" <<TOML
[server]
listen_host = "127.0.0.1"
listen_port = $2
advertise_host = "127.0.0.1"
malloc_trim_interval_sec = 1
TOML
  local provider="$B/examples/lib$1.so"
  if [ "$1" = flexconnect ]; then
    provider=flexconnect
    printf '\n[flexconnect]\nfunctions = ["%s"]\n' "$PWD/$B/tests/plugins/libfc_test_extra.so" >> "$tmp/$1.toml"
  fi
  # MALLOC_ARENA_MAX=1: what gf__transport_tune_malloc() does when called first
  # thing in main (see docs/performance.md, "Memory"); set here until the CLI does.
  MALLOC_ARENA_MAX=1 "${PIN[@]}" "$BIN" start --methods-provider "$provider" --config "$tmp/$1.toml" 2> "$tmp/$1.log" &
  spid=$!
  pids+=("$spid")
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    kill -0 "$spid" 2>/dev/null || { cat "$tmp/$1.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "server $1 did not start" >&2; exit 1
}
cleanup() {
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p" && wait "$p" || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
pport=$(free_port); start_server perf "$pport"; ppid=$spid
tport=$(free_port); start_server tasks "$tport"; tpid=$spid
fport_fc=$(free_port); start_server flexconnect "$fport_fc"; fcpid=$spid
pick() { local out=() w; for w in ${ONLY//,/ }; do [[ ",$1," == *",$w,"* ]] && out+=("$w"); done; local IFS=,; echo "${out[*]}"; }
EXTRAS=$(pick targets,tput,calls,mem) # raw TCP and start-up only run beside these

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)${BENCH_PIN:+, pinned to cpus $BENCH_PIN}"
if [ -n "$EXTRAS" ]; then
  echo "== raw loopback TCP (median of 3)"
  "${PIN[@]}" "$B/bench/tcp_bench" 65536 "$BYTES" 3 | tail -n 1
  "${PIN[@]}" "$B/bench/tcp_bench" 1048576 "$BYTES" 3 | tail -n 1
fi
# Sections split over two client processes: the call sections first (the
# memory section's "idle" line must see an idle server), then the streams.
BULK=$(pick targets,tput); SMALL=$(pick calls,flow,flexconnect,mem)
echo "== Flight (C client -> C server; perf example; $((BYTES >> 20)) MiB per throughput run, matrix: $((TPUT_BYTES >> 20)) MiB x $REPS rounds)"
: > "$tmp/flight.txt"
# Small calls first: the memory section's "idle" line must see an idle server.
if [ -n "$SMALL" ]; then
  "${PIN[@]}" timeout 900 "$B/bench/flight_bench" "grpc://127.0.0.1:$pport" --tasks-uri "grpc://127.0.0.1:$tport" \
    --fc-uri "grpc://127.0.0.1:$fport_fc" \
    --server-pid "$ppid" --bytes "$BYTES" --calls "$CALLS" --mem-bytes "$MEM_BYTES" --only "$SMALL" \
    --json "$tmp/flight_small.json" | tee -a "$tmp/flight.txt"
fi
if [[ ",$SMALL," == *",calls,"* ]] && [ ${#FLOORS[@]} -gt 0 ]; then
  echo "== small-call floor of the gRPC C core (grpc_unary_floor answers on its CQ thread: no worker, no Flight)"
  "$B/bench/grpc_unary_floor" > "$tmp/floor_port.txt" & fpid=$!
  pids+=("$fpid")
  for _ in $(seq 1 100); do grep -q '^port=' "$tmp/floor_port.txt" 2>/dev/null && break; sleep 0.05; done
  fport=$(sed -n 's/^port=//p' "$tmp/floor_port.txt")
  "${PIN[@]}" timeout 300 "$B/bench/flight_bench" "grpc://127.0.0.1:$fport" --server-pid "$fpid" --only calls \
    --kinds ListActions --conc 1,8 --calls "$CALLS" | sed 's/^/floor /' | tee "$tmp/floor.txt"
  kill -TERM "$fpid"; wait "$fpid" || true
fi
if [ -n "$BULK" ]; then
  "${PIN[@]}" timeout 900 "$B/bench/flight_bench" "grpc://127.0.0.1:$pport" \
    --server-pid "$ppid" --bytes "$BYTES" --tput-bytes "$TPUT_BYTES" --reps "$REPS" --only "$BULK" \
    --runs-file bench/results/tput_runs.txt --json "$tmp/flight_bulk.json" | tee -a "$tmp/flight.txt"
fi
if [[ ",$ONLY," == *",targets,"* ]]; then
  echo "== gooddata-flight CLI: get --format arrow -o /dev/null vs the C client's DoGet (1 GiB, own perf server)"
  B=$B "${PIN[@]}" bench/cli_bench.sh | tee "$tmp/cli.txt"
fi
: > "$tmp/h2load.txt"
if [[ ",$ONLY," == *",tput,"* ]]; then
  echo "== nghttp2's h2load as the client (receives and discards: DoGet scaling and small calls of the server alone)"
  B=$B "${PIN[@]}" bench/h2load_bench.sh | tee "$tmp/h2load.txt"
fi
: > "$tmp/startup.txt"
if [ -n "$EXTRAS" ]; then
  echo "== start-up and idle memory (store example)"
  "${PIN[@]}" "$B/bench/startup_bench" "$BIN" "$B/examples/libstore.so" 5 "${FLOORS[@]}" \
    | tee "$tmp/startup.txt"
fi

rc=0
for p in "$ppid" "$tpid" "$fcpid"; do
  kill -TERM "$p"; wait "$p" || rc=$?
done
pids=()
echo "server exit codes: $rc"

echo
echo "== summary"
out=$(cat "$tmp/flight.txt")
echo "$out" | grep '^target' || true
tput=$(echo "$out" | grep -E '^do(get|put|exchange) ' || true)
if [ -n "$tput" ]; then
  echo "throughput matrix: medians of $REPS interleaved runs per cell (every run in bench/results/tput_runs.txt)"
  printf '%-10s %-7s %-9s %-7s %-7s %-6s %-11s %-12s %-12s\n' method streams batch GB/s raw_tcp ratio ratio_range srv_cpu_s/GB cli_cpu_s/GB
  echo "$tput" | awk '{
    delete v
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%-10s %-7s %-9s %-7s %-7s %-6s %-11s %-12s %-12s%s\n", $1, v["streams"], v["batch_bytes"], v["gbps"],
      v["raw_tcp_gbps"], v["ratio_to_raw_tcp"], v["ratio_min"] "-" v["ratio_max"], v["server_cpu_s_per_gb"],
      v["client_cpu_s_per_gb"], ($NF == "FAILED" ? " FAILED" : "") }'
  # The issue's targets on the DoGet/DoPut cells (the echo row is shown, not judged).
  echo "targets (medians; DoGet/DoPut cells; MISS is a figure, not a failure):"
  echo "$tput" | awk '
    function cell(what, ok, fig, where) {
      n[what]++; if (ok) p[what]++
      if (!(what in worst) || fig < worst[what]) { worst[what] = fig; at[what] = where }
    }
    function line(what, label) {
      if (!(what in n)) { printf "  %-50s no cells\n", label; return }
      printf "  %-50s %s  %d/%d cells; worst %.2f (%s)\n", label, p[what] == n[what] ? "PASS" : "MISS", p[what] + 0, n[what], worst[what], at[what]
    }
    {
      delete v
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      m = $1; s = v["streams"]; b = v["batch_bytes"]; r = v["ratio_to_raw_tcp"] + 0
      if (m == "doexchange") next
      where = m " streams=" s " batch=" b
      if (m == "doput" && (b == 65536 || b == 131072)) cell("put_small", r >= 0.70, r, where)
      if (b >= 1048576) cell("big", r >= 0.80, r, where)
      if (m == "doget" && (b == 65536 || b == 131072)) cell("get_small", r >= 0.60, r, where)
      g[m SUBSEP b SUBSEP s] = v["gbps"] + 0; if (s != 1) multi[m SUBSEP b SUBSEP s] = where
    }
    END {
      for (k in multi) {
        split(k, f, SUBSEP); one = f[1] SUBSEP f[2] SUBSEP 1
        if (one in g && g[one] > 0) cell("multi", g[k] >= g[one], g[k] / g[one], multi[k])
      }
      line("put_small", "DoPut 64 KiB and 128 KiB: ratio >= 0.70")
      line("big", "every cell with batches >= 1 MiB: ratio >= 0.80")
      line("get_small", "DoGet 64-128 KiB: ratio >= 0.60")
      line("multi", "multi-stream GB/s >= 1-stream (figure: ratio)")
    }'
fi
grep '^h2load_' "$tmp/h2load.txt" || true
printf '%-14s %-5s %-10s %-8s %-8s %-10s\n' call conc per_s p50_us p99_us srv_us/call
echo "$out" | awk '/concurrency=/ {
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  r = v["calls_per_s"] != "" ? v["calls_per_s"] : v["flows_per_s"]
  printf "%-14s %-5s %-10s %-8s %-8s %-10s\n", $1, v["concurrency"], r, v["p50_us"], v["p99_us"], v["server_cpu_us_per_call"]; delete v }'
[ -f "$tmp/floor.txt" ] && awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "%-14s %-5s %-10s %-8s %-8s %-10s (gRPC core floor, no Flight)\n", "floor:" $2, v["concurrency"], v["calls_per_s"], v["p50_us"], v["p99_us"], v["server_cpu_us_per_call"]; delete v }' "$tmp/floor.txt"
echo "$out" | grep '^mem ' || true
grep '^startup median' "$tmp/startup.txt" || true
grep '^floor' "$tmp/startup.txt" || true

python3 - "$tmp/flight_bulk.json" "$tmp/flight_small.json" "$tmp/startup.txt" bench/results/latest.json <<'PY'
import json, re, sys, time, os
d = {"results": []}
for path in sys.argv[1:3]:
    if os.path.exists(path):
        part = json.load(open(path))
        d["results"] += part.pop("results", [])
        d.update(part)
st = open(sys.argv[3]).read()
m = re.search(r"median_ready_ms=([\d.]+) median_idle_rss_mib=([\d.]+) threads=(\d+)", st)
if m:
    d["startup"] = {"ready_ms": float(m.group(1)), "idle_rss_mib_store": float(m.group(2)), "idle_threads": int(m.group(3))}
fl = os.path.join(os.path.dirname(sys.argv[1]), "floor.txt")
if os.path.exists(fl):
    for line in open(fl):
        m2 = re.search(r"concurrency=(\d+) calls=\d+ calls_per_s=([\d.]+) p50_us=([\d.]+) p99_us=([\d.]+)", line)
        if m2:
            d.setdefault("grpc_core_small_call_floor", []).append({"kind": "ListActions", "concurrency": int(m2.group(1)),
                "calls_per_s": float(m2.group(2)), "p50_us": float(m2.group(3)), "p99_us": float(m2.group(4))})
g = re.search(r"bare_grpc_server_listening median_ms=([\d.]+)", st)
if g and "startup" in d:
    d["startup"]["bare_grpc_server_listening_ms"] = float(g.group(1))
f = re.search(r"grpc_init_only median_ms=([\d.]+) rss_mib=([\d.]+)", st)
if f and "startup" in d:
    d["startup"]["grpc_init_floor_ms"] = float(f.group(1))
    d["startup"]["grpc_init_floor_rss_mib"] = float(f.group(2))
d["machine"] = {"cores": os.cpu_count(), "loadavg": open("/proc/loadavg").read().split()[:3],
                "pinned": os.environ.get("BENCH_PIN", "")}
d["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
json.dump(d, open(sys.argv[4], "w"), indent=1)
PY
echo "wrote bench/results/latest.json"
[ "$rc" -eq 0 ] && ! grep -q FAILED "$tmp/flight.txt"
