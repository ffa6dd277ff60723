#!/usr/bin/env bash
# Real Kafka (KRaft, one node) and moto (S3 + SQS) as local processes, for machines without Docker.
#
#   deploy/local/services.sh up [kafka|moto]    install on first use, start what is not running, wait until ready
#   deploy/local/services.sh down [kafka|moto]  stop only the processes this script started (by pid)
#   deploy/local/services.sh up|down kafka-secure  a second broker, SASL_SSL only for clients (not in `all`):
#                                   a throwaway CA and broker certificate, SCRAM-SHA-512 users made at
#                                   format time, and OAUTHBEARER with Kafka's unsecured-JWT validator (tests)
#   deploy/local/services.sh status   say what runs where
#   deploy/local/services.sh env [kafka-secure]  print the environment variables that point clients at them
#   deploy/local/services.sh install  fetch Kafka's jars (Maven) and moto (pip) without starting
#
# Data, logs and pid files live under $TRAILSTREAM_LOCAL_DIR (default: <repo>/.local, git-ignored).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${TRAILSTREAM_LOCAL_DIR:-$repo/.local}"
kafka_port="${TRAILSTREAM_KAFKA_PORT:-9092}"
controller_port="${TRAILSTREAM_KAFKA_CONTROLLER_PORT:-9093}"
moto_port="${TRAILSTREAM_MOTO_PORT:-4566}"
moto_version="5.2.5"
kafka_heap="${TRAILSTREAM_KAFKA_HEAP:-1g}"
secure_port="${TRAILSTREAM_KAFKA_SECURE_PORT:-9094}"
secure_controller_port="${TRAILSTREAM_KAFKA_SECURE_CONTROLLER_PORT:-9095}"
secure_internal_port="${TRAILSTREAM_KAFKA_SECURE_INTERNAL_PORT:-9096}"

kafka_home="$state/kafka"
secure_home="$state/kafka-secure"
moto_venv="$state/moto-venv"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2) but was not found on PATH"
}

pid_alive() { # pidfile
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

port_open() { # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_until() { # seconds description command...
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
  log "$what is ready"
}

install_kafka() {
  if compgen -G "$kafka_home/libs/kafka_2.13-*.jar" >/dev/null; then return; fi
  need java "Java 17 runs the Kafka broker"
  need mvn "Maven fetches Kafka's jars from Maven Central"
  log "fetching Apache Kafka jars with Maven (once)"
  mkdir -p "$kafka_home/libs"
  mvn -q -B -f "$here/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$kafka_home/libs.partial" >&2
  mv "$kafka_home/libs.partial"/*.jar "$kafka_home/libs/"
  rmdir "$kafka_home/libs.partial"
}

install_moto() {
  # The marker is written last, so an interrupted install is redone rather than half-used.
  if [[ -f "$moto_venv/.installed-$moto_version" ]]; then return; fi
  need python3 "Python runs moto, the S3/SQS emulator"
  log "installing moto[server]==$moto_version into $moto_venv (once)"
  rm -rf "$moto_venv"
  python3 -m venv "$moto_venv"
  "$moto_venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$moto_version" >&2
  touch "$moto_venv/.installed-$moto_version"
}

# One node: every internal topic has one replica; transactions need min ISR 1 or producers hang.
single_node_settings() {
  cat <<EOF
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=16777216
auto.create.topics.enable=false
EOF
}

# Starts the broker whose config, logs and data are in <home>, recording its pid there.
launch_broker() { # home
  : >"$1/logs/server.log"
  nohup java "-Xmx$kafka_heap" "-Xms256m" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$1/log4j.properties" -cp "$kafka_home/libs/*" \
    kafka.Kafka "$1/server.properties" >"$1/logs/console.log" 2>&1 &
  echo $! >"$1/kafka.pid"
}

write_kafka_config() {
  mkdir -p "$kafka_home/data" "$kafka_home/logs"
  cat >"$kafka_home/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$kafka_home/data
$(single_node_settings)
EOF
  cat >"$kafka_home/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$kafka_home/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
EOF
}

kafka_started() {
  pid_alive "$kafka_home/kafka.pid" || die "Kafka exited during start; see $kafka_home/logs/console.log"
  port_open "$kafka_port" && grep -q 'Kafka Server started' "$kafka_home/logs/server.log" 2>/dev/null
}

start_kafka() {
  if pid_alive "$kafka_home/kafka.pid"; then
    log "Kafka already running (pid $(cat "$kafka_home/kafka.pid")) on 127.0.0.1:$kafka_port"
    return
  fi
  port_open "$kafka_port" && die "port $kafka_port is taken by a process this script did not start; set TRAILSTREAM_KAFKA_PORT or stop it"
  install_kafka
  write_kafka_config
  local cp="$kafka_home/libs/*"
  if [[ ! -f "$kafka_home/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    java -cp "$cp" -Dlog4j.configuration="file:$kafka_home/log4j.properties" kafka.tools.StorageTool \
      format -t "$cluster_id" -c "$kafka_home/server.properties" --ignore-formatted >&2
  fi
  launch_broker "$kafka_home"
  wait_until 120 "Kafka on 127.0.0.1:$kafka_port" kafka_started ||
    die "Kafka did not start within 120 s; see $kafka_home/logs/server.log"
}

# The secure broker: certificates, SCRAM users and client settings live in $secure_home, made once.
make_secure_credentials() {
  [[ -f "$secure_home/client.env" ]] && return
  need openssl "OpenSSL makes the throwaway CA and broker certificate"
  local tls="$secure_home/tls" store_password user_password
  mkdir -p "$tls"
  store_password="$(openssl rand -hex 16)"
  user_password="$(openssl rand -hex 16)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=trailstream-local-test-ca" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/broker.key" -out "$tls/broker.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/broker.ext"
  openssl x509 -req -in "$tls/broker.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
    -extfile "$tls/broker.ext" -out "$tls/broker.crt" 2>/dev/null
  openssl pkcs12 -export -in "$tls/broker.crt" -inkey "$tls/broker.key" -certfile "$tls/ca.crt" -name broker \
    -passout "pass:$store_password" -out "$tls/broker.p12"
  printf '%s\n' "$store_password" >"$tls/store-password"
  # Last, so an interrupted run starts over: what clients need (SCRAM user `trailstream`).
  cat >"$secure_home/client.env" <<EOF
KAFKA_BROKERS=127.0.0.1:$secure_port
KAFKA_SSL=true
KAFKA_SSL_CA_FILE=$tls/ca.crt
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=trailstream
KAFKA_SASL_PASSWORD=$user_password
EOF
}

write_secure_kafka_config() {
  mkdir -p "$secure_home/data" "$secure_home/logs"
  cat >"$secure_home/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$secure_controller_port
# Clients: SASL_SSL only. The broker talks to itself over a loopback PLAINTEXT listener.
listeners=SASL_SSL://127.0.0.1:$secure_port,INTERNAL://127.0.0.1:$secure_internal_port,CONTROLLER://127.0.0.1:$secure_controller_port
advertised.listeners=SASL_SSL://127.0.0.1:$secure_port,INTERNAL://127.0.0.1:$secure_internal_port
listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-512,OAUTHBEARER
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# No server callback handler: Kafka's unsecured-JWT validator (alg none), for tests only, never production.
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";
# Sessions end with the token (or after a minute): clients must re-authenticate, as with MSK IAM.
connections.max.reauth.ms=60000
ssl.keystore.type=PKCS12
ssl.keystore.location=$secure_home/tls/broker.p12
ssl.keystore.password=$(cat "$secure_home/tls/store-password")
ssl.client.auth=none
log.dirs=$secure_home/data
$(single_node_settings)
EOF
  sed "s|$kafka_home/logs|$secure_home/logs|" "$kafka_home/log4j.properties" >"$secure_home/log4j.properties"
}

secure_kafka_started() {
  pid_alive "$secure_home/kafka.pid" || die "the secure Kafka exited during start; see $secure_home/logs/console.log"
  port_open "$secure_port" && grep -q 'Kafka Server started' "$secure_home/logs/server.log" 2>/dev/null
}

start_secure_kafka() {
  if pid_alive "$secure_home/kafka.pid"; then
    log "secure Kafka already running (pid $(cat "$secure_home/kafka.pid")) on 127.0.0.1:$secure_port"
    return
  fi
  port_open "$secure_port" && die "port $secure_port is taken by a process this script did not start; set TRAILSTREAM_KAFKA_SECURE_PORT or stop it"
  install_kafka
  write_kafka_config
  make_secure_credentials
  write_secure_kafka_config
  local cp="$kafka_home/libs/*"
  if [[ ! -f "$secure_home/data/meta.properties" ]]; then
    local cluster_id user_password
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    user_password="$(sed -n 's/^KAFKA_SASL_PASSWORD=//p' "$secure_home/client.env")"
    java -cp "$cp" -Dlog4j.configuration="file:$secure_home/log4j.properties" kafka.tools.StorageTool \
      format -t "$cluster_id" -c "$secure_home/server.properties" --ignore-formatted \
      --add-scram "SCRAM-SHA-512=[name=trailstream,password=$user_password]" >&2
  fi
  launch_broker "$secure_home"
  wait_until 120 "secure Kafka (SASL_SSL) on 127.0.0.1:$secure_port" secure_kafka_started ||
    die "the secure Kafka did not start within 120 s; see $secure_home/logs/server.log"
}

moto_answers() {
  pid_alive "$state/moto.pid" || die "moto exited during start; see $state/moto.log"
  python3 - "$moto_port" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/data.json", timeout=2).read()
EOF
}

start_moto() {
  if pid_alive "$state/moto.pid"; then
    log "moto already running (pid $(cat "$state/moto.pid")) on 127.0.0.1:$moto_port"
    return
  fi
  port_open "$moto_port" && die "port $moto_port is taken by a process this script did not start; set TRAILSTREAM_MOTO_PORT or stop it"
  install_moto
  mkdir -p "$state"
  nohup "$moto_venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
  wait_until 60 "moto (S3, SQS) on 127.0.0.1:$moto_port" moto_answers ||
    die "moto did not answer within 60 s; see $state/moto.log"
}

stop_pid() { # pidfile name
  local pidfile="$1" name="$2"
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return
  fi
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "stopped $name (pid $pid)"
}

status_line() { # pidfile name endpoint
  if pid_alive "$1"; then
    echo "$2: running (pid $(cat "$1")) at $3"
  else
    echo "$2: stopped"
  fi
}

print_env() {
  cat <<EOF
KAFKA_BROKERS=127.0.0.1:$kafka_port
AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test
EOF
}

which="${2:-all}"
case "$which" in
  all | kafka | moto | kafka-secure) ;;
  *)
    echo "usage: $0 up|down [kafka|moto|kafka-secure]" >&2
    exit 2
    ;;
esac

case "${1:-}" in
  up)
    if [[ "$which" == kafka-secure ]]; then
      start_secure_kafka
      cat "$secure_home/client.env"
      exit
    fi
    [[ "$which" == moto ]] || start_kafka
    [[ "$which" == kafka ]] || start_moto
    print_env
    ;;
  down)
    if [[ "$which" == kafka-secure ]]; then
      stop_pid "$secure_home/kafka.pid" "secure Kafka"
      exit
    fi
    [[ "$which" == kafka ]] || stop_pid "$state/moto.pid" moto
    [[ "$which" == moto ]] || stop_pid "$kafka_home/kafka.pid" Kafka
    ;;
  status)
    status_line "$kafka_home/kafka.pid" kafka "127.0.0.1:$kafka_port"
    status_line "$state/moto.pid" moto "http://127.0.0.1:$moto_port"
    status_line "$secure_home/kafka.pid" kafka-secure "127.0.0.1:$secure_port (SASL_SSL)"
    ;;
  env)
    if [[ "$which" == kafka-secure ]]; then cat "$secure_home/client.env"; else print_env; fi
    ;;
  install)
    install_kafka
    install_moto
    ;;
  *)
    echo "usage: $0 up|down [kafka|moto] | status | env | install" >&2
    exit 2
    ;;
esac
