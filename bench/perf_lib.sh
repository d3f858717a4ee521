# Shared by bench scripts that run their own perf-example server (sourced,
# not run; needs $B). Main shell of the sourcing script.
#   start_perf_server: starts $B/bin/gooddata-flight-server with
#     $B/examples/libperf.so on a free loopback port and waits until it
#     accepts; sets tmp (a temporary directory), port and spid; at exit the
#     server gets SIGTERM and tmp is removed.
#   perf_msg KIND BYTES BATCH_BYTES FILE: writes a perf-protocol message for
#     one stream of BYTES in batches of BATCH_BYTES (32-byte rows) to FILE:
#     perf (a bare perf.Perf{2: 1 stream, 3: rows, 4: rows per batch}),
#     ticket (a gRPC-framed Ticket{1: perf.Token{1: Perf, 2: 0, 3: rows}}) or
#     descriptor (a gRPC-framed FlightDescriptor{1: CMD, 2: Perf}).
#   median: the median of the numbers on stdin, one per line.
start_perf_server() {
  tmp=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf '[server]\nlisten_host = "127.0.0.1"\nlisten_port = %s\nadvertise_host = "127.0.0.1"\n' "$port" > "$tmp/s.toml"
  MALLOC_ARENA_MAX=1 "$B/bin/gooddata-flight-server" start --methods-provider "$B/examples/libperf.so" \
    --config "$tmp/s.toml" 2> "$tmp/server.log" &
  spid=$!
  trap 'kill -TERM $spid 2>/dev/null; wait $spid 2>/dev/null || true; rm -rf "$tmp"' EXIT
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
}

perf_msg() {
  python3 - "$@" <<'PY'
import struct, sys
def v(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
def field(n, b): return v(n << 3 | 2) + v(len(b)) + b
def frame(m): return b"\x00" + struct.pack(">I", len(m)) + m
kind, rows, batch, out = sys.argv[1], int(sys.argv[2]) // 32, int(sys.argv[3]) // 32, sys.argv[4]
perf = b"\x10" + v(1) + b"\x18" + v(rows) + b"\x20" + v(batch)
msg = {"perf": lambda: perf,
       "ticket": lambda: frame(field(1, field(1, perf) + b"\x10" + v(0) + b"\x18" + v(rows))),
       "descriptor": lambda: frame(b"\x08" + v(2) + field(2, perf))}[kind]()
open(out, "wb").write(msg)
PY
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
