#!/usr/bin/env bash
# A single-node KRaft Kafka broker on loopback, for tests and local development without Docker
# (see /work/shared/design/kafka-local.md).
#
#   tools/kafka/kafka.sh start    start (or reuse) the broker; the last line printed is 127.0.0.1:PORT
#   tools/kafka/kafka.sh stop     stop it (SIGTERM, SIGKILL after KAFKA_STOP_TIMEOUT s) and delete its data
#   tools/kafka/kafka.sh status   print the bootstrap address; exit 3 when not running
#   tools/kafka/kafka.sh env APP  (secured broker) print the exports that connect APP as its own principal
#
# KAFKA_SECURITY=sasl_ssl starts a secured broker instead (issue 21): one SASL_SSL listener
# (SCRAM-SHA-512 over TLS, a CA and broker certificate made here with openssl), SCRAM users `admin`
# and one per app (prescribing, dispensing, settlement, audit) with random passwords unless
# KAFKA_PASSWORD_<USER> is set, KRaft's StandardAuthorizer with `admin` the only super user and
# nothing allowed without an ACL, the controller listener behind SASL PLAIN; then
# tools/kafka/provision.ts creates every topic and the per-app ACLs. Credentials and the CA sit in
# $RUN_DIR/secure (mode 700).
#
# Environment: KAFKA_PORT (default: a free port), KAFKA_CONTROLLER_PORT (default: a free port),
# KAFKA_RUN_DIR (default .cache/kafka/run; one broker per run dir, so two runs can coexist),
# KAFKA_START_TIMEOUT (default 90 s), KAFKA_STOP_TIMEOUT (default 30 s), KAFKA_HEAP (default 512m).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/libs"
RUN_DIR="${KAFKA_RUN_DIR:-$CACHE/run}"
PID_FILE="$RUN_DIR/kafka.pid"
BOOTSTRAP_FILE="$RUN_DIR/bootstrap"
DATA_DIR="$RUN_DIR/data"
LOG_FILE="$RUN_DIR/kafka.out"
SECURE_DIR="$RUN_DIR/secure"
SECURITY_FILE="$RUN_DIR/security"
APP_USERS=(prescribing dispensing settlement audit)
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

is_running() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

fetch_libs() {
  # The marker is written last, so an interrupted download is redone rather than half-used.
  if [[ -f "$LIBS/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: Maven is needed once to fetch the broker jars into $LIBS"
  log "fetching Kafka jars into $LIBS (once)"
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  mvn -B -q -f "$ROOT/tools/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2 || die "mvn dependency:copy-dependencies failed"
  ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar in $LIBS after mvn"
  touch "$LIBS/.complete"
}

write_config() {
  local port="$1" ctrl="$2"
  cat >"$RUN_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
num.network.threads=2
num.io.threads=2
log.segment.bytes=1048576
log.retention.ms=3600000
log.retention.bytes=16777216
log.retention.check.interval.ms=60000
log.cleaner.dedupe.buffer.size=8388608
EOF
  cat >"$RUN_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.kafka.server.ControllerServer=WARN
log4j.logger.org.apache.kafka=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF
}

password_of() {
  local var="KAFKA_PASSWORD_$(echo "$1" | tr '[:lower:]' '[:upper:]')"
  if [[ -n "${!var:-}" ]]; then echo "${!var}"; else openssl rand -hex 24; fi
}

# CA and broker certificate (EC P-256, 30 days, SAN 127.0.0.1 and localhost) and the SCRAM passwords.
make_secrets() {
  command -v openssl >/dev/null || die "openssl not found (needed to make the secured broker's certificates)"
  rm -rf "$SECURE_DIR"
  mkdir -p "$SECURE_DIR"
  chmod 700 "$SECURE_DIR"
  local d="$SECURE_DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
    -subj "/CN=rx-circulation local Kafka CA" -days 30 >/dev/null 2>&1 || die "openssl could not make the CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/broker.key" -out "$d/broker.csr" \
    -subj "/CN=127.0.0.1" >/dev/null 2>&1 || die "openssl could not make the broker key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/broker.ext"
  openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -out "$d/broker.crt" \
    -days 30 -extfile "$d/broker.ext" >/dev/null 2>&1 || die "openssl could not sign the broker certificate"
  openssl rand -hex 24 >"$d/keystore.password"
  openssl pkcs12 -export -in "$d/broker.crt" -inkey "$d/broker.key" -certfile "$d/ca.pem" -name broker \
    -out "$d/broker.p12" -passout "file:$d/keystore.password" >/dev/null 2>&1 || die "openssl could not write the broker keystore"
  rm -f "$d/ca.key" "$d/broker.key" "$d/broker.csr" "$d/broker.ext"
  for user in admin controller "${APP_USERS[@]}"; do password_of "$user" >"$d/$user.password"; done
  chmod 600 "$d"/*
}

# Replaces the listeners of the plain config with one SASL_SSL listener and turns the authorizer on.
write_secure_config() {
  local port="$1" ctrl="$2" d="$SECURE_DIR"
  local props="$RUN_DIR/server.properties"
  grep -v -E '^(listeners|advertised.listeners|inter.broker.listener.name|listener.security.protocol.map)=' "$props" >"$props.tmp"
  mv "$props.tmp" "$props"
  local admin_pw controller_pw
  admin_pw="$(cat "$d/admin.password")"
  controller_pw="$(cat "$d/controller.password")"
  {
    echo "listeners=SASL_SSL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl"
    echo "advertised.listeners=SASL_SSL://127.0.0.1:$port"
    echo "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
    echo "inter.broker.listener.name=SASL_SSL"
    echo "sasl.enabled.mechanisms=SCRAM-SHA-512"
    echo "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512"
    echo "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin_pw\";"
    echo "sasl.mechanism.controller.protocol=PLAIN"
    echo "listener.name.controller.sasl.enabled.mechanisms=PLAIN"
    echo "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$controller_pw\" user_admin=\"$controller_pw\";"
    echo "ssl.keystore.type=PKCS12"
    echo "ssl.keystore.location=$d/broker.p12"
    echo "ssl.keystore.password=$(cat "$d/keystore.password")"
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$d/ca.pem"
    echo "ssl.client.auth=none"
    echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    echo "super.users=User:admin"
    echo "allow.everyone.if.no.acl.found=false"
  } >>"$props"
  chmod 600 "$props"
}

start() {
  mkdir -p "$RUN_DIR"
  if is_running && [[ -f "$BOOTSTRAP_FILE" ]]; then
    local running_as
    running_as="$(cat "$SECURITY_FILE" 2>/dev/null || echo plaintext)"
    [[ "$running_as" == "${KAFKA_SECURITY:-plaintext}" ]] || die "already running in $RUN_DIR as $running_as, not ${KAFKA_SECURITY:-plaintext}: stop it first"
    log "already running (pid $(cat "$PID_FILE"), $running_as) in $RUN_DIR"
    cat "$BOOTSTRAP_FILE"
    return 0
  fi
  command -v java >/dev/null || die "java not found (Java 17 is needed for the local broker)"
  fetch_libs

  local port="${KAFKA_PORT:-$(free_port)}"
  local ctrl="${KAFKA_CONTROLLER_PORT:-$(free_port)}"
  while [[ "$ctrl" == "$port" ]]; do ctrl="$(free_port)"; done
  if port_open "$port"; then die "port $port is already in use (set KAFKA_PORT to another port)"; fi

  local security="${KAFKA_SECURITY:-plaintext}"
  [[ "$security" == plaintext || "$security" == sasl_ssl ]] || die "KAFKA_SECURITY must be plaintext or sasl_ssl (got '$security')"

  rm -rf "$DATA_DIR" "$PID_FILE" "$BOOTSTRAP_FILE" "$SECURITY_FILE"
  mkdir -p "$DATA_DIR" "$RUN_DIR/logs"
  write_config "$port" "$ctrl"
  local scram=()
  if [[ "$security" == sasl_ssl ]]; then
    make_secrets
    write_secure_config "$port" "$ctrl"
    # KRaft keeps SCRAM credentials in its metadata log: they are written when the storage is formatted.
    for user in admin "${APP_USERS[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$SECURE_DIR/$user.password")]")
    done
  fi

  local java_opts=(-Xmx"${KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true -Dlog4j.configuration="file:$RUN_DIR/log4j.properties"
    -Dkafka.logs.dir="$RUN_DIR/logs" -cp "$LIBS/*")

  local cluster_id
  cluster_id="$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1)"
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid printed nothing (see $LOG_FILE)"
  java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN_DIR/server.properties" \
    --ignore-formatted "${scram[@]}" >>"$LOG_FILE" 2>&1 || { tail -n 30 "$LOG_FILE" >&2; die "formatting $DATA_DIR failed"; }

  # A session of its own, so the broker outlives this shell and no terminal signal reaches it;
  # `exec` keeps the recorded pid the JVM's.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java "${java_opts[@]}" kafka.Kafka "$RUN_DIR/server.properties" >>"$LOG_FILE" 2>&1 </dev/null &
  local deadline=$((SECONDS + START_TIMEOUT))
  while [[ ! -s "$PID_FILE" ]] && ((SECONDS < deadline)); do sleep 0.1; done
  log "starting broker (pid $(cat "$PID_FILE" 2>/dev/null || echo ?)) on 127.0.0.1:$port, log $LOG_FILE"

  # The port opens before the broker is ready to serve metadata; "Kafka Server started" is the real signal.
  until port_open "$port" && grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null; do
    if ! is_running; then
      tail -n 40 "$LOG_FILE" >&2 || true
      die "the broker exited during start-up (log above, full log in $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$LOG_FILE" >&2 || true
      stop >/dev/null 2>&1 || true
      die "the broker did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s (log tail above)"
    fi
    sleep 0.5
  done
  if [[ "$security" == sasl_ssl ]]; then
    log "creating topics and ACLs (tools/kafka/provision.ts)"
    KAFKA_BROKERS="127.0.0.1:$port" KAFKA_SSL_CA_FILE="$SECURE_DIR/ca.pem" KAFKA_SASL_PASSWORD="$(cat "$SECURE_DIR/admin.password")" \
      KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-3}" \
      node -r @swc-node/register "$ROOT/tools/kafka/provision.ts" >&2 || { stop >/dev/null 2>&1 || true; die "provisioning topics and ACLs failed"; }
  fi
  echo "$security" >"$SECURITY_FILE"
  echo "127.0.0.1:$port" >"$BOOTSTRAP_FILE"
  log "ready after ${SECONDS}s ($security)"
  echo "127.0.0.1:$port"
}

# The exports that connect one app (or admin) to the secured broker as its own principal.
app_env() {
  local user="${1:-}"
  [[ -n "$user" && "$user" != controller && -f "$SECURE_DIR/$user.password" ]] || die "usage: $0 env <prescribing|dispensing|settlement|audit|admin> (a secured broker running in $RUN_DIR)"
  is_running && [[ -f "$BOOTSTRAP_FILE" ]] || die "not running ($RUN_DIR)"
  echo "export KAFKA_BROKERS=$(cat "$BOOTSTRAP_FILE")"
  echo "export KAFKA_SASL_MECHANISM=scram-sha-512"
  echo "export KAFKA_SASL_USERNAME=$user"
  echo "export KAFKA_SASL_PASSWORD=$(cat "$SECURE_DIR/$user.password")"
  echo "export KAFKA_SSL=true"
  echo "export KAFKA_SSL_CA_FILE=$SECURE_DIR/ca.pem"
}

stop() {
  if is_running; then
    local pid
    pid="$(cat "$PID_FILE")"
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "no exit after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  else
    log "not running"
  fi
  rm -rf "$DATA_DIR" "$PID_FILE" "$BOOTSTRAP_FILE" "$SECURITY_FILE" "$SECURE_DIR"
}

status() {
  if is_running && [[ -f "$BOOTSTRAP_FILE" ]]; then
    log "running (pid $(cat "$PID_FILE")) in $RUN_DIR"
    cat "$BOOTSTRAP_FILE"
  else
    log "not running ($RUN_DIR)"
    exit 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) app_env "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|env <app>" >&2; exit 2 ;;
esac
