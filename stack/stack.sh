#!/usr/bin/env bash
# The project's local stack without Docker: PostgreSQL, Redis and Solr 9 on
# loopback, a Python venv with the extension installed editable, and CKAN.
#
#   stack/stack.sh install        system packages, venv, front-end vendor files, .mo files
#   stack/stack.sh up             install + start services + databases + configs
#   stack/stack.sh down           stop what this stack started (PID files only)
#   stack/stack.sh status         one line per service; exit 3 if any is down
#   stack/stack.sh serve          start the CKAN web server in the background
#   stack/stack.sh demo           up + demo data + sysadmin + web server
#   stack/stack.sh test [ARGS]    up + pytest --ckan-ini=test.ini [ARGS]
#   stack/stack.sh createdb NAME  an extra empty database owned by ckan
#   stack/stack.sh datastore-db NAME [MAIN_DB]  an extra DataStore database
#   stack/stack.sh test-site NAME  a database, DataStore database and Solr core
#                                  of their own for one parallel test process
#                                  (ckan_test_NAME, datastore_test_NAME)
#
# Everything lives under $STACK_DIR (default .stack/, gitignored). Ports are
# configurable so the stack never collides with a system service.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/.stack}
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
PG_PORT=${PG_PORT:-5439}
REDIS_PORT=${REDIS_PORT:-6389}
SOLR_PORT=${SOLR_PORT:-8989}
CKAN_PORT=${CKAN_PORT:-5000}
CKAN_HOST=${CKAN_HOST:-127.0.0.1}
export STACK_DIR SOLR_PORT

RUN=$STACK_DIR/run
LOG=$STACK_DIR/log
CKAN_INI=$STACK_DIR/ckan.ini
PG_USER=ckan
PG_PASSWORD=ckan
DB_URL_BASE="postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT"

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$RUN" "$LOG"

# ---------------------------------------------------------------- install --

apt_install() {
    [ "$#" -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "missing system packages: $* (install them with: sudo apt-get install $*)"
    fi
    say "installing Debian packages: $*"
    if [ ! -f "$STACK_DIR/.apt-updated" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        touch "$STACK_DIR/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$LOG/apt.log" 2>&1 \
        || { tail -20 "$LOG/apt.log"; die "apt-get install failed"; }
}

pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && echo "$d"
}

install_system() {
    local missing=()
    [ -n "$(pg_bindir)" ] || missing+=(postgresql postgresql-contrib)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    command -v gcc >/dev/null || missing+=(gcc)
    command -v java >/dev/null || missing+=(default-jdk-headless)
    command -v mvn >/dev/null || missing+=(maven)
    command -v npm >/dev/null || missing+=(nodejs npm)
    command -v curl >/dev/null || missing+=(curl)
    command -v msgfmt >/dev/null || missing+=(gettext)
    # Headless browser of tests/test_browser.py (driven by Playwright, no browser download).
    command -v chromium >/dev/null || missing+=(chromium)
    # WeasyPrint, the committee's report PDF (Pango shapes Thai with HarfBuzz, breaks lines with libthai).
    ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
    apt_install "${missing[@]}"
}

install_python() {
    [ -x "$VENV/bin/python" ] || { say "creating venv $VENV"; "$PYTHON" -m venv "$VENV"; }
    # Reinstall only when the pins or the package metadata change.
    local stamp want
    stamp=$VENV/.provincial-installed
    want=$(cat "$ROOT/requirements.txt" "$ROOT/dev-requirements.txt" "$ROOT/setup.cfg" "$ROOT/setup.py" | sha256sum | cut -c1-16)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Python packages into $VENV"
        {
            "$VENV/bin/pip" install -U pip wheel setuptools &&
            "$VENV/bin/pip" install -r "$ROOT/requirements.txt" -r "$ROOT/dev-requirements.txt" &&
            "$VENV/bin/pip" install --no-deps -e "$ROOT"
        } >"$LOG/pip.log" 2>&1 || { tail -30 "$LOG/pip.log"; die "pip install failed (see $LOG/pip.log)"; }
        echo "$want" >"$stamp"
    fi
}

install_frontend() {
    local script=$ROOT/ckanext/provincial/assets/vendor.sh
    [ -f "$script" ] && bash "$script"
    return 0
}

compile_translations() {
    # .mo files are build products: compiled here and in the docker build.
    local po
    for po in "$ROOT"/i18n/*/LC_MESSAGES/ckanext-provincial.po; do
        [ -f "$po" ] || continue
        msgfmt --check -o "${po%.po}.mo" "$po"
    done
}

install_all() {
    install_system
    install_python
    install_frontend
    compile_translations
}

# ------------------------------------------------------------- processes --

pid_alive() {  # pidfile
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

port_busy() {  # port
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_pidfile() {  # name pidfile
    local pid i
    if ! pid_alive "$2"; then
        rm -f "$2"
        return 0
    fi
    pid=$(cat "$2")
    say "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$2"
}

# ------------------------------------------------------------ PostgreSQL --

PG_DATA=$STACK_DIR/pg
PG_PIDFILE=$PG_DATA/postmaster.pid

as_pg_owner() {
    # initdb and pg_ctl refuse to run as root.
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local bin
    bin=$(pg_bindir) || die "PostgreSQL server binaries not found"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        say "initialising PostgreSQL cluster in $PG_DATA"
        mkdir -p "$PG_DATA"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DATA" && chmod 700 "$PG_DATA"
        as_pg_owner "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$LOG/initdb.log" 2>&1 \
            || { cat "$LOG/initdb.log"; die "initdb failed"; }
    fi
    if as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        return 0
    fi
    port_busy "$PG_PORT" && die "port $PG_PORT is taken by another process (set PG_PORT)"
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$LOG" && touch "$LOG/postgresql.log" && chown postgres: "$LOG/postgresql.log"
    as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$LOG/postgresql.log" -w -t 60 \
        -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null \
        || { tail -20 "$LOG/postgresql.log"; die "PostgreSQL did not start"; }
}

pg_stop() {
    local bin
    bin=$(pg_bindir) || return 0
    [ -f "$PG_DATA/PG_VERSION" ] || return 0
    if as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        say "stopping PostgreSQL"
        as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    fi
}

psql_admin() {
    as_pg_owner "$(pg_bindir)/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

pg_ensure_db() {  # name [owner]
    local owner=${2:-$PG_USER}
    if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
        say "creating database $1"
        psql_admin -c "CREATE DATABASE \"$1\" OWNER \"$owner\" ENCODING 'UTF8' TEMPLATE template0"
    fi
}

pg_setup() {
    psql_admin -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') THEN
            CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
        END IF; END \$\$;"
    pg_ensure_db ckan
    pg_ensure_db ckan_test
}

# ------------------------------------------------------------- DataStore --
# One DataStore database per CKAN database: written by the ckan role (its
# owner), read by a login role without write rights, which is the role that
# datastore_search_sql runs as. Grants come from CKAN's own set-permissions SQL.
DS_RO_USER=datastore_ro
DS_RO_PASSWORD=datastore_ro
DS_RO_URL_BASE="postgresql://$DS_RO_USER:$DS_RO_PASSWORD@127.0.0.1:$PG_PORT"

datastore_db() {  # datastore_db main_db
    pg_ensure_db "$1"
    # The read-only role must not reach the CKAN database either.
    psql_admin -c "REVOKE CONNECT ON DATABASE \"$2\" FROM PUBLIC" 2>/dev/null || true
    "$VENV/bin/python" -c 'import sys; from ckanext.datastore.cli import permissions_sql; print(permissions_sql(*sys.argv[1:]))' \
        "$2" "$1" "$PG_USER" "$PG_USER" "$DS_RO_USER" | psql_admin -f - >/dev/null \
        || die "DataStore permissions on $1 failed"
}

datastore_setup() {
    psql_admin -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DS_RO_USER') THEN
            CREATE ROLE \"$DS_RO_USER\" LOGIN PASSWORD '$DS_RO_PASSWORD';
        END IF; END \$\$;"
    datastore_db datastore ckan
    datastore_db datastore_test ckan_test
}

# ----------------------------------------------------------------- Redis --

REDIS_PIDFILE=$RUN/redis.pid

redis_start() {
    pid_alive "$REDIS_PIDFILE" && return 0
    port_busy "$REDIS_PORT" && die "port $REDIS_PORT is taken by another process (set REDIS_PORT)"
    mkdir -p "$STACK_DIR/redis"
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
        --pidfile "$REDIS_PIDFILE" --dir "$STACK_DIR/redis" --logfile "$LOG/redis.log" \
        --save "" --appendonly no
    local i
    for i in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    die "Redis did not answer on port $REDIS_PORT (see $LOG/redis.log)"
}

# ------------------------------------------------------------------ CKAN --

ckan_cli() { "$VENV/bin/ckan" -c "$CKAN_INI" "$@"; }

write_ckan_ini() {
    # The extension's options live in test.ini; the demo config is derived from
    # them so both run the same plugins and schemas.
    if [ ! -f "$CKAN_INI" ]; then
        say "generating $CKAN_INI"
        "$VENV/bin/ckan" generate config "$CKAN_INI" >/dev/null
    fi
    mkdir -p "$STACK_DIR/storage"
    "$VENV/bin/python" "$ROOT/stack/derive_ini.py" "$ROOT/test.ini" "$CKAN_INI" \
        "sqlalchemy.url=$DB_URL_BASE/ckan" \
        "solr_url=http://127.0.0.1:$SOLR_PORT/solr/ckan" \
        "ckan.redis.url=redis://127.0.0.1:$REDIS_PORT/0" \
        "ckan.site_url=http://$CKAN_HOST:$CKAN_PORT" \
        "ckan.site_id=provincial" \
        "ckan.storage_path=$STACK_DIR/storage" \
        "ckan.datastore.write_url=$DB_URL_BASE/datastore" \
        "ckan.datastore.read_url=$DS_RO_URL_BASE/datastore" \
        "ckan.locale_default=th" \
        "debug=false"
}

ckan_db_setup() {
    ckan_cli db init >"$LOG/db-init.log" 2>&1 || { tail -30 "$LOG/db-init.log"; die "ckan db init failed"; }
    # CKAN's change history and usage statistics: named, since a plugin's first
    # migration is not "pending" to `db init` while the plugin has no revision.
    local plugin
    for plugin in activity tracking; do
        ckan_cli db upgrade -p "$plugin" >>"$LOG/db-init.log" 2>&1 \
            || { tail -30 "$LOG/db-init.log"; die "ckan db upgrade -p $plugin failed"; }
    done
    if [ -d "$ROOT/ckanext/provincial/migration/provincial" ]; then
        ckan_cli db upgrade -p provincial >>"$LOG/db-init.log" 2>&1 \
            || { tail -30 "$LOG/db-init.log"; die "ckan db upgrade -p provincial failed"; }
    fi
    if ckan_cli provincial --help 2>/dev/null | grep -q vocabulary; then
        ckan_cli provincial vocabulary sync >>"$LOG/db-init.log" 2>&1 \
            || { tail -30 "$LOG/db-init.log"; die "vocabulary sync failed"; }
    fi
}

WORKER_PIDFILE=$RUN/worker.pid

# `ckan provincial worker`: CKAN's job worker whose work horses use the CKAN
# loaded once at start instead of loading it again for every job (about 2 s
# each with `ckan jobs worker`), with rq's scheduler for retries of failed jobs.
worker_start() {
    pid_alive "$WORKER_PIDFILE" && return 0
    say "starting background worker (ckan provincial worker)"
    nohup "$VENV/bin/ckan" -c "$CKAN_INI" provincial worker >>"$LOG/worker.log" 2>&1 &
    echo $! >"$WORKER_PIDFILE"
    sleep 2
    pid_alive "$WORKER_PIDFILE" || { tail -30 "$LOG/worker.log"; die "the background worker exited"; }
}

worker_stop() {
    # A worker stops its scheduler and finishes the job in hand on SIGTERM; if
    # stop_pidfile has to kill it, its children (rq's scheduler, the work
    # horse) would be left running: they are stopped by their ids.
    local children=""
    pid_alive "$WORKER_PIDFILE" && children=$(ps -o pid= --ppid "$(cat "$WORKER_PIDFILE")" 2>/dev/null || true)
    stop_pidfile worker "$WORKER_PIDFILE"
    local pid
    for pid in $children; do
        kill -TERM "$pid" 2>/dev/null || true
    done
}

worker_status() {
    if pid_alive "$WORKER_PIDFILE"; then
        echo "worker      running  ckan provincial worker (pid $(cat "$WORKER_PIDFILE"))"
    else
        echo "worker      stopped"; return 3
    fi
}

CKAN_PIDFILE=$RUN/ckan.pid

ckan_serve() {
    if pid_alive "$CKAN_PIDFILE"; then
        say "CKAN already running on http://$CKAN_HOST:$CKAN_PORT (pid $(cat "$CKAN_PIDFILE"))"
        return 0
    fi
    port_busy "$CKAN_PORT" && die "port $CKAN_PORT is taken by another process (set CKAN_PORT)"
    say "starting CKAN on http://$CKAN_HOST:$CKAN_PORT"
    nohup "$VENV/bin/ckan" -c "$CKAN_INI" run -H "$CKAN_HOST" -p "$CKAN_PORT" --disable-reloader \
        >"$LOG/ckan.log" 2>&1 &
    echo $! >"$CKAN_PIDFILE"
    local i
    for i in $(seq 1 120); do
        if curl -fsS -o /dev/null "http://$CKAN_HOST:$CKAN_PORT/api/3/action/status_show" 2>/dev/null; then
            return 0
        fi
        pid_alive "$CKAN_PIDFILE" || { tail -30 "$LOG/ckan.log"; die "CKAN exited"; }
        sleep 0.5
    done
    tail -30 "$LOG/ckan.log"
    die "CKAN did not answer within 60 s"
}

# -------------------------------------------------------------- commands --

cmd_up() {
    install_all
    pg_start
    pg_setup
    datastore_setup
    redis_start
    bash "$ROOT/stack/solr.sh" fetch
    bash "$ROOT/stack/solr.sh" start
    write_ckan_ini
    ckan_db_setup
    worker_start
    say "stack is up: PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, Solr :$SOLR_PORT (config $CKAN_INI)"
}

cmd_down() {
    stop_pidfile CKAN "$CKAN_PIDFILE"
    worker_stop
    bash "$ROOT/stack/solr.sh" stop || true
    stop_pidfile Redis "$REDIS_PIDFILE"
    pg_stop
}

cmd_status() {
    local rc=0 bin
    bin=$(pg_bindir || true)
    if [ -n "$bin" ] && [ -f "$PG_DATA/PG_VERSION" ] && as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        echo "postgresql  running  127.0.0.1:$PG_PORT"
    else
        echo "postgresql  stopped"; rc=3
    fi
    if pid_alive "$REDIS_PIDFILE"; then
        echo "redis       running  127.0.0.1:$REDIS_PORT (pid $(cat "$REDIS_PIDFILE"))"
    else
        echo "redis       stopped"; rc=3
    fi
    bash "$ROOT/stack/solr.sh" status | sed 's/^/solr        /' || rc=3
    worker_status || rc=3
    if pid_alive "$CKAN_PIDFILE"; then
        echo "ckan        running  http://$CKAN_HOST:$CKAN_PORT (pid $(cat "$CKAN_PIDFILE"))"
    else
        echo "ckan        stopped"
    fi
    return $rc
}

cmd_demo() {
    cmd_up
    local password_file=$STACK_DIR/admin-password password
    if [ ! -s "$password_file" ]; then
        "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file"
    fi
    password=$(cat "$password_file")
    if ! ckan_cli user show admin 2>/dev/null | grep -q "name=admin"; then
        ckan_cli user add admin email=admin@example.org password="$password" fullname="Portal administrator" >/dev/null
    fi
    ckan_cli sysadmin add admin >/dev/null 2>&1 || true
    # The web server first, so the portal answers while the worker loads the demo's files.
    ckan_serve
    ckan_cli provincial demo load "$@"
    cat <<EOF

  ckanext-provincial demo portal: http://$CKAN_HOST:$CKAN_PORT
  sysadmin: admin / $password
  stop everything with: make stack-down

EOF
}

# One site per parallel test process (tests/conftest.py points each process at
# its own through CKAN's environment variables).
test_site() {  # name
    [[ "$1" =~ ^[a-z0-9_]+$ ]] || die "test site name: a-z, 0-9 and _ only"
    pg_ensure_db "ckan_test_$1"
    datastore_db "datastore_test_$1" "ckan_test_$1"
    bash "$ROOT/stack/solr.sh" core "ckan_test_$1"
}

# The tests run in TEST_WORKERS processes, each on a site of its own: by default
# one more than the CPUs (at most 4), since a test process often waits for
# PostgreSQL, Solr or a worker; TEST_WORKERS=1 runs them in this process.
cmd_test() {
    cmd_up
    cd "$ROOT"
    local workers=${TEST_WORKERS:-$(( $(nproc 2>/dev/null || echo 1) + 1 ))} i
    [ "$workers" -le 4 ] || workers=4
    if [ "$workers" -le 1 ]; then
        "$VENV/bin/pytest" --ckan-ini=test.ini "$@"
        return
    fi
    for ((i = 0; i < workers; i++)); do
        test_site "gw$i"
    done
    "$VENV/bin/pytest" --ckan-ini=test.ini -n "$workers" --dist loadfile "$@"
}

case "${1:-}" in
    install) install_all ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    serve) ckan_serve ;;
    demo) shift; cmd_demo "$@" ;;
    test) shift; cmd_test "$@" ;;
    createdb) [ -n "${2:-}" ] || die "usage: stack.sh createdb NAME"; pg_ensure_db "$2" ;;
    datastore-db) [ -n "${2:-}" ] || die "usage: stack.sh datastore-db NAME [MAIN_DB]"; datastore_db "$2" "${3:-ckan_test}" ;;
    test-site) [ -n "${2:-}" ] || die "usage: stack.sh test-site NAME"; test_site "$2" ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
