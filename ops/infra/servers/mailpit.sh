# Mailpit (Go module proxy): SMTP on 127.0.0.1:$MAILPIT_SMTP_PORT, REST API on
# 127.0.0.1:$MAILPIT_HTTP_PORT (the web UI assets are not in the Go module; the API works).
MAILPIT_BIN="$CACHE_DIR/go/bin-mailpit-$MAILPIT_VERSION/mailpit"

mailpit_install() {
  [[ -x "$MAILPIT_BIN" ]] && return 0
  log "mailpit: go install $MAILPIT_VERSION (first run only)"
  GOBIN="$(dirname "$MAILPIT_BIN")" go install "github.com/axllent/mailpit@$MAILPIT_VERSION" \
    >"$LOG_DIR/mailpit-install.log" 2>&1 || { cat "$LOG_DIR/mailpit-install.log" >&2; die "mailpit: build failed"; }
}

mailpit_start() {
  local data="$DATA_DIR/mailpit"
  mkdir -p "$data"
  start_bg mailpit "$MAILPIT_BIN" --smtp "127.0.0.1:$MAILPIT_SMTP_PORT" --listen "127.0.0.1:$MAILPIT_HTTP_PORT" \
    --database "$data/mailpit.db" --smtp-auth-accept-any --smtp-auth-allow-insecure
  wait_port 127.0.0.1 "$MAILPIT_SMTP_PORT" 60 "$PID_DIR/mailpit.pid" "$LOG_DIR/mailpit.log"
  wait_port 127.0.0.1 "$MAILPIT_HTTP_PORT" 60 "$PID_DIR/mailpit.pid" "$LOG_DIR/mailpit.log"
}

mailpit_stop() { stop_pid mailpit; }

mailpit_env() {
  echo "SMTP_URL=smtp://127.0.0.1:$MAILPIT_SMTP_PORT"
  echo "MAILPIT_API_URL=http://127.0.0.1:$MAILPIT_HTTP_PORT/api/v1"
}

mailpit_installed() { [[ -x "$MAILPIT_BIN" ]]; }
