#!/bin/sh
# Runs one Trailstream process from the built output: the command names it.
set -eu

app_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)

usage() {
  cat <<'USAGE'
usage: entrypoint.sh <command> [args]
  discovery, fetcher-parser, filter-mapper, emitter, integrity
                                                     run that stage (configured by environment variables)
  trailstream ARGS                                   the trailstream CLI (e.g. 'trailstream topics')
  probe PATH [PORT]                                  exit 0 when http://127.0.0.1:PORT/PATH answers 2xx
                                                     (PORT defaults to $HTTP_PORT, then 8080)
USAGE
}

service=${1:-}
[ "$#" -gt 0 ] && shift
case "$service" in
  discovery | fetcher-parser | filter-mapper | emitter | integrity)
    # V8's young generation of 8 MiB semi-spaces: its default lets each stage's RSS grow by about
    # 100 MiB for no CPU saved (measured: packages/e2e/README.md). An operator's NODE_OPTIONS comes
    # after it, so a value of their own wins.
    export NODE_OPTIONS="--max-semi-space-size=8${NODE_OPTIONS:+ $NODE_OPTIONS}"
    exec node "$app_dir/services/$service/dist/main.js" "$@"
    ;;
  trailstream)
    exec node "$app_dir/packages/cli/dist/main.js" "$@"
    ;;
  probe)
    exec node "$app_dir/deploy/docker/probe.mjs" "${1:-/healthz}" "${2:-${HTTP_PORT:-8080}}"
    ;;
  -h | --help | help)
    usage
    ;;
  *)
    echo "entrypoint.sh: unknown command '$service'" >&2
    usage >&2
    exit 64
    ;;
esac
