#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, build, the suite, the
# sanitizer builds of the suite, and a short run of every fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
JOBS=$(nproc)
status=0
echo "== build and test (release)"
make -j"$JOBS" all
B=build tests/run.sh || status=1
echo "== ASan+UBSan build of the C suite"
make -j"$JOBS" SAN=asan all
SKIP_NODE=1 ASAN_OPTIONS=detect_leaks=1 B=build-asan SAN=asan tests/run.sh || status=1
echo "== TSan build of the concurrency tests"
make -j"$JOBS" SAN=tsan all
SKIP_NODE=1 TSAN_OPTIONS=halt_on_error=1 B=build-tsan SAN=tsan GF_TEST_FILTER='/tests/(common|arrow|ipc|config|tasks)/' tests/run.sh || status=1
echo "== fuzzers (short runs)"
make -j"$JOBS" SAN=fuzz fuzz
./fuzz/run.sh build-fuzz 20 || status=1
exit $status
