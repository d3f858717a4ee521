#!/usr/bin/env bash
# Tries the README's run command on a fresh machine: makes a minimal Debian
# bookworm root (debootstrap --variant=minbase) in a temporary folder, gives it
# what any machine on this network has (the host's apt sources, resolv.conf and
# CA certificates), clones the committed tree (HEAD) into it, runs
# ./scripts/run.sh there in the background, and checks from the host over a
# socket that the `store` example round-trips DoPut/GetFlightInfo/DoGet
# (tests/node/fresh_check.mjs, grpc-js + apache-arrow from the host's
# tests/node). Then it stops the server (expects exit 0), runs the sh blocks
# of docs/tutorial.md's steps 1 and 4 as written (as root, without sudo) and
# reads the tutorial's service from the host, checks that after
# `make install` a program built with pkg-config starts at once, and prints
# how long each step took. The root is removed on every exit path (mounts
# first). Needs root, debootstrap, git and the host's Node test
# client (scripts/setup.sh --test). Exit 0 when everything held.
#   GF_FRESH_MIRROR   Debian mirror for debootstrap (default: the host's apt sources)
#   GF_FRESH_SERVE_S  seconds allowed from start to serving (default 480)
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

die() { echo "fresh-check: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mount)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/setup.sh --test installs it)"
command -v git >/dev/null || die "git is not installed"
command -v node >/dev/null && [ -d tests/node/node_modules/@grpc/grpc-js ] ||
  die "the host's Node test client is missing (scripts/setup.sh --test)"

# Mounts made below live in a private mount namespace where unshare allows
# one, so they vanish with the script even if it is killed.
if [ -z "${GF_FRESH_NS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
  GF_FRESH_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

TMP=$(mktemp -d /tmp/gf-fresh-XXXXXX) || die "cannot make a temporary folder"
ROOT=$TMP/root
LOG=$TMP/run.log
SERVER_PID=""
TIMES=()

# Processes whose root is the fresh root (anything run.sh left behind).
procs_in_root() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
  done
}

cleanup() {
  local rc=$? t0
  trap - EXIT INT TERM
  t0=$(now)
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && sleep 1
  local pids
  pids=$(procs_in_root)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  for m in dev/pts dev/shm dev sys proc; do
    mountpoint -q "$ROOT/$m" 2>/dev/null && umount "$ROOT/$m" 2>/dev/null ||
      { mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"; }
  done
  if grep -q " $ROOT/" /proc/self/mounts; then
    echo "fresh-check: $TMP left in place: still mounted below it" >&2
    rc=1
  else
    rm -rf --one-file-system "$TMP"
  fi
  printf 'fresh-check: cleanup (stop, unmount, remove the root) %.1f s\n' "$(since "$t0")"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
# step NAME COMMAND...: runs it, records and prints how long it took.
step() {
  local name=$1 t0 rc
  shift
  echo "== fresh-check: $name"
  t0=$(now)
  "$@"
  rc=$?
  TIMES+=("$(printf '%-34s %7.1f s' "$name" "$(since "$t0")")")
  [ "$rc" = 0 ] || die "$name (exit $rc)"
}

host_mirror() {
  [ -n "${GF_FRESH_MIRROR:-}" ] && { echo "$GF_FRESH_MIRROR"; return; }
  local m
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' | grep -v -- '-security' | head -n 1)
  [ -z "$m" ] && m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $2 !~ /^\[/ {print $2} $1 == "deb" && $2 ~ /^\[/ {print $3}' |
    grep -v -- '-security' | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

make_root() {
  local mirror
  mirror=$(host_mirror)
  echo "fresh-check: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$ROOT" "$mirror" >"$TMP/debootstrap.log" 2>&1 ||
    { tail -n 20 "$TMP/debootstrap.log"; return 1; }
}

# The host's apt sources (and the keyrings they name), resolv.conf, CA
# certificates; /proc, /sys and /dev for the programs run inside.
configure_root() {
  rm -f "$ROOT/etc/apt/sources.list"
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$ROOT/etc/apt/"
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cp "$f" "$ROOT/etc/apt/sources.list.d/"
  done
  for k in $(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -o 'signed-by=[^] ]*\|Signed-By: *[^ ]*' | sed 's/.*[=:] *//' | sort -u); do
    [ -f "$k" ] && [ ! -e "$ROOT$k" ] && mkdir -p "$ROOT$(dirname "$k")" && cp "$k" "$ROOT$k"
  done
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" || return 1
  mkdir -p "$ROOT/etc/ssl/certs"
  cp -rL /etc/ssl/certs/. "$ROOT/etc/ssl/certs/" 2>/dev/null
  [ -d /usr/local/share/ca-certificates ] &&
    mkdir -p "$ROOT/usr/local/share/ca-certificates" &&
    cp -rL /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/"
  mount -t proc proc "$ROOT/proc" || { echo "fresh-check: cannot mount /proc in the root"; return 1; }
  mount -t sysfs sysfs "$ROOT/sys" || { echo "fresh-check: cannot mount /sys in the root"; return 1; }
  mount --bind /dev "$ROOT/dev" || { echo "fresh-check: cannot bind-mount /dev in the root"; return 1; }
}

clone_tree() {
  local dst=$ROOT/root/gooddata-flight-server
  git clone -q --no-checkout "$REPO" "$dst" &&
    git -C "$dst" fetch -q "$REPO" HEAD &&
    git -C "$dst" checkout -q --detach FETCH_HEAD &&
    echo "fresh-check: cloned $(git -C "$dst" rev-parse --short HEAD) ($(git -C "$REPO" log -1 --format=%s HEAD | cut -c1-60))"
}

# COMMAND (a bash script) runs as root in the fresh root, with a clean environment.
in_root() { "${ROOT_ENV[@]}" chroot "$ROOT" /bin/bash -c "$1"; }

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# The README's run command, in the background; waits until the Flight port
# answers (ListFlights), while run.sh is alive.
start_and_wait() {
  # a simple command in the background: $! is the process that becomes the server
  "${ROOT_ENV[@]}" chroot "$ROOT" /bin/bash -c 'cd /root/gooddata-flight-server && exec ./scripts/run.sh' \
    >"$LOG" 2>&1 &
  SERVER_PID=$!
  local deadline=$(( $(date +%s) + ${GF_FRESH_SERVE_S:-480} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID"
      echo "fresh-check: ./scripts/run.sh exited ($?) before serving; its output:"
      tail -n 40 "$LOG"
      SERVER_PID=""
      return 1
    fi
    node tests/node/fresh_check.mjs probe "127.0.0.1:$PORT" 2>/dev/null && return 0
    sleep 2
  done
  echo "fresh-check: not serving after ${GF_FRESH_SERVE_S:-480} s; run.sh output:"
  tail -n 40 "$LOG"
  return 1
}

stop_server() {
  kill -TERM "$SERVER_PID" || return 1
  wait "$SERVER_PID"
  local rc=$?
  SERVER_PID=""
  [ "$rc" = 0 ] || { echo "fresh-check: the server exited $rc after SIGTERM"; tail -n 20 "$LOG"; }
  return "$rc"
}

# The sh blocks under "## STEP." of the cloned docs/tutorial.md.
tutorial_block() {
  awk -v step="$1." '/^## / { insec = ($2 == step); next }
    insec && /^```sh$/ { inblk = 1; next }
    inblk && /^```$/ { inblk = 0; next }
    inblk { print }' "$ROOT/root/gooddata-flight-server/docs/tutorial.md"
}

# docs/tutorial.md steps 1 (set-up, build, install) and 4 (plugin, config,
# server in the foreground) as written, as root on a machine without sudo;
# its service is read from the host; then the server is stopped.
tutorial() {
  local s1 s4 pid kids
  s1=$(tutorial_block 1) && s4=$(tutorial_block 4) && [ -n "$s1" ] && [ -n "$s4" ] ||
    { echo "fresh-check: docs/tutorial.md has no sh blocks in steps 1 and 4"; return 1; }
  in_root 'command -v sudo' && { echo "fresh-check: the fresh root has sudo"; return 1; }
  in_root "set -euo pipefail; cd /root/gooddata-flight-server
$s1" >"$TMP/tutorial1.log" 2>&1 || { tail -n 30 "$TMP/tutorial1.log"; return 1; }
  "${ROOT_ENV[@]}" chroot "$ROOT" /bin/bash -euo pipefail -c "cd /root/gooddata-flight-server
$s4" >"$TMP/tutorial4.log" 2>&1 &
  pid=$!
  SERVER_PID=$pid
  local deadline=$(( $(date +%s) + 120 ))
  until node tests/node/fresh_check.mjs probe "127.0.0.1:$PORT" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      echo "fresh-check: the tutorial's server did not serve; its output:"; tail -n 30 "$TMP/tutorial4.log"
      return 1
    fi
    sleep 1
  done
  node tests/node/fresh_check.mjs hello "127.0.0.1:$PORT" || return 1
  # the shell runs the server as its child (or became it by exec)
  kids=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
  kill -TERM ${kids:-$pid}
  wait "$pid"
  local rc=$?
  SERVER_PID=""
  [ "$rc" = 0 ] || { echo "fresh-check: the tutorial's server exited $rc"; tail -n 20 "$TMP/tutorial4.log"; }
  return "$rc"
}

# `make install` into the fresh root's /usr/local, then a program built with
# the documented pkg-config line starts without any further step.
install_and_link() {
  in_root 'set -e
    cd /root/gooddata-flight-server && make -s install >/dev/null
    cd /tmp && printf "%s\n" "#include <gooddata_flight_server.h>" "#include <stdio.h>" \
      "int main(void) { printf(\"linked, tracing %d\\n\", gf_tracing_enabled()); return 0; }" > linked.c
    cc -std=c11 -o linked linked.c $(pkg-config --cflags --libs gooddata_flight_server)
    ./linked'
}

PORT=$(free_port) || die "no free port"
ROOT_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
  LANG=C.UTF-8 TERM=dumb GOODDATA_FLIGHT_SERVER__LISTEN_PORT="$PORT")
T_ALL=$(now)
step "debootstrap (minbase bookworm)" make_root
step "configure root (apt, dns, certs)" configure_root
step "git clone HEAD" clone_tree
step "./scripts/run.sh until serving" start_and_wait
echo "fresh-check: serving on 127.0.0.1:$PORT ($(grep -c '' "$LOG") lines of run.sh output)"
step "DoPut/GetFlightInfo/DoGet" node tests/node/fresh_check.mjs roundtrip "127.0.0.1:$PORT"
step "stop (SIGTERM, exit 0)" stop_server
step "tutorial steps 1 and 4 (no sudo)" tutorial
step "make install + pkg-config program" install_and_link
echo
echo "fresh-check: timings"
printf '  %s\n' "${TIMES[@]}"
printf '  %-34s %7.1f s\n' "total" "$(since "$T_ALL")"
echo "fresh-check: OK"
