#!/usr/bin/env bash
# Local Prometheus for firestorm dev and tests (the Debian 'prometheus' package).
#
# Usage: deploy/prometheus/prometheus.sh {install|start|wait|stop|status|up|down}
#   install  apt-get install prometheus if the binary is missing; the package's
#            own system service is kept from starting (and stopped if it runs)
#   start    run our prometheus on 127.0.0.1:$PORT in the background with
#            deploy/prometheus/prometheus.test.yml (no-op if already running)
#   wait     block until GET /-/ready answers 200, 60 s max
#   stop     SIGTERM, wait, then SIGKILL (no-op if not running)
#   status   say whether it runs; exit 0 if it does, 3 if not
#   up       install + start + wait
#   down     stop
#
# Scrape targets: job "firestorm" reads $RUN/prometheus/targets/*.json
# (file_sd_configs, 1 s refresh). Reload the config: POST /-/reload.
# A new target is scraped ~2-6 s after its file appears: Prometheus 2.42 (the
# Debian 12 package) syncs discovered targets to the scraper every 5 s.
#
# Environment:
#   FIRESTORM_RUN_DIR              default <repo>/.run
#   FIRESTORM_PROMETHEUS_PORT      default 9090
#   FIRESTORM_PROMETHEUS_WAIT_TIMEOUT  seconds for wait, default 60
#
# Files under $RUN/prometheus: prometheus.yml (rendered), data/ (TSDB),
# targets/ (file_sd JSON), prometheus.log, prometheus.pid, install.log (apt output).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
RUN_DIR="${FIRESTORM_RUN_DIR:-$REPO_ROOT/.run}"
PROM_DIR="$RUN_DIR/prometheus"
DATA_DIR="$PROM_DIR/data"
TARGETS_DIR="$PROM_DIR/targets"
CONFIG="$PROM_DIR/prometheus.yml"
LOG_FILE="$PROM_DIR/prometheus.log"
PID_FILE="$PROM_DIR/prometheus.pid"

HOST=127.0.0.1
PORT="${FIRESTORM_PROMETHEUS_PORT:-9090}"
WAIT_TIMEOUT="${FIRESTORM_PROMETHEUS_WAIT_TIMEOUT:-60}"
STOP_TIMEOUT=20

say() { printf 'prometheus: %s\n' "$*"; }
die() { printf 'prometheus: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

port_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# HTTP status code of GET $1 on our port ("000" if no answer).
http_code() {
    if command -v curl >/dev/null 2>&1; then
        curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$HOST:$PORT$1" || true
    else
        local line=""
        {
            exec 3<>"/dev/tcp/$HOST/$PORT" &&
                printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n' "$1" "$HOST" "$PORT" >&3 &&
                IFS= read -r -t 2 line <&3
        } 2>/dev/null || true
        exec 3>&- 2>/dev/null || true
        line="${line#HTTP/* }"
        echo "${line:0:3}"
    fi
}

# PID of our running prometheus, or nothing (guards against stale/reused pids).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config.file=$CONFIG"; then
        echo "$pid"
    fi
}

# PIDs of a prometheus started by the Debian package (its init script / unit).
system_pids() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q '^/usr/bin/prometheus' || continue
        tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "--config.file=$CONFIG" && continue
        echo "${p#/proc/}"
    done
}

stop_system_service() {
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        as_root systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    elif [[ -x /etc/init.d/prometheus ]]; then
        as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    fi
    local pids
    pids="$(system_pids)"
    if [[ -n "$pids" ]]; then
        say "system prometheus still running (pid $pids); stopping it"
        # shellcheck disable=SC2086  # one pid per word
        as_root kill -TERM $pids 2>/dev/null || true
    fi
}

cmd_install() {
    if command -v prometheus >/dev/null 2>&1; then
        say "prometheus already installed ($(command -v prometheus))"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "prometheus missing and no apt-get to install it"
    say "installing the Debian prometheus package"
    # Keep the package's postinst from starting its own service on :9090.
    local added_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
        added_policy=1
        trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    local rc=0 log="$PROM_DIR/install.log"
    mkdir -p "$PROM_DIR"
    as_root apt-get update -qq >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends prometheus >>"$log" 2>&1 || rc=$?
    fi
    if ((added_policy == 1)); then
        as_root rm -f /usr/sbin/policy-rc.d
        trap - EXIT
    fi
    if ((rc != 0)); then
        tail -n 20 "$log" >&2
        die "apt-get install prometheus failed (rc $rc, see $log)"
    fi
    stop_system_service
    say "installed $(prometheus --version 2>&1 | head -n 1)"
}

render_config() {
    mkdir -p "$PROM_DIR" "$DATA_DIR" "$TARGETS_DIR"
    sed -e "s|@TARGETS_DIR@|$TARGETS_DIR|g" \
        "$SCRIPT_DIR/prometheus.test.yml" >"$CONFIG.tmp"
    mv -f "$CONFIG.tmp" "$CONFIG"
    if command -v promtool >/dev/null 2>&1; then
        promtool check config "$CONFIG" >/dev/null \
            || die "invalid config $CONFIG (promtool check config)"
    fi
}

cmd_start() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        say "already running (pid $pid) on $HOST:$PORT"
        return 0
    fi
    command -v prometheus >/dev/null 2>&1 || die "prometheus not installed: run '$0 install' first"
    if port_open "$PORT"; then
        die "port $HOST:$PORT is already in use by another process (a system prometheus? try FIRESTORM_PROMETHEUS_PORT)"
    fi
    render_config
    say "starting prometheus on $HOST:$PORT (targets: $TARGETS_DIR/*.json)"
    echo "---- start $(date '+%F %T') ----" >>"$LOG_FILE"
    nohup prometheus \
        "--config.file=$CONFIG" \
        "--storage.tsdb.path=$DATA_DIR" \
        --storage.tsdb.retention.time=1d \
        "--web.listen-address=$HOST:$PORT" \
        "--web.external-url=http://$HOST:$PORT/" \
        --web.enable-lifecycle \
        >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "started (pid $pid), log: $LOG_FILE"
}

cmd_wait() {
    local start=$SECONDS code
    say "waiting for http://$HOST:$PORT/-/ready (timeout ${WAIT_TIMEOUT}s)"
    while :; do
        # kill -0 on the recorded pid, not running_pid(): right after start the child may not
        # have exec'd prometheus yet, so its command line does not match for a moment.
        if ! kill -0 "$(cat "$PID_FILE" 2>/dev/null || echo 0)" 2>/dev/null; then
            tail -n 20 "$LOG_FILE" >&2 2>/dev/null || true
            die "prometheus is not running (exited or never started)"
        fi
        code="$(http_code /-/ready)"
        if [[ "$code" == 200 ]]; then
            say "ready after $((SECONDS - start))s"
            return 0
        fi
        if ((SECONDS - start >= WAIT_TIMEOUT)); then
            tail -n 20 "$LOG_FILE" >&2 2>/dev/null || true
            die "not ready after ${WAIT_TIMEOUT}s (last HTTP status: ${code:-none})"
        fi
        sleep 0.3
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
    say "stopping prometheus (pid $pid)"
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
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$PID_FILE"
    say "stopped after $((SECONDS - start))s"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        say "running (pid $pid) on http://$HOST:$PORT (/-/ready: $(http_code /-/ready))"
        return 0
    fi
    say "not running"
    return 3
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

main() {
    case "${1:-}" in
        install) cmd_install ;;
        start) cmd_start ;;
        wait) cmd_wait ;;
        stop | down) cmd_stop ;;
        status) cmd_status ;;
        up)
            cmd_install
            cmd_start
            cmd_wait
            ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
