# PostgreSQL from Debian apt, as a private cluster (initdb/pg_ctl) on 127.0.0.1:$POSTGRES_PORT
# with trust auth. Root cannot run postgres: the cluster is owned by and run as the
# `postgres` system user (created when missing).
PG_BIN="/usr/lib/postgresql/$POSTGRES_MAJOR/bin"
PG_DATA="$DATA_DIR/postgres"
PG_USER=postgres

pg_as() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

postgres_install() {
  if [[ ! -x "$PG_BIN/initdb" ]]; then
    [[ "$(id -u)" == 0 ]] || die "postgres: $PG_BIN missing; run as root or apt-get install postgresql-$POSTGRES_MAJOR"
    log "postgres: apt-get install postgresql-$POSTGRES_MAJOR"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$POSTGRES_MAJOR" >"$LOG_DIR/postgres-install.log" 2>&1 \
      || { apt-get update >>"$LOG_DIR/postgres-install.log" 2>&1 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$POSTGRES_MAJOR" >>"$LOG_DIR/postgres-install.log" 2>&1; } \
      || die "postgres: apt-get failed, see $LOG_DIR/postgres-install.log"
  fi
  if [[ "$(id -u)" == 0 ]] && ! id -u "$PG_USER" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash "$PG_USER"
  fi
}

postgres_start() {
  local owner=""
  [[ "$(id -u)" == 0 ]] && owner="$PG_USER"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"
    [[ -n "$owner" ]] && chown "$owner" "$PG_DATA"
    chmod 700 "$PG_DATA"
    pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$LOG_DIR/postgres-initdb.log" 2>&1 || { cat "$LOG_DIR/postgres-initdb.log" >&2; die "postgres: initdb failed"; }
    cat >>"$PG_DATA/postgresql.conf" <<CONF
# ops/infra
listen_addresses = '127.0.0.1'
port = $POSTGRES_PORT
unix_socket_directories = '$PG_DATA'
shared_buffers = 64MB
max_connections = 200
logging_collector = off
CONF
  fi
  : >"$LOG_DIR/postgres.log"
  [[ -n "$owner" ]] && chown "$owner" "$LOG_DIR/postgres.log"
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$LOG_DIR/postgres.log" >&2; return 1; }
  head -1 "$PG_DATA/postmaster.pid" >"$PID_DIR/postgres.pid"
  if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = 'booking'" postgres | grep -q 1; then
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres booking
  fi
}

postgres_stop() {
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || stop_pid postgres
  fi
  rm -f "$PID_DIR/postgres.pid"
}

postgres_env() {
  echo "POSTGRES_URL=postgres://postgres@127.0.0.1:$POSTGRES_PORT/booking"
  echo "EVENTSTORE_URL=postgres://postgres@127.0.0.1:$POSTGRES_PORT/booking"
}

postgres_installed() { [[ -x "$PG_BIN/initdb" ]]; }
