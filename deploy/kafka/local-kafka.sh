#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1,
# without Docker: the jars come from Maven Central through deploy/kafka/pom.xml.
#
#   local-kafka.sh start    fetch jars if needed, format storage once, start, wait until serving
#   local-kafka.sh stop     SIGTERM, wait up to 30 s, then SIGKILL (idempotent)
#   local-kafka.sh status   exit 0 if a broker answers on the port, 1 if not
#   local-kafka.sh fetch    only resolve the jars into the cache
#   local-kafka.sh logs     print the path of the broker log
#   local-kafka.sh reset    stop, then wipe the data directory (topics, offsets, logs)
#
# Environment (see README.md):
#   STORYSIFT_KAFKA_HOME   jar cache     (default ~/.cache/storysift/kafka-<version>, jars in lib/)
#   STORYSIFT_KAFKA_DATA   data and logs (default ~/.cache/storysift/kafka-data)
#   KAFKA_PORT             client port      (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller (default 9093)
#   KAFKA_HEAP             JVM heap, -Xms = -Xmx (default 512m)
#   KAFKA_OPTS             extra JVM options
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to serve (default 60)
#   KAFKA_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL (default 30)
#
# Secured listeners (optional, beside the PLAINTEXT one, all on 127.0.0.1; see README.md):
#   KAFKA_SASL_PORT        SASL_PLAINTEXT listener, SCRAM-SHA-512 and SCRAM-SHA-256
#   KAFKA_SASL_SSL_PORT    SASL_SSL listener (TLS), SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN
#   KAFKA_SSL_PORT         SSL listener that requires a client certificate (mutual TLS)
#   KAFKA_SCRAM_USER       the one SASL user (default storysift)
#   KAFKA_SCRAM_PASSWORD   its password, or KAFKA_SCRAM_PASSWORD_FILE: a file holding it. Never an
#                          argument: Kafka's tools read it from a private @argfile. Letters,
#                          digits and . _ ~ + - only (Kafka's [name=..,password=..] syntax).
# The user is created when storage is formatted (`kafka-storage format --add-scram`), or through
# the admin API after start for a data dir formatted earlier or when the password changed.
# A throwaway CA, a server certificate (127.0.0.1, localhost) and a client certificate are made
# with openssl in <data>/tls/ the first time a TLS port is asked for; `start` prints the paths.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$SCRIPT_DIR/pom.xml"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)
[ -n "$KAFKA_VERSION" ] || { echo "kafka: cannot read <kafka.version> from $POM" >&2; exit 2; }

KAFKA_HOME_DIR=${STORYSIFT_KAFKA_HOME:-$HOME/.cache/storysift/kafka-$KAFKA_VERSION}
LIB_DIR="$KAFKA_HOME_DIR/lib"
LIB_MARKER="$LIB_DIR/.storysift-complete"
DATA_DIR=${STORYSIFT_KAFKA_DATA:-$HOME/.cache/storysift/kafka-data}
KRAFT_DIR="$DATA_DIR/kraft"
LOG_DIR="$DATA_DIR/logs"
LOG_FILE="$LOG_DIR/server.log"
CONSOLE_LOG="$LOG_DIR/console.log"
PROPS="$DATA_DIR/server.properties"
LOG4J_CONF="$DATA_DIR/log4j2.xml"
PID_FILE="$DATA_DIR/kafka.pid"

HOST=127.0.0.1
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
HEAP=${KAFKA_HEAP:-512m}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
MVN=${MVN:-mvn}
SASL_PORT=${KAFKA_SASL_PORT:-}
SASL_SSL_PORT=${KAFKA_SASL_SSL_PORT:-}
SSL_PORT=${KAFKA_SSL_PORT:-}
SCRAM_USER=${KAFKA_SCRAM_USER:-storysift}
TLS_DIR="$DATA_DIR/tls"
SCRAM_MARKER="$DATA_DIR/scram-user.sha256"

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else echo java; fi
}

check_java() {
  local java ver major
  java=$(java_bin)
  command -v "$java" >/dev/null 2>&1 || die "java not found (Kafka $KAFKA_VERSION needs Java 17 or newer)"
  ver=$("$java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  major=${ver%%.*}
  if [ -n "$major" ] && [ "$major" -lt 17 ] 2>/dev/null; then
    die "Java $ver found, Kafka $KAFKA_VERSION needs 17 or newer (set JAVA_HOME)"
  fi
}

# --- jars -------------------------------------------------------------------------------

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

lib_complete() {
  [ -f "$LIB_MARKER" ] && [ "$(cat "$LIB_MARKER")" = "$(pom_sum)" ]
}

fetch() {
  if lib_complete; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "mvn not found: needed once to fetch the Kafka jars"
  local tmp="$KAFKA_HOME_DIR/lib.tmp.$$" t0 t1 out
  mkdir -p "$KAFKA_HOME_DIR"
  rm -rf "$tmp"
  say "fetching Kafka $KAFKA_VERSION jars into $LIB_DIR (once)"
  t0=$(date +%s)
  if ! out=$("$MVN" -q -B -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1); then
    echo "$out" >&2
    rm -rf "$tmp"
    die "jar resolution failed"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "resolution gave no kafka_2.13-$KAFKA_VERSION.jar"; }
  pom_sum >"$tmp/.storysift-complete"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  t1=$(date +%s)
  say "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIB_DIR" | cut -f1)) in $((t1 - t0)) s"
}

# --- process helpers -------------------------------------------------------------------

# The pid in the pid file, if that process is alive and is our broker (guards against reuse).
broker_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $PROPS" || return 1
  fi
  echo "$pid"
}

# Does something accept TCP connections on $HOST:${1:-$PORT}?
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/${1:-$PORT}" 2>/dev/null
}

log_size() { if [ -f "$LOG_FILE" ]; then stat -c %s "$LOG_FILE"; else echo 0; fi; }

# Has the broker logged that it is serving, since byte offset $1 of the log?
log_says_started() {
  local from=$1
  [ -f "$LOG_FILE" ] || return 1
  if [ "$(log_size)" -lt "$from" ]; then from=0; fi   # rolled over meanwhile
  tail -c +"$((from + 1))" "$LOG_FILE" \
    | grep -qE 'Kafka Server started|Transition from STARTING to STARTED'
}

show_log_tail() {
  echo "kafka: ---- last lines of $LOG_FILE ----" >&2
  tail -n 40 "$LOG_FILE" >&2 2>/dev/null || echo "(no log)" >&2
  if [ -s "$CONSOLE_LOG" ]; then
    echo "kafka: ---- last lines of $CONSOLE_LOG ----" >&2
    tail -n 20 "$CONSOLE_LOG" >&2
  fi
}

lock() {
  mkdir -p "$DATA_DIR"
  exec 9>"$DATA_DIR/.lock"
  flock -w 120 9 || die "another local-kafka.sh holds $DATA_DIR/.lock"
}

# --- secured listeners (KAFKA_SASL_PORT, KAFKA_SASL_SSL_PORT, KAFKA_SSL_PORT) -------------

listener_port() {
  case "$1" in
    SASL_PLAINTEXT) echo "$SASL_PORT" ;;
    SASL_SSL) echo "$SASL_SSL_PORT" ;;
    SSL) echo "$SSL_PORT" ;;
  esac
}

wants_sasl() { [ -n "$SASL_PORT$SASL_SSL_PORT" ]; }
wants_tls() { [ -n "$SASL_SSL_PORT$SSL_PORT" ]; }

# The SCRAM password from KAFKA_SCRAM_PASSWORD or the first line of KAFKA_SCRAM_PASSWORD_FILE.
scram_password() {
  if [ -n "${KAFKA_SCRAM_PASSWORD_FILE:-}" ]; then
    head -n1 "$KAFKA_SCRAM_PASSWORD_FILE"
  else
    echo "${KAFKA_SCRAM_PASSWORD:-}"
  fi
}

check_security_env() {
  local name port password
  for name in SASL_PLAINTEXT SASL_SSL SSL; do
    port=$(listener_port "$name")
    [ -z "$port" ] && continue
    [[ "$port" =~ ^[0-9]+$ ]] || die "the $name port must be a number, got '$port'"
    if [ "$port" = "$PORT" ] || [ "$port" = "$CONTROLLER_PORT" ]; then
      die "the $name port $port is KAFKA_PORT or KAFKA_CONTROLLER_PORT already"
    fi
  done
  wants_sasl || return 0
  [[ "$SCRAM_USER" =~ ^[A-Za-z0-9._-]+$ ]] || die "KAFKA_SCRAM_USER: letters, digits and . _ - only"
  if [ -n "${KAFKA_SCRAM_PASSWORD_FILE:-}" ]; then
    [ -z "${KAFKA_SCRAM_PASSWORD:-}" ] || die "set KAFKA_SCRAM_PASSWORD or KAFKA_SCRAM_PASSWORD_FILE, not both"
    [ -r "$KAFKA_SCRAM_PASSWORD_FILE" ] || die "KAFKA_SCRAM_PASSWORD_FILE: cannot read $KAFKA_SCRAM_PASSWORD_FILE"
  fi
  password=$(scram_password)
  [ -n "$password" ] || die "a SASL port is set: give the password in KAFKA_SCRAM_PASSWORD or KAFKA_SCRAM_PASSWORD_FILE"
  [[ "$password" =~ ^[A-Za-z0-9._~+-]+$ ]] || die "the SCRAM password may hold letters, digits and . _ ~ + - only"
  if wants_tls; then command -v openssl >/dev/null 2>&1 || die "openssl not found: needed for the TLS listeners"; fi
}

# A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, made once
# (again when one expires within a day). Kafka reads PEM: the server key and chain in one file.
make_tls_material() {
  wants_tls || return 0
  if [ -f "$TLS_DIR/server.pem" ] && [ -f "$TLS_DIR/client.key" ] \
     && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/server.crt" >/dev/null 2>&1; then
    return 0
  fi
  say "making a throwaway CA and certificates in $TLS_DIR"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    set -e
    cd "$TLS_DIR"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 365 \
      -subj "/CN=storysift local test CA" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.crt -days 365 \
      -extfile server.ext >/dev/null 2>&1
    openssl pkcs8 -topk8 -nocrypt -in server.key -out server.p8 >/dev/null 2>&1
    cat server.p8 server.crt ca.pem >server.pem
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=$SCRAM_USER" >/dev/null 2>&1
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.crt -days 365 \
      -extfile client.ext >/dev/null 2>&1
    rm -f server.csr client.csr server.ext client.ext server.p8 server.key
    chmod 644 ca.pem client.crt server.crt
  ) || die "openssl failed to make the test certificates in $TLS_DIR"
}

security_config() {
  local mechanisms="SCRAM-SHA-512,SCRAM-SHA-256"
  local scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  if wants_sasl; then
    echo
    echo "# SASL: SCRAM users live in the cluster metadata (made by local-kafka.sh); PLAIN only over TLS."
    echo "sasl.enabled.mechanisms=$mechanisms"
  fi
  if [ -n "$SASL_PORT" ]; then
    echo "listener.name.sasl_plaintext.sasl.enabled.mechanisms=$mechanisms"
    echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram"
    echo "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$scram"
  fi
  if [ -n "$SASL_SSL_PORT" ]; then
    echo "listener.name.sasl_ssl.sasl.enabled.mechanisms=$mechanisms,PLAIN"
    echo "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram"
    echo "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram"
    echo "listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SCRAM_USER=\"$(scram_password)\";"
  fi
  if wants_tls; then
    echo
    echo "# TLS with the throwaway CA in $TLS_DIR (PEM keystore and truststore)."
    echo "ssl.keystore.type=PEM"
    echo "ssl.keystore.location=$TLS_DIR/server.pem"
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$TLS_DIR/ca.pem"
  fi
  if [ -n "$SSL_PORT" ]; then
    echo "listener.name.ssl.ssl.client.auth=required"
  fi
}

# Runs a Kafka tool whose arguments hold the password through a private @argfile: the JVM
# reads it, so no process list ever shows the password. The tools echo their arguments on
# failure: the password is masked in what is shown.
java_with_secret_args() {
  local argfile out rc=0 password
  password=$(scram_password)
  argfile=$(umask 077; mktemp "$DATA_DIR/.args.XXXXXX")
  printf '%s\n' "$@" >"$argfile"
  out=$("$(java_bin)" -cp "$LIB_DIR/*" "@$argfile" 2>&1) || rc=$?
  rm -f "$argfile"
  [ "$rc" = 0 ] || echo "${out//"$password"/[redacted]}" >&2
  return "$rc"
}

# One credential per SCRAM mechanism, in Kafka's bracket syntax; $1 is "name=USER," at format time.
scram_specs() {
  local password mechanism
  password=$(scram_password)
  for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
    echo "$mechanism=[$1password=$password]"
  done
}

scram_fingerprint() { printf '%s:%s' "$SCRAM_USER" "$(scram_password)" | sha256sum | cut -d' ' -f1; }

remember_scram_user() { ( umask 077; scram_fingerprint >"$SCRAM_MARKER" ); }

# After start: a data dir formatted without this user (or with another password) gets it now.
ensure_scram_user() {
  wants_sasl || return 0
  if [ -f "$SCRAM_MARKER" ] && [ "$(cat "$SCRAM_MARKER")" = "$(scram_fingerprint)" ]; then
    return 0
  fi
  local spec
  # One mechanism per request: Kafka 4.1 refuses to alter one user's credentials twice in one.
  while read -r spec; do
    java_with_secret_args kafka.admin.ConfigCommand --bootstrap-server "$HOST:$PORT" --alter \
      --entity-type users --entity-name "$SCRAM_USER" --add-config "$spec" >/dev/null \
      || die "could not set the SCRAM user $SCRAM_USER through the admin API"
  done < <(scram_specs "")
  remember_scram_user
  say "SCRAM user $SCRAM_USER set through the admin API"
}

show_security() {
  [ -z "$SASL_PORT" ] || say "SASL_PLAINTEXT (SCRAM-SHA-512/256) on $HOST:$SASL_PORT, user $SCRAM_USER"
  [ -z "$SASL_SSL_PORT" ] || say "SASL_SSL (SCRAM-SHA-512/256, PLAIN) on $HOST:$SASL_SSL_PORT, user $SCRAM_USER"
  [ -z "$SSL_PORT" ] || say "SSL, client certificate required, on $HOST:$SSL_PORT"
  if wants_tls && [ -f "$TLS_DIR/ca.pem" ]; then
    say "CA $TLS_DIR/ca.pem; client certificate $TLS_DIR/client.crt, key $TLS_DIR/client.key"
  fi
  local name port
  for name in SASL_PLAINTEXT SASL_SSL SSL; do
    port=$(listener_port "$name")
    if [ -n "$port" ] && ! port_open "$port"; then
      say "warning: nothing answers on the $name port $port: this broker was started without it ('$0 stop' first)"
    fi
  done
}

# --- configuration ---------------------------------------------------------------------

write_config() {
  mkdir -p "$KRAFT_DIR" "$LOG_DIR"
  local listeners="PLAINTEXT://$HOST:$PORT" name port
  for name in SASL_PLAINTEXT SASL_SSL SSL; do
    port=$(listener_port "$name")
    [ -z "$port" ] || listeners="$listeners,$name://$HOST:$port"
  done
  # 600: with a SASL_SSL port, the PLAIN login module below names the user's password.
  ( umask 077; : >"$PROPS" ); chmod 600 "$PROPS"
  cat >"$PROPS" <<EOF
# Written by deploy/kafka/local-kafka.sh on every start: edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=$listeners,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
log.dirs=$KRAFT_DIR

# One node: every internal topic with replication factor 1 and min ISR 1.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=8

group.initial.rebalance.delay.ms=0
# Topics are created explicitly by the app (\`storysift topics\`): a typo must not make one.
auto.create.topics.enable=false
num.partitions=4

# Crawler pages can be large: accept records (batches) up to 10 MiB instead of ~1 MiB.
# Producers must raise max.request.size to match; a topic's max.message.bytes can lower it.
message.max.bytes=10485760
replica.fetch.max.bytes=10485760

# Modest retention for a dev machine (per partition; topics may override).
log.retention.hours=24
log.retention.bytes=268435456
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
# The compaction dedupe buffer is on the heap (default 128 MiB): keep it small for a 512m heap.
log.cleaner.dedupe.buffer.size=33554432

# Sized for a 2-core machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
  security_config >>"$PROPS"

  cat >"$LOG4J_CONF" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by deploy/kafka/local-kafka.sh on every start. -->
<Configuration status="warn" name="storysift-local-kafka">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <ThresholdFilter level="WARN" onMatch="ACCEPT" onMismatch="DENY"/>
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
    <RollingFile name="FILE" fileName="$LOG_FILE" filePattern="$LOG_FILE.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="kafka.authorizer.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Root level="INFO">
      <AppenderRef ref="STDOUT"/>
      <AppenderRef ref="FILE"/>
    </Root>
  </Loggers>
</Configuration>
EOF
}

# Format KRaft storage once (static quorum from controller.quorum.voters).
format_storage() {
  [ -f "$KRAFT_DIR/meta.properties" ] && return 0
  local java cluster_id out
  java=$(java_bin)
  cluster_id=$("$java" -cp "$LIB_DIR/*" \
    kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
  [ -n "$cluster_id" ] || die "StorageTool random-uuid gave no id"
  say "formatting KRaft storage in $KRAFT_DIR (cluster id $cluster_id)"
  if wants_sasl; then
    local spec args=()
    while read -r spec; do args+=(--add-scram "$spec"); done < <(scram_specs "name=$SCRAM_USER,")
    java_with_secret_args kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" "${args[@]}" >/dev/null \
      || die "storage format failed"
    remember_scram_user
    say "SCRAM user $SCRAM_USER added at format time"
    return 0
  fi
  if ! out=$("$java" -cp "$LIB_DIR/*" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" 2>&1); then
    echo "$out" >&2
    die "storage format failed"
  fi
}

# --- subcommands -----------------------------------------------------------------------

wait_until_serving() {
  local pid=$1 from=$2 t0=$3 ms   # t0 in ns since the epoch
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail
      rm -f "$PID_FILE"
      die "broker exited during startup"
    fi
    if port_open && log_says_started "$from"; then
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      say "serving on $HOST:$PORT (pid $pid, ready in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s)"
      say "bootstrap servers: $HOST:$PORT"
      say "log: $LOG_FILE"
      return 0
    fi
    if [ "$(date +%s%N)" -ge "$(( t0 + START_TIMEOUT * 1000000000 ))" ]; then
      show_log_tail
      die "broker did not serve on $HOST:$PORT within ${START_TIMEOUT}s (pid $pid still running; '$0 stop' to end it)"
    fi
    sleep 0.5
  done
}

cmd_start() {
  [ "$PORT" != "$CONTROLLER_PORT" ] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
  check_security_env
  lock
  local pid t0 from
  t0=$(date +%s%N)
  if pid=$(broker_pid); then
    if port_open; then
      say "already running (pid $pid) on $HOST:$PORT"
      say "log: $LOG_FILE"
      ensure_scram_user
      show_security
      return 0
    fi
    say "pid $pid is alive but not serving yet: waiting"
    wait_until_serving "$pid" 0 "$t0"
    ensure_scram_user
    show_security
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open; then
    say "something already answers on $HOST:$PORT (not started by this script, or another data dir): using it"
    return 0
  fi
  if port_open "$CONTROLLER_PORT"; then
    die "$HOST:$CONTROLLER_PORT (KAFKA_CONTROLLER_PORT) is taken by another process: pick another port"
  fi
  check_java
  fetch
  make_tls_material
  write_config
  format_storage
  from=$(log_size)
  : >"$CONSOLE_LOG"
  # setsid: the broker gets its own session, so Ctrl-C in the caller's terminal does not hit
  # it; it ends only through `stop`. The inner shell writes its own pid, then execs java.
  # 9>&-: the broker must not inherit the lock, or it would hold it as long as it runs.
  # shellcheck disable=SC2086,SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$(java_bin)" -Xms"$HEAP" -Xmx"$HEAP" -server \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$LOG4J_CONF" \
    ${KAFKA_OPTS:-} \
    -cp "$LIB_DIR/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$CONSOLE_LOG" 2>&1 9>&- &
  local launcher=$!
  for _ in $(seq 50); do [ -s "$PID_FILE" ] && break; sleep 0.1; done
  pid=$(cat "$PID_FILE" 2>/dev/null || echo "$launcher")
  say "starting Kafka $KAFKA_VERSION (pid $pid, heap $HEAP, data $DATA_DIR)"
  wait_until_serving "$pid" "$from" "$t0"
  ensure_scram_user
  show_security
}

cmd_stop() {
  lock
  local pid i
  if ! pid=$(broker_pid); then
    rm -f "$PID_FILE"
    say "not running"
    if port_open; then say "note: something else answers on $HOST:$PORT (not managed by this script)"; fi
    return 0
  fi
  say "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local pid
  if pid=$(broker_pid); then
    if port_open; then
      say "running (pid $pid) on $HOST:$PORT; log $LOG_FILE"
      return 0
    fi
    say "pid $pid alive but $HOST:$PORT not answering (starting, or stuck; see $LOG_FILE)"
    return 1
  fi
  if port_open; then
    say "something answers on $HOST:$PORT, not managed by this script (data dir $DATA_DIR)"
    return 0
  fi
  say "not running"
  return 1
}

cmd_reset() {
  cmd_stop
  # Remove only what this script creates, never the directory blindly.
  rm -rf "$KRAFT_DIR" "$LOG_DIR" "$PROPS" "$LOG4J_CONF" "$PID_FILE" "$DATA_DIR/.lock" "$TLS_DIR" "$SCRAM_MARKER"
  rmdir "$DATA_DIR" 2>/dev/null || true
  say "wiped $DATA_DIR"
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  fetch)  fetch; say "jars: $LIB_DIR" ;;
  logs)   echo "$LOG_FILE" ;;
  reset)  cmd_reset ;;
  *)
    echo "usage: $(basename "$0") start|stop|status|fetch|logs|reset" >&2
    exit 2
    ;;
esac
