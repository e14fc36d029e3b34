#!/usr/bin/env bash
# Solr 9 for the local stack, without Docker: Maven Central jars (solr/pom.xml)
# run by solr/Launcher.java, two cores with the project's config (solr/conf/):
#
#   ckan        http://127.0.0.1:$SOLR_PORT/solr/ckan       (demo site, ckan.ini)
#   ckan_test   http://127.0.0.1:$SOLR_PORT/solr/ckan_test  (tests, test.ini)
#
#   stack/solr.sh fetch    jars into $STACK_DIR/solr/lib (only when missing or
#                          when solr/pom.xml changed); needs java and mvn
#   stack/solr.sh start    start in the background and wait until both cores
#                          answer; does nothing if already running
#   stack/solr.sh stop     stop the Solr this script started (PID file only)
#   stack/solr.sh status   "running ..." (exit 0) or "stopped" (exit 3)
#   stack/solr.sh core NAME  one more core with the project's config in the
#                          running Solr (a parallel test run's own); kept, and
#                          its conf/ refreshed, at later starts
#
# Environment: STACK_DIR (default <repo>/.stack), SOLR_PORT (8989), SOLR_HEAP
# (512m), SOLR_START_TIMEOUT (seconds, 60). Files: $STACK_DIR/solr/home (Solr
# home; the cores' conf/ is copied afresh from solr/conf/ at every start, their
# data/ is kept), $STACK_DIR/run/solr.pid, $STACK_DIR/log/solr.log (Solr's log)
# and $STACK_DIR/log/solr-console.log (the launcher's output).
# Exit codes: 0 done, 1 failed, 2 usage, 3 status: stopped.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
SOLR_PORT=${SOLR_PORT:-8989}
SOLR_HEAP=${SOLR_HEAP:-512m}
SOLR_START_TIMEOUT=${SOLR_START_TIMEOUT:-60}

CORES=(ckan ckan_test)
SOLR_SRC=$ROOT/solr
LIB=$STACK_DIR/solr/lib
SOLR_HOME=$STACK_DIR/solr/home
RUN=$STACK_DIR/run
LOG=$STACK_DIR/log
PIDFILE=$RUN/solr.pid
CONSOLE_LOG=$LOG/solr-console.log
PIN_FILE=$LIB/.pom.sha256

say() { printf '[solr] %s\n' "$*"; }
die() { printf '[solr] ERROR: %s\n' "$*" >&2; exit 1; }

need() {  # command...
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || die "$c not found (stack/stack.sh install sets up java, maven and curl)"
    done
}

# ------------------------------------------------------------------ fetch --

pom_hash() { sha256sum "$SOLR_SRC/pom.xml" | cut -c1-16; }

jars_present() {
    [ -f "$PIN_FILE" ] && [ "$(cat "$PIN_FILE")" = "$(pom_hash)" ] \
        && compgen -G "$LIB/solr-core-*.jar" >/dev/null \
        && compgen -G "$LIB/solr-test-framework-*.jar" >/dev/null
}

cmd_fetch() {
    if jars_present; then
        say "jars up to date in $LIB"
        return 0
    fi
    need java mvn
    mkdir -p "$LOG" "$STACK_DIR/solr"
    local tmp=$STACK_DIR/solr/lib.new
    rm -rf "$tmp"
    say "fetching Solr jars (solr/pom.xml) into $LIB"
    if ! mvn -q -B -f "$SOLR_SRC/pom.xml" dependency:copy-dependencies \
            -DoutputDirectory="$tmp" >"$LOG/solr-fetch.log" 2>&1; then
        tail -n 30 "$LOG/solr-fetch.log" >&2
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed (see $LOG/solr-fetch.log)"
    fi
    compgen -G "$tmp/solr-core-*.jar" >/dev/null || die "no solr-core jar after fetching (see $LOG/solr-fetch.log)"
    pom_hash >"$tmp/.pom.sha256"
    rm -rf "$LIB"
    mv "$tmp" "$LIB"
    say "$(find "$LIB" -name '*.jar' | wc -l) jars, $(du -sh "$LIB" | cut -f1)"
}

# -------------------------------------------------------------- processes --

# The PID in $PIDFILE if it is alive and is our launcher for our Solr home.
our_pid() {
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$SOLR_HOME" || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'Launcher\.java$' || return 1
    echo "$pid"
}

# The port our running launcher was given (its last argument).
pid_port() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | tail -n 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true; }

show_logs() {
    if [ -s "$CONSOLE_LOG" ]; then
        echo "--- last lines of $CONSOLE_LOG" >&2
        tail -n 20 "$CONSOLE_LOG" >&2
    fi
    if [ -s "$LOG/solr.log" ]; then
        echo "--- last lines of $LOG/solr.log" >&2
        tail -n 40 "$LOG/solr.log" >&2
    fi
}

terminate() {  # pid
    local pid=$1 _
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do  # up to 20 s: Solr commits and closes its cores
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    say "pid $pid still running after SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 25); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
}

fail_start() {  # pid message
    show_logs
    terminate "$1"
    rm -f "$PIDFILE"
    die "$2"
}

# Wait until our process has announced itself (in the console log of this
# start; skipped with a third argument), both cores answer the ping and no core
# failed to load.
wait_ready() {  # pid port [skip-announce]
    local pid=$1 port=$2 skip=${3:-} deadline core ok status
    local base=http://127.0.0.1:$port/solr
    deadline=$((SECONDS + SOLR_START_TIMEOUT))
    while :; do
        kill -0 "$pid" 2>/dev/null || fail_start "$pid" "Solr (pid $pid) exited during start-up"
        if [ -n "$skip" ] || grep -q "listening on .*(pid $pid," "$CONSOLE_LOG" 2>/dev/null; then
            status=$(curl -s --max-time 5 "$base/admin/cores?action=STATUS&wt=json&indent=false" || true)
            if [[ "$status" == *'"initFailures":{"'* ]]; then
                fail_start "$pid" "a Solr core failed to load: $(grep -o '"initFailures":{.*' <<<"$status" | cut -c1-600)"
            fi
            ok=1
            [[ "$status" == *'"initFailures":{}'* ]] || ok=
            for core in "${CORES[@]}"; do
                [ -n "$ok" ] || break
                [ "$(http_code "$base/$core/admin/ping")" = 200 ] || ok=
            done
            [ -n "$ok" ] && return 0
        fi
        [ "$SECONDS" -lt "$deadline" ] \
            || fail_start "$pid" "Solr did not answer $base/{$(IFS=,; echo "${CORES[*]}")}/admin/ping within ${SOLR_START_TIMEOUT}s"
        sleep 0.5
    done
}

# ------------------------------------------------------------------ start --

write_home() {
    mkdir -p "$SOLR_HOME"
    cat >"$SOLR_HOME/solr.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8" ?>
<!-- Written by stack/solr.sh. Standalone Solr; one directory per core. -->
<solr>
  <int name="maxBooleanClauses">${solr.max.booleanClauses:1024}</int>
</solr>
EOF
    local core
    for core in "${CORES[@]}"; do
        mkdir -p "$SOLR_HOME/$core"
        printf 'name=%s\n' "$core" >"$SOLR_HOME/$core/core.properties"
    done
    # Cores added later by `core` are found again through their core.properties.
    for core in "$SOLR_HOME"/*/core.properties; do
        core=$(dirname "$core")
        rm -rf "$core/conf"
        cp -R "$SOLR_SRC/conf" "$core/conf"
    done
}

java_major() {
    java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}

cmd_start() {
    local pid port
    if pid=$(our_pid); then
        port=$(pid_port "$pid")
        say "already running on 127.0.0.1:$port (pid $pid)"
        wait_ready "$pid" "$port" running
        return 0
    fi
    rm -f "$PIDFILE"
    need java curl
    [ "$(java_major)" -ge 11 ] 2>/dev/null || die "Java 11 or newer is needed (found: $(java_major))"
    jars_present || die "Solr jars missing or out of date in $LIB: run stack/solr.sh fetch"
    if port_busy "$SOLR_PORT"; then
        die "port $SOLR_PORT is taken by another process$(command -v ss >/dev/null \
            && ss -ltnpH "sport = :$SOLR_PORT" 2>/dev/null | grep -o 'users:.*' | sed 's/^/ (/; s/$/)/' | head -n 1); set SOLR_PORT to a free port"
    fi
    mkdir -p "$RUN" "$LOG"
    write_home
    say "starting Solr on 127.0.0.1:$SOLR_PORT (home $SOLR_HOME)"
    local t0=$SECONDS
    : >"$CONSOLE_LOG"
    # Single-file source launch: java compiles solr/Launcher.java in memory.
    nohup java "-Xmx$SOLR_HEAP" \
        -Dsolr.log.dir="$LOG" \
        -Dlog4j2.configurationFile="$SOLR_SRC/log4j2.xml" \
        -cp "$LIB/*" "$SOLR_SRC/Launcher.java" "$SOLR_HOME" "$SOLR_PORT" \
        >>"$CONSOLE_LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    wait_ready "$pid" "$SOLR_PORT"
    say "Solr is up on http://127.0.0.1:$SOLR_PORT/solr (pid $pid, $((SECONDS - t0)) s); cores: ${CORES[*]}"
}

# ------------------------------------------------------------ stop/status --

cmd_stop() {
    local pid
    if pid=$(our_pid); then
        say "stopping Solr (pid $pid)"
        terminate "$pid"
        kill -0 "$pid" 2>/dev/null && die "Solr (pid $pid) did not stop"
    elif [ -f "$PIDFILE" ]; then
        say "stale PID file removed (no Solr of this stack was running)"
    else
        say "not running"
    fi
    rm -f "$PIDFILE"
}

cmd_status() {
    local pid port
    if pid=$(our_pid); then
        port=$(pid_port "$pid")
        if [ "$(http_code "http://127.0.0.1:$port/solr/${CORES[0]}/admin/ping")" = 200 ]; then
            echo "running  127.0.0.1:$port (pid $pid)"
        else
            echo "running  127.0.0.1:$port (pid $pid), not answering yet"
        fi
        return 0
    fi
    echo "stopped"
    return 3
}

cmd_core() {  # name
    local name=$1 pid port base
    [[ "$name" =~ ^[A-Za-z0-9_]+$ ]] || die "core name: letters, digits and _ only"
    pid=$(our_pid) || die "Solr is not running (stack/solr.sh start)"
    port=$(pid_port "$pid")
    base=http://127.0.0.1:$port/solr
    [ "$(http_code "$base/$name/admin/ping")" = 200 ] && return 0
    mkdir -p "$SOLR_HOME/$name"
    rm -rf "$SOLR_HOME/$name/conf"
    cp -R "$SOLR_SRC/conf" "$SOLR_HOME/$name/conf"
    curl -sf --max-time 60 -o /dev/null "$base/admin/cores?action=CREATE&name=$name&instanceDir=$name" \
        || die "Solr could not create the core $name (see $LOG/solr.log)"
    say "core $name created"
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

case "${1:-}" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    core) [ -n "${2:-}" ] || { usage >&2; exit 2; }; cmd_core "$2" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
