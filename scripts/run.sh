#!/usr/bin/env bash
# One command from a fresh Debian machine to a running server: installs what
# is missing, builds, and starts gooddata-flight-server on the bundled `store`
# example (DoPut/GetFlightInfo/DoGet/ListFlights/DoAction "drop").
# Extra arguments are passed to `start` (e.g. --dev-log, --config my.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
make -j"$(nproc)" lib cli examples
exec build/bin/gooddata-flight-server start \
  --methods-provider build/examples/libstore.so \
  --config examples/config/server.toml "$@"
