#!/bin/bash
# The compose stack's broker (issue 21): one KRaft node with a SASL/SCRAM-SHA-512 listener for the
# apps, the controller listener behind SASL PLAIN, and KRaft's StandardAuthorizer (`admin` the only
# super user, nothing allowed without an ACL). SCRAM users live in the metadata log, so they are
# written when the storage is formatted (first start only; --ignore-formatted keeps a formatted
# volume). Topics and per-app ACLs come from the `kafka-setup` service (tools/kafka/provision.ts).
set -euo pipefail
for v in KAFKA_ADMIN_PASSWORD KAFKA_CONTROLLER_PASSWORD KAFKA_PASSWORD_PRESCRIBING KAFKA_PASSWORD_DISPENSING KAFKA_PASSWORD_SETTLEMENT KAFKA_PASSWORD_AUDIT; do
  [[ -n "${!v:-}" ]] || { echo "start-secure.sh: $v is required" >&2; exit 1; }
done
CLUSTER_ID="${KAFKA_CLUSTER_ID:-MkU3OEVBNTcwNTJENDM2Qk}"  # 16 bytes, base64url, as kafka-storage.sh random-uuid prints
CONF=/tmp/kafka-config
mkdir -p "$CONF"
umask 077
cat >"$CONF/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=SASL_PLAINTEXT://kafka:9092
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$KAFKA_CONTROLLER_PASSWORD" user_admin="$KAFKA_CONTROLLER_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
log.dirs=/var/lib/kafka/data
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
cat >"$CONF/admin.properties" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
EOF
scram() { echo "SCRAM-SHA-512=[name=$1,password=$2]"; }
/opt/kafka/bin/kafka-storage.sh format -t "$CLUSTER_ID" -c "$CONF/server.properties" --ignore-formatted \
  --add-scram "$(scram admin "$KAFKA_ADMIN_PASSWORD")" \
  --add-scram "$(scram prescribing "$KAFKA_PASSWORD_PRESCRIBING")" \
  --add-scram "$(scram dispensing "$KAFKA_PASSWORD_DISPENSING")" \
  --add-scram "$(scram settlement "$KAFKA_PASSWORD_SETTLEMENT")" \
  --add-scram "$(scram audit "$KAFKA_PASSWORD_AUDIT")"
exec /opt/kafka/bin/kafka-server-start.sh "$CONF/server.properties"
