# shellcheck shell=bash
# Throwaway PostgreSQL and Redis servers for one run of the tests (or benchmarks).
# Source after common.sh. start_postgres/start_redis export DATABASE_URL/REDIS_URL;
# stop_services stops whatever was started and removes its temp dirs (call it from an EXIT trap).

PG_DIR=""
PG_BINDIR=""
PG_AS=()
REDIS_DIR=""
REDIS_PID=""
# Where server logs are copied when the services stop (empty: nowhere).
SERVICE_LOG_DIR="${SERVICE_LOG_DIR:-}"

start_postgres() {
    PG_BINDIR="$(pg_bindir)" || die "no PostgreSQL server binaries: run scripts/ensure-system-packages"
    # /tmp rather than $TMPDIR: the postgres user must be able to reach the directory,
    # and the socket path must stay under the ~100-character limit for unix sockets.
    PG_DIR="$(mktemp -d /tmp/portal-pg.XXXXXX)"
    chmod 755 "$PG_DIR"  # the clients (maybe another user) need to reach the socket
    if [ "$(id -u)" -eq 0 ]; then
        # PostgreSQL refuses to run as root, so the cluster belongs to an unprivileged user:
        # Debian's postgres user (the package creates it), or nobody when it is absent.
        local owner=postgres
        id -u postgres >/dev/null 2>&1 || owner=nobody
        chown "$owner" "$PG_DIR"
        PG_AS=(runuser -u "$owner" --)
    fi
    say "starting a throwaway PostgreSQL ($("$PG_BINDIR/postgres" --version | awk '{print $3}')) in $PG_DIR"
    # trust auth is fine: the server listens on a unix socket in a private directory only.
    "${PG_AS[@]}" "$PG_BINDIR/initdb" --pgdata="$PG_DIR/data" --username=postgres --auth=trust \
        --encoding=UTF8 --no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
        { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    # No TCP at all (listen_addresses=''), so no port can clash with another run; durability
    # is switched off because the data is thrown away after the run and speed matters.
    "${PG_AS[@]}" "$PG_BINDIR/pg_ctl" --pgdata="$PG_DIR/data" --log="$PG_DIR/postgres.log" \
        --wait --timeout=60 --silent \
        -o "-c listen_addresses='' -k $PG_DIR -p 5432 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start || { cat "$PG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
    export DATABASE_URL="postgres://postgres@/portal?host=$PG_DIR&port=5432"
    "$PG_BINDIR/createdb" --host="$PG_DIR" --port=5432 --username=postgres portal
}

start_redis() {
    command -v redis-server >/dev/null 2>&1 || die "no redis-server: run scripts/ensure-system-packages"
    REDIS_DIR="$(mktemp -d /tmp/portal-redis.XXXXXX)"
    local port
    port="$(free_port)"
    say "starting a throwaway Redis on 127.0.0.1:$port"
    # In the foreground of a background job so we hold its pid and can stop exactly it;
    # no RDB snapshots or AOF: nothing of it should outlive the run.
    redis-server --bind 127.0.0.1 --port "$port" --daemonize no --save '' --appendonly no \
        --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" &
    REDIS_PID=$!
    # Wait until it answers PING (bash's /dev/tcp, so redis-cli is not needed).
    local answered=no
    for _ in $(seq 1 100); do
        if redis_answers "$port" 2>/dev/null; then
            answered=yes
            break
        fi
        kill -0 "$REDIS_PID" 2>/dev/null || { cat "$REDIS_DIR/redis.log" >&2; die "Redis exited"; }
        sleep 0.1
    done
    [ "$answered" = yes ] || { cat "$REDIS_DIR/redis.log" >&2; die "Redis did not answer on port $port"; }
    export REDIS_URL="redis://127.0.0.1:$port/0"
}

# True when a Redis server on 127.0.0.1:$1 answers PING. A subshell, so the socket's
# file descriptor (and any redirection) ends with it.
redis_answers() {
    (
        exec 9<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'PING\r\n' >&9
        read -r -t 2 reply <&9 || exit 1
        [ "${reply%$'\r'}" = "+PONG" ]
    )
}

# Idempotent and never fails, so it is safe in an EXIT trap whatever state we are in.
stop_services() {
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
        REDIS_PID=""
    fi
    if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
        "${PG_AS[@]}" "$PG_BINDIR/pg_ctl" --pgdata="$PG_DIR/data" --mode=immediate --wait --silent stop \
            >/dev/null 2>&1 || true
    fi
    if [ -n "$SERVICE_LOG_DIR" ]; then
        mkdir -p "$SERVICE_LOG_DIR"
        [ -n "$PG_DIR" ] && cp "$PG_DIR/postgres.log" "$SERVICE_LOG_DIR/" 2>/dev/null
        [ -n "$REDIS_DIR" ] && cp "$REDIS_DIR/redis.log" "$SERVICE_LOG_DIR/" 2>/dev/null
    fi
    [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
    [ -n "$REDIS_DIR" ] && rm -rf "$REDIS_DIR"
    PG_DIR=""
    REDIS_DIR=""
    return 0
}
