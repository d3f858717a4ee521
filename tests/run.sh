#!/usr/bin/env bash
# Runs the whole suite: every C test binary under $B/tests, then the Node
# tests (independent client: @grpc/grpc-js + apache-arrow). Prints one
# closing line "N passed, N failed" over all of them; exits non-zero on any
# failure.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
# promtool unpacked by scripts/setup.sh --test (Debian's prometheus package is
# not installed) comes first on PATH for the tests that check /metrics with it.
[ -x .cache/promtool/usr/bin/promtool ] && PATH="$PWD/.cache/promtool/usr/bin:$PATH" && export PATH
passed=0
failed=0
failed_names=()

run_one() { # name, command...
  local name=$1; shift
  local out
  out=$("$@" 2>&1)
  local rc=$?
  local line
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  local p=0 f=0
  if [ -n "$line" ]; then
    p=$(echo "$line" | awk '{print $1}')
    f=$(echo "$line" | awk '{print $3}')
  fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ $rc -ne 0 ]; then
    failed_names+=("$name")
    printf '%s\n' "$out" | tail -n 60
    echo "FAILED: $name (rc=$rc)"
  else
    echo "ok: $name ($p passed)"
  fi
}

# The layering of src/ (docs/internals.md): no component includes one above it.
if [ -z "${GF_TEST_FILTER:-}" ]; then run_one "scripts/check-layers.sh" scripts/check-layers.sh; fi

for t in $(find "$B/tests" -type f -name 'test_*' -perm -u+x 2>/dev/null | sort); do
  # GF_TEST_FILTER: extended regex on the test path (e.g. TSan runs only the
  # suites that do not go through the uninstrumented gRPC library).
  if [ -n "${GF_TEST_FILTER:-}" ] && ! echo "$t" | grep -Eq "$GF_TEST_FILTER"; then continue; fi
  run_one "$t" timeout 600 "$t"
done

if [ "${SKIP_NODE:-0}" != 1 ] && [ -d tests/node/node_modules ]; then
  files=$(ls tests/node/*.test.mjs 2>/dev/null)
  if [ -n "$files" ]; then
    out=$(GF_BUILD="$B" timeout 1200 node --test --test-concurrency=1 $files 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p' | tail -n 1)
    p=${p:-0}; f=${f:-0}
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ $rc -ne 0 ]; then
      # The failing tests with their error blocks (the whole TAP output is long).
      printf '%s\n' "$out" | awk '/^ *not ok /{p=1} p{print} /^ *\.\.\.$/{p=0}' | head -n 200
      printf '%s\n' "$out" | grep -v '^#\|^ok' | tail -n 40
      failed_names+=("node tests")
      echo "FAILED: node tests (rc=$rc)"
    else
      echo "ok: node tests ($p passed)"
    fi
  fi
fi

if [ ${#failed_names[@]} -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
# Let a caller (scripts/test.sh) add up the stages.
if [ -n "${GF_COUNTS_FILE:-}" ]; then echo "$passed $failed" >> "$GF_COUNTS_FILE"; fi
[ "$failed" -eq 0 ]
