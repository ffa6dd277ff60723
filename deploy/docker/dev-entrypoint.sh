#!/bin/sh
# The dev image's entrypoint: the recording Datadog intake (testkit), else whatever the production one runs.
set -eu

app_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)

if [ "${1:-}" = intake ]; then
  shift
  exec node "$app_dir/packages/testkit/dist/datadog-intake/bin.js" "$@"
fi
exec "$app_dir/deploy/docker/entrypoint.sh" "$@"
