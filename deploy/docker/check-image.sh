#!/usr/bin/env bash
# Builds the image on a real Docker engine and checks it for real (run by .ci/run; needs root, or a
# running engine it may use):
#   1. the engine: Debian's docker.io when dockerd is missing; a daemon of its own on a private socket
#      when none answers (stopped at the end by its pid, and only that one);
#   2. the base image: node:<major>-bookworm-slim from the engine's store, else a pull, else a stand-in
#      (deploy/docker/stand-in-base.sh) that stays in the engine's store for the next run;
#   3. the image: `docker build` with BuildKit, host networking, the machine's CA bundle as the `ca`
#      secret when NODE_EXTRA_CA_CERTS names one (TLS to the registry may be re-signed on the way);
#   4. the smoke tests (packages/e2e/image/image.image.ts) and the compose run
#      (packages/e2e/image/compose.image.ts) against the local Kafka and S3/SQS, host networking only;
#   5. the compose v2 plugin, built from the Go module proxy into .local/tools once, like validate.sh's helm.
# Environment: KAFKA_BROKERS/AWS_* as for the integration tests (else deploy/local/services.sh starts
# them); NODE_MAJOR (24); TRAILSTREAM_IMAGE (trailstream:ci).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

node_major=${NODE_MAJOR:-24}
image=${TRAILSTREAM_IMAGE:-trailstream:ci}
base_image="node:$node_major-bookworm-slim"
compose_version=v2.40.3
tools=.local/tools
engine_dir=${TRAILSTREAM_DOCKER_DIR:-/run/trailstream-docker}

step() { printf '\n--> %s\n' "$*"; }
elapsed() { printf '%d s' "$((SECONDS - $1))"; }

mkdir -p .local
if [[ -z ${KAFKA_BROKERS:-} || -z ${AWS_ENDPOINT_URL:-} ]]; then
  step "local Kafka and S3/SQS"
  # Named explicitly: with DOCKER_HOST set, the test harness would otherwise try Kafka containers.
  endpoints=$(bash deploy/local/services.sh up)
  while IFS= read -r assignment; do export "${assignment?}"; done <<<"$endpoints"
fi

step "engine"
# Debian's client: BuildKit built in (a client without the buildx plugin cannot build this Dockerfile).
docker=/usr/bin/docker
if ! command -v dockerd >/dev/null || [[ ! -x $docker ]]; then
  printf 'installing docker.io from Debian\n'
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
started_daemon=""
stop_daemon() {
  [[ -n $started_daemon ]] || return 0
  kill "$started_daemon" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$started_daemon" 2>/dev/null || break; sleep 0.5; done
  printf 'stopped dockerd (pid %s)\n' "$started_daemon"
}
trap stop_daemon EXIT
if ! "$docker" info >/dev/null 2>&1; then
  # A private socket, so nothing else on the machine (testcontainers looks at /var/run/docker.sock)
  # mistakes this daemon for one it may use; the default data root keeps images between runs.
  mkdir -p "$engine_dir"
  export DOCKER_HOST="unix://$engine_dir/docker.sock"
  if ! "$docker" info >/dev/null 2>&1; then
    dockerd --host "$DOCKER_HOST" --exec-root "$engine_dir/exec" --pidfile "$engine_dir/dockerd.pid" \
      >"$engine_dir/dockerd.log" 2>&1 &
    started_daemon=$!
    for _ in $(seq 1 60); do "$docker" info >/dev/null 2>&1 && break; sleep 0.5; done
    "$docker" info >/dev/null 2>&1 || { tail -n 20 "$engine_dir/dockerd.log" >&2; exit 1; }
    printf 'started dockerd (pid %s) on %s\n' "$started_daemon" "$DOCKER_HOST"
  fi
fi
"$docker" version --format 'engine {{.Server.Version}}, client {{.Client.Version}}'

step "base image $base_image"
t=$SECONDS
if "$docker" image inspect "$base_image" >/dev/null 2>&1; then
  stand_in=$("$docker" image inspect --format '{{index .Config.Labels "trailstream.stand-in"}}' "$base_image")
  printf 'in the engine%s\n' "${stand_in:+ (the stand-in built by an earlier run)}"
elif timeout 60 "$docker" pull -q "$base_image" >/dev/null 2>&1; then
  printf 'pulled\n'
else
  printf 'cannot be pulled: building a stand-in\n'
  DOCKER=$docker bash deploy/docker/stand-in-base.sh "$node_major" "$base_image"
fi
printf 'base image ready in %s\n' "$(elapsed "$t")"

step "build $image"
t=$SECONDS
secrets=()
[[ -s ${NODE_EXTRA_CA_CERTS:-} ]] && secrets=(--secret "id=ca,src=$NODE_EXTRA_CA_CERTS")
DOCKER_BUILDKIT=1 BUILDKIT_PROGRESS=plain "$docker" build --network host "${secrets[@]}" \
  --build-arg NODE_VERSION="$node_major" -t "$image" . >.local/docker-build.log 2>&1 ||
  { tail -n 40 .local/docker-build.log >&2; exit 1; }
build_seconds=$((SECONDS - t))
size=$("$docker" image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}')
printf 'built in %d s, %s (log: .local/docker-build.log)\n' "$build_seconds" "$size"
# Only the newest build is kept: older trailstream:ci layers would pile up run after run.
"$docker" image prune -f --filter label!=trailstream.stand-in >/dev/null

step "compose plugin $compose_version"
t=$SECONDS
compose_dir="$tools/docker-compose-$compose_version"
if [[ ! -x $compose_dir/docker-compose ]]; then
  # Built inside its own module: compose's go.mod has exclude directives, which `go install mod@v` refuses.
  source_dir=$(GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download -json "github.com/docker/compose/v2@$compose_version" |
    sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
  build_dir=$(mktemp -d)
  cp -r "$source_dir/." "$build_dir" && chmod -R u+w "$build_dir"
  (cd "$build_dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$compose_version" \
    -o "$OLDPWD/$compose_dir/docker-compose" ./cmd)
  rm -rf "$build_dir"
fi
export DOCKER_CONFIG="$PWD/.local/docker-config"
mkdir -p "$DOCKER_CONFIG/cli-plugins"
ln -sf "$PWD/$compose_dir/docker-compose" "$DOCKER_CONFIG/cli-plugins/docker-compose"
"$docker" compose version
printf 'compose plugin ready in %s\n' "$(elapsed "$t")"

step "smoke tests and the compose run (host network, local Kafka and S3/SQS)"
t=$SECONDS
TRAILSTREAM_DOCKER=$docker TRAILSTREAM_IMAGE=$image \
  npx vitest run --config packages/e2e/image/vitest.config.ts
printf 'image: built in %d s, %s; smoke tests and compose run in %s\n' "$build_seconds" "$size" "$(elapsed "$t")"
