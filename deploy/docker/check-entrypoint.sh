#!/usr/bin/env bash
# Runs every process the image can run the way the image runs it (deploy/docker/entrypoint.sh on the
# built output, with nothing from the sources) and checks that each one starts:
#   - each stage, given no Kafka brokers, stops with exit 78 and a message naming KAFKA_BROKERS;
#   - the CLI prints its help; the production entrypoint has no intake; the dev one's intake answers the health probe, and the probe fails once
#     it is gone; an unknown command exits 64.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

entry=deploy/docker/entrypoint.sh
failures=0
pass() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }

# Run as the image does: only PATH (for node) from this shell, no source export condition.
run_clean() { env -i PATH="$PATH" HOME="$HOME" "$@"; }

printf -- '--> build (npx turbo run build)\n'
TURBO_TELEMETRY_DISABLED=1 npx turbo run build --output-logs=errors-only

printf -- '--> entrypoint\n'
for stage in discovery fetcher-parser filter-mapper emitter integrity; do
  code=0
  output=$(run_clean "$entry" "$stage" 2>&1) || code=$?
  if [[ $code -eq 78 && $output == *KAFKA_BROKERS* ]]; then
    pass "$stage: exit 78 naming KAFKA_BROKERS"
  else
    fail "$stage: expected exit 78 naming KAFKA_BROKERS, got exit $code: $output"
  fi
done

# The stage's Node options, printed by a preload before the stage stops for want of brokers.
print_options='--import=data:text/javascript,console.log(process.env.NODE_OPTIONS)'
output=$(run_clean NODE_OPTIONS="$print_options" "$entry" emitter 2>&1 || true)
if [[ $output == *"--max-semi-space-size=8 $print_options"* ]]; then
  pass "stages: 8 MiB semi-spaces, the operator's NODE_OPTIONS after them"
else
  fail "stages: expected NODE_OPTIONS '--max-semi-space-size=8 $print_options', got: $output"
fi

code=0
output=$(run_clean "$entry" trailstream --help 2>&1) || code=$?
if [[ $code -eq 0 && $output == *"Usage: trailstream"* ]]; then pass "trailstream --help"; else fail "trailstream --help: exit $code: $output"; fi

code=0
run_clean "$entry" no-such-process >/dev/null 2>&1 || code=$?
if [[ $code -eq 64 ]]; then pass "unknown command: exit 64"; else fail "unknown command: exit $code"; fi

code=0
run_clean "$entry" intake >/dev/null 2>&1 || code=$?
if [[ $code -eq 64 ]]; then pass "production entrypoint: no intake (exit 64)"; else fail "production entrypoint runs the intake: exit $code"; fi

dev_entry=deploy/docker/dev-entrypoint.sh
intake_log=$(mktemp)
# Not through run_clean: env, sh and node exec each other, so $! is the intake's own pid.
env -i PATH="$PATH" HOME="$HOME" DD_INTAKE_PORT=0 "$dev_entry" intake >"$intake_log" 2>&1 &
intake_pid=$!
trap 'kill "$intake_pid" 2>/dev/null || true; rm -f "$intake_log"' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -nE 's/.*"url":"http:\/\/[^"]*:([0-9]+)".*/\1/p' "$intake_log" | head -n 1)
  [[ -n $port ]] && break
  sleep 0.1
done
if [[ -z $port ]]; then
  fail "intake: no 'listening' line within 10 s: $(cat "$intake_log")"
else
  if run_clean "$entry" probe /intake/recording "$port"; then pass "intake: probe answers on port $port"; else fail "intake: probe failed on port $port"; fi
  kill "$intake_pid"
  wait "$intake_pid" 2>/dev/null || true
  if run_clean "$entry" probe /intake/recording "$port" 2>/dev/null; then fail "probe: succeeded with the intake stopped"; else pass "probe: fails once the intake is gone"; fi
fi

printf '%d passed, %d failed\n' "$((10 - failures))" "$failures"
[[ $failures -eq 0 ]]
