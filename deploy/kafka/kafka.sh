#!/usr/bin/env bash
# Local single-node Apache Kafka 4.0 (KRaft) broker for firestorm dev and tests, or a local
# cluster of several (FIRESTORM_KAFKA_BROKERS=3: three processes, each broker and controller).
#
# Usage: deploy/kafka/kafka.sh {fetch|format|start|wait|stop|status|up|down|reset}
#   fetch   copy the broker jars from Maven Central into $RUN/kafka/libs, via
#           mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies \
#               -DincludeScope=runtime -DoutputDirectory=$RUN/kafka/libs
#           (skipped when the jars are there and pom.xml has not changed)
#   format  kafka.tools.StorageTool format, only if the data dir is not formatted
#   start   run kafka.Kafka in the background (no-op if already running)
#   wait    block until the broker is up (log line + port open), 90 s max
#   stop    SIGTERM, wait, then SIGKILL (no-op if not running)
#   status  say whether the broker runs; exit 0 if it does, 3 if not
#   up      fetch + format + start + wait
#   down    stop
#   reset   stop, then delete the data dir (jars and logs are kept)
#
# Environment:
#   FIRESTORM_RUN_DIR                 default <repo>/.run
#   FIRESTORM_KAFKA_PORT              PLAINTEXT listener, default 9092
#   FIRESTORM_KAFKA_CONTROLLER_PORT   KRaft controller listener, default the port after the
#                                     last broker's (9093 with the defaults)
#   FIRESTORM_KAFKA_CLUSTER_ID        cluster id used by format (fixed default)
#   FIRESTORM_KAFKA_HEAP_OPTS         default "-Xms256m -Xmx512m"
#   FIRESTORM_KAFKA_WAIT_TIMEOUT      seconds for wait, default 90
#   FIRESTORM_KAFKA_STOP_TIMEOUT      seconds before SIGKILL, default 30
#   FIRESTORM_KAFKA_SASL_PORT         if set: also a SASL_PLAINTEXT (SCRAM-SHA-256/512) listener on
#                                     this port, from server-sasl.properties (default: none)
#   FIRESTORM_KAFKA_SCRAM_USERS       with SASL: "user:password[,user:password...]" created by
#                                     format (StorageTool --add-scram, both SHA-256 and SHA-512)
#   FIRESTORM_KAFKA_SSL_PORT          with SASL: also a SASL_SSL (SCRAM over TLS) listener on this port
#   FIRESTORM_KAFKA_SSL_KEYSTORE      its PEM keystore: the broker's private key (PKCS#8, not
#                                     encrypted) followed by its certificate chain
#   FIRESTORM_KAFKA_BROKERS           number of brokers, default 1. With N > 1 every command acts
#                                     on N processes (node ids 1..N): node i listens on
#                                     FIRESTORM_KAFKA_PORT+i-1, its controller on
#                                     FIRESTORM_KAFKA_CONTROLLER_PORT+i-1, its files are under
#                                     $RUN/kafka/node-i (the jars stay in $RUN/kafka/libs);
#                                     topics default to min(N, 3) replicas. SASL/TLS: single node only.
#
# A port in use by another process stops start/up at once, naming the variable to set and a free
# port pair to set it to (the broker is not moved silently: clients would not find it).
#
# Files under $RUN/kafka: libs/ (jars), data/ (log.dirs), logs/server.log,
# logs/kafka.out (stdout/stderr), server.properties (rendered), kafka.pid,
# fetch.log (Maven output).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
RUN_DIR="${FIRESTORM_RUN_DIR:-$REPO_ROOT/.run}"
KAFKA_DIR="$RUN_DIR/kafka"
LIBS_DIR="$KAFKA_DIR/libs"
DATA_DIR="$KAFKA_DIR/data"
LOGS_DIR="$KAFKA_DIR/logs"
PID_FILE="$KAFKA_DIR/kafka.pid"
CONFIG="$KAFKA_DIR/server.properties"
LOG_OFFSET_FILE="$KAFKA_DIR/server.log.offset"
POM="$SCRIPT_DIR/pom.xml"
POM_STAMP="$LIBS_DIR/.pom.sha256"

PORT="${FIRESTORM_KAFKA_PORT:-9092}"
BROKERS="${FIRESTORM_KAFKA_BROKERS:-1}"
[[ "$BROKERS" =~ ^[1-9][0-9]*$ ]] || { echo "kafka: ERROR: FIRESTORM_KAFKA_BROKERS must be a positive number" >&2; exit 1; }
[[ "$PORT" =~ ^[1-9][0-9]*$ ]] || { echo "kafka: ERROR: FIRESTORM_KAFKA_PORT must be a port number" >&2; exit 1; }
# The controllers follow the brokers' ports by default (9092, then 9093; a cluster of 3: 9092-9094,
# then 9095-9097), so setting FIRESTORM_KAFKA_PORT alone moves both.
CONTROLLER_PORT="${FIRESTORM_KAFKA_CONTROLLER_PORT:-$((PORT + BROKERS))}"
NODE="${FIRESTORM_KAFKA_NODE:-}"  # set by this script: the one node of a cluster a command acts on
if [[ -n "$NODE" ]]; then
    # One node of a cluster: its own ports and files; the voters are every node's controller.
    BASE_PORT="$PORT"
    BASE_CONTROLLER_PORT="$CONTROLLER_PORT"
    PORT=$((BASE_PORT + NODE - 1))
    CONTROLLER_PORT=$((BASE_CONTROLLER_PORT + NODE - 1))
    KAFKA_DIR="$KAFKA_DIR/node-$NODE"
    DATA_DIR="$KAFKA_DIR/data"
    LOGS_DIR="$KAFKA_DIR/logs"
    PID_FILE="$KAFKA_DIR/kafka.pid"
    CONFIG="$KAFKA_DIR/server.properties"
    LOG_OFFSET_FILE="$KAFKA_DIR/server.log.offset"
    VOTERS=""
    for ((i = 1; i <= BROKERS; i++)); do
        VOTERS+="${VOTERS:+,}$i@127.0.0.1:$((BASE_CONTROLLER_PORT + i - 1))"
    done
    REPLICAS=$((BROKERS < 3 ? BROKERS : 3))
    MIN_ISR=$((REPLICAS < 2 ? 1 : 2))
fi
CLUSTER_ID="${FIRESTORM_KAFKA_CLUSTER_ID:-ZmlyZXN0b3JtLWthZmthMQ}"
HEAP_OPTS="${FIRESTORM_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
WAIT_TIMEOUT="${FIRESTORM_KAFKA_WAIT_TIMEOUT:-90}"
STOP_TIMEOUT="${FIRESTORM_KAFKA_STOP_TIMEOUT:-30}"
SASL_PORT="${FIRESTORM_KAFKA_SASL_PORT:-}"
SCRAM_USERS="${FIRESTORM_KAFKA_SCRAM_USERS:-}"
SSL_PORT="${FIRESTORM_KAFKA_SSL_PORT:-}"
SSL_KEYSTORE="${FIRESTORM_KAFKA_SSL_KEYSTORE:-}"
TEMPLATE="$SCRIPT_DIR/server.properties"
[[ -z "$SASL_PORT" ]] || TEMPLATE="$SCRIPT_DIR/server-sasl.properties"
HOST=127.0.0.1
READY_LINE='Kafka Server started'

say() { printf 'kafka%s: %s\n' "${NODE:+ node $NODE}" "$*"; }
die() { printf 'kafka: ERROR: %s\n' "$*" >&2; exit 1; }

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

libs_ok() {
    [[ -f "$POM_STAMP" ]] && [[ "$(cat "$POM_STAMP")" == "$(pom_hash)" ]] \
        && compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null
}

# Port open on 127.0.0.1? (bash /dev/tcp, no extra tools needed)
port_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# A port above $1 on 127.0.0.1 from which the 2 x FIRESTORM_KAFKA_BROKERS ports the brokers and
# their controllers take by default are all free.
free_ports_from() {
    local p i taken
    for ((p = $1 + 10; p < $1 + 2000; p += 10)); do
        taken=0
        for ((i = 0; i < 2 * BROKERS; i++)); do
            if port_open "$((p + i))"; then taken=1 && break; fi
        done
        if ((taken == 0)); then
            echo "$p"
            return 0
        fi
    done
    echo "(none found near $1)"
}

# Every port this broker would listen on must be free; else say which variable to set, and to what.
check_ports() {
    local free
    if port_open "$PORT"; then
        free="$(free_ports_from "$PORT")"
        die "port $HOST:$PORT (FIRESTORM_KAFKA_PORT, default 9092) is already in use by another process: set FIRESTORM_KAFKA_PORT to a free port, e.g. FIRESTORM_KAFKA_PORT=$free (the controller then takes $((free + BROKERS))), here and for firestorm (FIRESTORM_BROKER=kafka://$HOST:$free)"
    fi
    if port_open "$CONTROLLER_PORT"; then
        free="$(free_ports_from "$CONTROLLER_PORT")"
        die "controller port $HOST:$CONTROLLER_PORT (FIRESTORM_KAFKA_CONTROLLER_PORT, default FIRESTORM_KAFKA_PORT+1) is already in use by another process: set FIRESTORM_KAFKA_CONTROLLER_PORT to a free port, e.g. FIRESTORM_KAFKA_CONTROLLER_PORT=$free"
    fi
    if [[ -n "$SASL_PORT" ]] && port_open "$SASL_PORT"; then
        die "port $HOST:$SASL_PORT (FIRESTORM_KAFKA_SASL_PORT) is already in use by another process"
    fi
    if [[ -n "$SSL_PORT" ]] && port_open "$SSL_PORT"; then
        die "port $HOST:$SSL_PORT (FIRESTORM_KAFKA_SSL_PORT) is already in use by another process"
    fi
}

# PID of our running broker, or nothing. Guards against stale/reused pids.
running_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
        echo "$pid"
    fi
}

render_config() {
    mkdir -p "$KAFKA_DIR" "$DATA_DIR" "$LOGS_DIR"
    sed -e "s|@LOG_DIR@|$DATA_DIR|g" \
        -e "s|@PORT@|$PORT|g" \
        -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        -e "s|@SASL_PORT@|$SASL_PORT|g" \
        "$TEMPLATE" >"$CONFIG.tmp"
    if [[ -n "$NODE" ]]; then
        sed -i -e "s|^node.id=.*|node.id=$NODE|" \
            -e "s|^controller.quorum.voters=.*|controller.quorum.voters=$VOTERS|" \
            -e "s|^default.replication.factor=.*|default.replication.factor=$REPLICAS|" \
            -e "s|^offsets.topic.replication.factor=.*|offsets.topic.replication.factor=$REPLICAS|" \
            -e "s|^transaction.state.log.replication.factor=.*|transaction.state.log.replication.factor=$REPLICAS|" \
            -e "s|^transaction.state.log.min.isr=.*|transaction.state.log.min.isr=$MIN_ISR|" \
            -e "s|^share.coordinator.state.topic.replication.factor=.*|share.coordinator.state.topic.replication.factor=$REPLICAS|" \
            -e "s|^share.coordinator.state.topic.min.isr=.*|share.coordinator.state.topic.min.isr=$MIN_ISR|" \
            "$CONFIG.tmp"
    fi
    if [[ -n "$SSL_PORT" ]]; then
        [[ -n "$SASL_PORT" ]] || die "FIRESTORM_KAFKA_SSL_PORT needs FIRESTORM_KAFKA_SASL_PORT (SASL_SSL listener)"
        [[ -r "$SSL_KEYSTORE" ]] || die "FIRESTORM_KAFKA_SSL_KEYSTORE: no readable PEM keystore at '$SSL_KEYSTORE'"
        sed -i -e "s|^listeners=\(.*\)$|listeners=\1,SASL_SSL://$HOST:$SSL_PORT|" \
            -e "s|^advertised.listeners=\(.*\)$|advertised.listeners=\1,SASL_SSL://$HOST:$SSL_PORT|" \
            -e "s|^listener.security.protocol.map=\(.*\)$|listener.security.protocol.map=\1,SASL_SSL:SASL_SSL|" \
            "$CONFIG.tmp"
        {
            echo "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
            echo "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
            echo "listener.name.sasl_ssl.ssl.keystore.type=PEM"
            echo "listener.name.sasl_ssl.ssl.keystore.location=$SSL_KEYSTORE"
        } >>"$CONFIG.tmp"
    fi
    mv -f "$CONFIG.tmp" "$CONFIG"
}

java_opts() {
    # shellcheck disable=SC2206  # HEAP_OPTS is meant to be word-split
    JAVA_OPTS=($HEAP_OPTS
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
        -XX:+ExplicitGCInvokesConcurrent -XX:MaxDirectMemorySize=256m
        -Djava.awt.headless=true
        "-Dkafka.logs.dir=$LOGS_DIR"
        "-Dlog4j2.configurationFile=$SCRIPT_DIR/log4j2.yaml")
}

cmd_fetch() {
    if libs_ok; then
        say "jars present in $LIBS_DIR (pom unchanged), skipping fetch"
        return 0
    fi
    need mvn "install Maven 3"
    need java "install a JDK 17+"
    say "fetching Kafka jars from Maven Central into $LIBS_DIR"
    local tmp="$LIBS_DIR.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$KAFKA_DIR"
    # Maven's output goes to fetch.log (it prints stray ANSI codes even with -q).
    if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KAFKA_DIR/fetch.log" 2>&1; then
        tail -n 30 "$KAFKA_DIR/fetch.log" >&2
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed (see $KAFKA_DIR/fetch.log)"
    fi
    pom_hash >"$tmp/.pom.sha256"
    rm -rf "$LIBS_DIR"
    mv "$tmp" "$LIBS_DIR"
    say "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1))"
}

cmd_format() {
    libs_ok || die "jars missing in $LIBS_DIR: run '$0 fetch' first"
    if [[ -f "$DATA_DIR/meta.properties" ]]; then
        say "data dir already formatted ($DATA_DIR)"
        return 0
    fi
    [[ -z "$(running_pid)" ]] || die "broker is running; stop it before formatting"
    render_config
    say "formatting $DATA_DIR (cluster id $CLUSTER_ID)"
    local -a JAVA_OPTS
    java_opts
    # SCRAM users (SASL listener only): one --add-scram per user and mechanism.
    local -a SCRAM_ARGS=()
    local entry user password mechanism
    if [[ -n "$SASL_PORT" && -n "$SCRAM_USERS" ]]; then
        IFS=',' read -r -a entries <<<"$SCRAM_USERS"
        for entry in "${entries[@]}"; do
            user="${entry%%:*}"
            password="${entry#*:}"
            for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
                SCRAM_ARGS+=(--add-scram "$mechanism=[name=$user,password=$password]")
            done
        done
        say "adding SCRAM users: $(printf '%s\n' "${entries[@]}" | cut -d: -f1 | paste -sd, -)"
    fi
    java "${JAVA_OPTS[@]}" -cp "$LIBS_DIR/*" kafka.tools.StorageTool format \
        --cluster-id "$CLUSTER_ID" --config "$CONFIG" --ignore-formatted "${SCRAM_ARGS[@]}" \
        >>"$LOGS_DIR/format.out" 2>&1 \
        || { tail -n 20 "$LOGS_DIR/format.out" >&2; die "storage format failed"; }
}

cmd_start() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        say "already running (pid $pid) on $HOST:$PORT"
        return 0
    fi
    check_ports
    libs_ok || die "jars missing in $LIBS_DIR: run '$0 fetch' first"
    [[ -f "$DATA_DIR/meta.properties" ]] || die "data dir not formatted: run '$0 format' first"
    need java "install a JDK 17+"
    render_config
    # Remember where this run's log output starts, for 'wait'.
    local offset=0
    [[ -f "$LOGS_DIR/server.log" ]] && offset="$(wc -c <"$LOGS_DIR/server.log")"
    echo "$offset" >"$LOG_OFFSET_FILE"
    local -a JAVA_OPTS
    java_opts
    say "starting broker${NODE:+ $NODE of $BROKERS} on $HOST:$PORT (controller $HOST:$CONTROLLER_PORT${SASL_PORT:+, SASL/SCRAM $HOST:$SASL_PORT})"
    nohup java "${JAVA_OPTS[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG" \
        >>"$LOGS_DIR/kafka.out" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "started (pid $pid), log: $LOGS_DIR/server.log"
}

log_since_start() {
    local offset=0
    [[ -f "$LOG_OFFSET_FILE" ]] && offset="$(cat "$LOG_OFFSET_FILE")"
    # The log may have rolled over since start; then read all of it.
    local size=0
    [[ -f "$LOGS_DIR/server.log" ]] && size="$(wc -c <"$LOGS_DIR/server.log")"
    ((size >= offset)) || offset=0
    tail -c "+$((offset + 1))" "$LOGS_DIR/server.log" 2>/dev/null || true
}

show_log_tail() {
    {
        echo "---- last lines of $LOGS_DIR/server.log (this run) ----"
        log_since_start | tail -n 30
        echo "---- last lines of $LOGS_DIR/kafka.out ----"
        tail -n 10 "$LOGS_DIR/kafka.out" 2>/dev/null || true
    } >&2
}

cmd_wait() {
    local start=$SECONDS pid
    say "waiting for broker on $HOST:$PORT (timeout ${WAIT_TIMEOUT}s)"
    while :; do
        # kill -0 on the recorded pid, not running_pid(): right after start the child may not
        # have exec'd java yet, so its command line does not match kafka.Kafka for a moment.
        pid="$(cat "$PID_FILE" 2>/dev/null || echo 0)"
        if ! kill -0 "$pid" 2>/dev/null; then
            show_log_tail
            die "broker is not running (exited or never started)"
        fi
        if log_since_start | grep -q "$READY_LINE" && port_open "$PORT"; then
            say "ready after $((SECONDS - start))s (pid $pid)"
            return 0
        fi
        if ((SECONDS - start >= WAIT_TIMEOUT)); then
            show_log_tail
            die "broker not ready after ${WAIT_TIMEOUT}s"
        fi
        sleep 0.5
    done
}

cmd_stop() {
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        say "not running"
        rm -f "$PID_FILE"
        return 0
    fi
    say "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS - start >= STOP_TIMEOUT)); then
            say "still running after ${STOP_TIMEOUT}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    # Wait for the process to be really gone (KILL is asynchronous).
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$PID_FILE"
    say "stopped after $((SECONDS - start))s"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        if port_open "$PORT"; then
            say "running (pid $pid), listening on $HOST:$PORT"
        else
            say "running (pid $pid), $HOST:$PORT not open yet"
        fi
        return 0
    fi
    say "not running"
    return 3
}

cmd_reset() {
    cmd_stop
    say "deleting data dir $DATA_DIR"
    rm -rf "$DATA_DIR" "$LOG_OFFSET_FILE"
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

# A cluster: run the command for every node (node i gets FIRESTORM_KAFKA_NODE=i). Every node is
# started before any is waited for: a controller quorum needs a majority to elect a leader.
cluster() {
    local cmd="$1" i rc=0
    case "$cmd" in
        fetch) cmd_fetch ;;
        up)
            cmd_fetch
            local -a pids=()
            for ((i = 1; i <= BROKERS; i++)); do
                FIRESTORM_KAFKA_NODE=$i "$0" format &
                pids+=($!)
            done
            for i in "${pids[@]}"; do wait "$i" || rc=1; done
            ((rc == 0)) || die "formatting the cluster failed"
            for ((i = 1; i <= BROKERS; i++)); do FIRESTORM_KAFKA_NODE=$i "$0" start; done
            for ((i = 1; i <= BROKERS; i++)); do FIRESTORM_KAFKA_NODE=$i "$0" wait; done
            ;;
        status)
            for ((i = 1; i <= BROKERS; i++)); do FIRESTORM_KAFKA_NODE=$i "$0" status || rc=3; done
            return "$rc"
            ;;
        stop | down | reset)
            # All at once: a node stopped last, with no controller quorum left, would not stop cleanly.
            local -a pids=()
            for ((i = 1; i <= BROKERS; i++)); do
                FIRESTORM_KAFKA_NODE=$i "$0" "$cmd" &
                pids+=($!)
            done
            for i in "${pids[@]}"; do wait "$i" || rc=1; done
            return "$rc"
            ;;
        format | start | wait)
            for ((i = 1; i <= BROKERS; i++)); do FIRESTORM_KAFKA_NODE=$i "$0" "$cmd" || rc=1; done
            return "$rc"
            ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main() {
    local cmd="${1:-}"
    if ((BROKERS > 1)) && [[ -z "$NODE" ]]; then
        [[ -z "$SASL_PORT" ]] || die "FIRESTORM_KAFKA_SASL_PORT: a SASL listener is for a single broker only"
        cluster "$cmd"
        return
    fi
    case "$cmd" in
        fetch) cmd_fetch ;;
        format) cmd_format ;;
        start) cmd_start ;;
        wait) cmd_wait ;;
        stop | down) cmd_stop ;;
        status) cmd_status ;;
        up)
            [[ -n "$(running_pid)" ]] || check_ports  # before fetching anything
            cmd_fetch
            cmd_format
            cmd_start
            cmd_wait
            ;;
        reset) cmd_reset ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
