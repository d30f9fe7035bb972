#!/usr/bin/env bash
# A single-node KRaft Kafka broker on loopback, for tests and local development without Docker
# (see /work/shared/design/kafka-local.md).
#
#   tools/kafka/kafka.sh start    start (or reuse) the broker; the last line printed is 127.0.0.1:PORT
#   tools/kafka/kafka.sh stop     stop it (SIGTERM, SIGKILL after KAFKA_STOP_TIMEOUT s) and delete its data
#   tools/kafka/kafka.sh status   print the bootstrap address; exit 3 when not running
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

start() {
  mkdir -p "$RUN_DIR"
  if is_running && [[ -f "$BOOTSTRAP_FILE" ]]; then
    log "already running (pid $(cat "$PID_FILE")) in $RUN_DIR"
    cat "$BOOTSTRAP_FILE"
    return 0
  fi
  command -v java >/dev/null || die "java not found (Java 17 is needed for the local broker)"
  fetch_libs

  local port="${KAFKA_PORT:-$(free_port)}"
  local ctrl="${KAFKA_CONTROLLER_PORT:-$(free_port)}"
  while [[ "$ctrl" == "$port" ]]; do ctrl="$(free_port)"; done
  if port_open "$port"; then die "port $port is already in use (set KAFKA_PORT to another port)"; fi

  rm -rf "$DATA_DIR" "$PID_FILE" "$BOOTSTRAP_FILE"
  mkdir -p "$DATA_DIR" "$RUN_DIR/logs"
  write_config "$port" "$ctrl"

  local java_opts=(-Xmx"${KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true -Dlog4j.configuration="file:$RUN_DIR/log4j.properties"
    -Dkafka.logs.dir="$RUN_DIR/logs" -cp "$LIBS/*")

  local cluster_id
  cluster_id="$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1)"
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid printed nothing (see $LOG_FILE)"
  java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN_DIR/server.properties" \
    --ignore-formatted >>"$LOG_FILE" 2>&1 || { tail -n 30 "$LOG_FILE" >&2; die "formatting $DATA_DIR failed"; }

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
  echo "127.0.0.1:$port" >"$BOOTSTRAP_FILE"
  log "ready after ${SECONDS}s"
  echo "127.0.0.1:$port"
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
  rm -rf "$DATA_DIR" "$PID_FILE" "$BOOTSTRAP_FILE"
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
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
