#!/usr/bin/env bash
# One command from a fresh Debian machine to a running server: installs what
# is missing, builds, and starts gooddata-flight-server on a bundled example:
#   ./scripts/run.sh [ARGS...]              the `store` example (DoPut/GetFlightInfo/DoGet/
#                                           ListFlights/DoAction "drop")
#   ./scripts/run.sh flexconnect [ARGS...]  the built-in FlexConnect provider with the
#                                           example function (examples/flexconnect)
# The optional first word picks the example; the remaining ARGS are passed to
# `start` (e.g. --dev-log, --config my.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
example=store
if [ "${1:-}" = store ] || [ "${1:-}" = flexconnect ]; then
  example=$1
  shift
fi
./scripts/setup.sh
make -j"$(nproc)" lib cli examples
if [ "$example" = flexconnect ]; then
  exec build/bin/gooddata-flight-server start --methods-provider flexconnect \
    --config examples/flexconnect/dev.server.toml examples/flexconnect/flexconnect.toml "$@"
fi
exec build/bin/gooddata-flight-server start \
  --methods-provider build/examples/libstore.so \
  --config examples/config/server.toml "$@"
