# stripe-mock (Go module proxy): stateless Stripe API mock on 127.0.0.1:$STRIPE_MOCK_PORT.
STRIPE_MOCK_BIN="$CACHE_DIR/go/bin-stripe-mock-$STRIPE_MOCK_VERSION/stripe-mock"

stripe_mock_install() {
  [[ -x "$STRIPE_MOCK_BIN" ]] && return 0
  log "stripe-mock: go install $STRIPE_MOCK_VERSION (first run only)"
  GOBIN="$(dirname "$STRIPE_MOCK_BIN")" go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" \
    >"$LOG_DIR/stripe-mock-install.log" 2>&1 || { cat "$LOG_DIR/stripe-mock-install.log" >&2; die "stripe-mock: build failed"; }
}

stripe_mock_start() {
  start_bg stripe-mock "$STRIPE_MOCK_BIN" -http-addr "127.0.0.1:$STRIPE_MOCK_PORT"
  wait_port 127.0.0.1 "$STRIPE_MOCK_PORT" 60 "$PID_DIR/stripe-mock.pid" "$LOG_DIR/stripe-mock.log"
}

stripe_mock_stop() { stop_pid stripe-mock; }

stripe_mock_env() {
  echo "STRIPE_API_URL=http://127.0.0.1:$STRIPE_MOCK_PORT"
}

stripe_mock_installed() { [[ -x "$STRIPE_MOCK_BIN" ]]; }
