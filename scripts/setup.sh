#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine is missing to build and test:
# Debian packages (apt) and the Node test client (npm). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="build-essential pkg-config clang libclang-rt-14-dev libgrpc-dev libprotobuf-c-dev
  protobuf-c-compiler libprotobuf-dev liblz4-dev libzstd-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev openssl curl prometheus"
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing:$missing"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ ! -d tests/node/node_modules/apache-arrow ] || [ ! -d tests/node/node_modules/@grpc/grpc-js ]; then
  echo "setup: installing Node test client (npm ci)"
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
