#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, build, the suite (C tests
# and the Node independent-client tests), the ASan+UBSan build of the suite
# (the Node tests then drive the ASan server, so leaks fail the server's exit
# code), the TSan build of the C suites, and a short run of every fuzzer.
# Ends with one line "total: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test || exit 1
JOBS=$(nproc)
COUNTS=$(mktemp)
export GF_COUNTS_FILE=$COUNTS
status=0
stage() { echo; echo "== $*"; }

stage "build and test (release)"
make -j"$JOBS" all || exit 1
B=build tests/run.sh || status=1

stage "ASan+UBSan build of the suite"
make -j"$JOBS" SAN=asan all || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 B=build-asan SAN=asan tests/run.sh || status=1

# TSan: every C suite but two that TSan cannot run (test_http_server forks
# after starting threads; the 10,000-stream scale test outgrows its limits).
stage "TSan build of the suites"
make -j"$JOBS" SAN=tsan all || exit 1
SKIP_NODE=1 TSAN_OPTIONS=halt_on_error=1 B=build-tsan SAN=tsan \
  GF_TEST_FILTER='/tests/(abi|admin/test_health|arrow|auth|cli|client|common|config|flexconnect|flight|ipc|log|metrics|rpc|server|tasks|tracing)/' \
  tests/run.sh || status=1

stage "fuzzers (short runs)"
make -j"$JOBS" SAN=fuzz fuzz || exit 1
./fuzz/run.sh build-fuzz "${GF_FUZZ_SECONDS:-20}" || status=1

echo
awk '{p += $1; f += $2} END {printf "total: %d passed, %d failed\n", p, f}' "$COUNTS"
rm -f "$COUNTS"
exit $status
