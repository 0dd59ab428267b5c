# Redis from Debian apt (`redis-server`), started by hand on 127.0.0.1:$REDIS_PORT with its
# own config (no systemd service, no persistence: it holds only rate-limit windows, which
# are worth nothing after a restart). Root installs it; otherwise it must be installed.
REDIS_BIN=/usr/bin/redis-server

redis_check_version() {
  "$REDIS_BIN" --version | grep -q " v=$REDIS_MAJOR\." \
    || die "redis: $("$REDIS_BIN" --version) is not major $REDIS_MAJOR (versions.env)"
}

redis_install() {
  [[ -x "$REDIS_BIN" ]] && { redis_check_version; return 0; }
  [[ "$(id -u)" == 0 ]] || die "redis: $REDIS_BIN missing; run as root or apt-get install redis-server"
  log "redis: apt-get install redis-server"
  # Debian's package starts its own service on 6379; policy-rc.d 101 keeps it from doing so
  # (this script runs its own instance, and port 6379 may be ours).
  local policy=/usr/sbin/policy-rc.d had_policy=0
  [[ -e "$policy" ]] && had_policy=1
  ((had_policy)) || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; }
  local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends redis-server)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" >"$LOG_DIR/redis-install.log" 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=300 update >>"$LOG_DIR/redis-install.log" 2>&1 \
      && DEBIAN_FRONTEND=noninteractive "${apt[@]}" >>"$LOG_DIR/redis-install.log" 2>&1; } \
    || { ((had_policy)) || rm -f "$policy"; die "redis: apt-get failed, see $LOG_DIR/redis-install.log"; }
  ((had_policy)) || rm -f "$policy"
  redis_check_version
}

redis_start() {
  local data="$DATA_DIR/redis"
  mkdir -p "$data"
  # Runs in the foreground under start_bg (pid file = this process); no RDB/AOF.
  start_bg redis "$REDIS_BIN" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$data" \
    --save '' --appendonly no --daemonize no --protected-mode yes --loglevel notice
  wait_port 127.0.0.1 "$REDIS_PORT" 30 "$PID_DIR/redis.pid" "$LOG_DIR/redis.log"
}

redis_stop() { stop_pid redis; }

redis_env() { echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"; }

redis_installed() { [[ -x "$REDIS_BIN" ]]; }
