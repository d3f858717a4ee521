#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine is missing. Idempotent.
#   scripts/setup.sh          what building and running the server needs
#                             (Debian packages; scripts/run.sh)
#   scripts/setup.sh --test   also what the test suite needs (scripts/test.sh):
#                             clang (fuzzers), Node and the Node test client
#                             (npm ci), git and debootstrap
#                             (scripts/fresh-check.sh) and promtool, unpacked from
#                             Debian's prometheus package into .cache/promtool/
#                             (not installed: no service is set up or started)
set -euo pipefail
cd "$(dirname "$0")/.."
TEST=0
case "${1:-}" in
  --test) TEST=1 ;;
  "") ;;
  *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
APT_UPDATED=0

apt_update() {
  [ "$APT_UPDATED" = 1 ] && return 0
  echo "setup: apt-get update"
  $SUDO apt-get update
  APT_UPDATED=1
}

install_packages() {
  local missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "setup: installing Debian packages:$missing"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
}

# promtool from Debian's prometheus package, unpacked under .cache/promtool/.
fetch_promtool() {
  local dir=.cache/promtool
  [ -x "$dir/usr/bin/promtool" ] && return 0
  echo "setup: fetching promtool (apt-get download prometheus, unpacked into $dir; not installed)"
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download prometheus); then
    apt_update
    (cd "$tmp" && apt-get download prometheus) || { rm -rf "$tmp"; return 1; }
  fi
  dpkg -x "$tmp"/prometheus_*.deb "$tmp/root" && mkdir -p "$dir/usr/bin" &&
    cp "$tmp/root/usr/bin/promtool" "$dir/usr/bin/promtool"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

install_packages build-essential pkg-config libnghttp2-dev \
  libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev liblz4-dev libzstd-dev \
  libcurl4-openssl-dev libssl-dev libjansson-dev openssl curl
[ "$TEST" = 1 ] || exit 0

# clang: the fuzzers; libgrpc-dev: the bench's gRPC C core reference programs
pkgs="clang libclang-rt-14-dev debootstrap git libgrpc-dev"
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
install_packages $pkgs
fetch_promtool
if [ ! -d tests/node/node_modules/apache-arrow ] || [ ! -d tests/node/node_modules/@grpc/grpc-js ]; then
  echo "setup: installing the Node test client (npm ci in tests/node)"
  (cd tests/node && npm ci --no-audit --no-fund)
fi
