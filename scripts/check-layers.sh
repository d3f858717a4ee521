#!/usr/bin/env bash
# Layering check: every src/<module>/ file may include only headers of its own
# module and of the modules below it (the order of docs/internals.md and of
# MODULES in the Makefile, lowest first). rpc and client are siblings: neither
# includes the other. Generated protobuf headers count as part of the module
# that owns them (Flight.pb-c.h: flight, otlp_trace.pb-c.h: tracing).
# Prints each violation and one closing line "N passed, M failed" (one check
# per module); exits non-zero on any violation.
set -u
cd "$(dirname "$0")/.."

LAYERS=(common log arrow ipc transport flight rpc client config auth admin metrics tracing tasks
  server flexconnect)
# Includes that point up and are known, with the item that removes them
# ("<file> <header>"). Keep this list empty where possible.
ALLOWED_UP=(
)

rank_of() { # module -> index in LAYERS, or -1
  local i
  for i in "${!LAYERS[@]}"; do [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }; done
  echo -1
}

allowed_up() { # file header
  local e
  for e in "${ALLOWED_UP[@]}"; do [ "$e" = "$1 $2" ] && return 0; done
  return 1
}

passed=0
failed=0
for dir in src/*/; do
  mod=$(basename "$dir")
  me=$(rank_of "$mod")
  bad=0
  if [ "$me" -lt 0 ]; then
    echo "layers: src/$mod/ is not in LAYERS (scripts/check-layers.sh, docs/internals.md)"
    failed=$((failed + 1))
    continue
  fi
  while IFS=: read -r file line inc; do
    hdr=$(printf '%s' "$inc" | sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p')
    [ -n "$hdr" ] || continue
    case "$hdr" in
      Flight.pb-c.h) target=flight ;;
      otlp_trace.pb-c.h) target=tracing ;;
      */*) target=${hdr%%/*} ;;
      *) continue ;;
    esac
    [ "$target" = gooddata_flight_server ] && continue
    [ "$target" = "$mod" ] && continue
    them=$(rank_of "$target")
    why=""
    if [ "$them" -lt 0 ]; then
      why="unknown module '$target'"
    elif [ "$them" -gt "$me" ]; then
      why="$mod may not include $target (above it)"
    elif { [ "$mod" = client ] && [ "$target" = rpc ]; } || { [ "$mod" = rpc ] && [ "$target" = client ]; }; then
      why="rpc and client are siblings"
    fi
    if [ -n "$why" ] && ! allowed_up "$file" "$hdr"; then
      echo "layers: $file:$line: #include \"$hdr\": $why"
      bad=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir"*.[ch] /dev/null)
  if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
