#!/usr/bin/env bash
# Runs every libFuzzer target built in $1 (default build-fuzz) for $2 seconds
# each (default 20), starting from its seed corpus fuzz/corpus/<name>/.
# Exits non-zero if any target finds a crash, leak or timeout.
set -u
cd "$(dirname "$0")/.."
B=${1:-build-fuzz}
SECS=${2:-20}
status=0
fpass=0
ffail=0
for f in "$B"/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
  if "$f" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
    echo "ok: $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | awk '{print $2}') runs)"
    fpass=$((fpass + 1))
  else
    echo "FAILED: $name"; tail -n 40 "$work.log"; status=1; ffail=$((ffail + 1))
  fi
  rm -rf "$work" "$work.log"
done
echo "$fpass passed, $ffail failed"
if [ -n "${GF_COUNTS_FILE:-}" ]; then echo "$fpass $ffail" >> "$GF_COUNTS_FILE"; fi
exit $status
