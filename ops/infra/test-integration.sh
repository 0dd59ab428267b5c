#!/usr/bin/env bash
# Integration tier (`npm run test:integration`): starts FerretDB and PostgreSQL (installing
# them on the first run), plus every other server that is already installed in the infra cache (~/.cache/booking-platform-infra)
# (INTEGRATION_SERVERS="ferretdb postgres kafka ..." or "all" to choose explicitly, which
# installs what is missing), runs the tests that need real servers, and stops on exit
# the servers it started. Exits non-zero when a required server or a test fails.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_DIR"

required=(ferretdb postgres)
if [[ -n "${INTEGRATION_SERVERS:-}" ]]; then
  read -r -a wanted <<<"$INTEGRATION_SERVERS"
  [[ "${wanted[0]}" == all ]] && wanted=("${ALL_SERVERS[@]}")
  optional=()
else
  wanted=("${required[@]}")
  optional=()
  for s in "${ALL_SERVERS[@]}"; do
    [[ " ${required[*]} " == *" $s "* ]] && continue
    # shellcheck disable=SC1090
    source "$INFRA_DIR/servers/$s.sh"
    if "${s//-/_}_installed"; then optional+=("$s"); else log "$s: not installed, skipped (ops/infra/up.sh $s installs it)"; fi
  done
fi

started=()
cleanup() {
  local rc=$?
  if ((${#started[@]} > 0)); then
    log "stopping: ${started[*]}"
    "$INFRA_DIR/down.sh" "${started[@]}" || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bring_up() { # <server> ; exports its variables; records it when this script started it
  local s=$1 out was_running=0
  # shellcheck disable=SC1090
  source "$INFRA_DIR/servers/$s.sh"
  is_running "$s" && was_running=1
  out=$("$INFRA_DIR/up.sh" "$s") || return 1
  ((was_running)) || started+=("$s")
  while IFS= read -r line; do
    [[ "$line" == *=* ]] && export "${line?}"
  done <<<"$out"
  printf '%s\n' "$out" | sed 's/^/[infra]   /' >&2
}

for s in "${wanted[@]}"; do bring_up "$s" || die "$s did not start (logs in $LOG_DIR)"; done
for s in "${optional[@]}"; do bring_up "$s" || log "WARNING: optional server $s did not start (logs in $LOG_DIR)"; done

rc=0
# tests that need no server but are too slow or too heavy for `npm test` run only here
export INTEGRATION_TIER=1
log "running: document store (FerretDB) and PostgreSQL event store tests"
npx vitest run shared-kernel/test/document-store.mongo.test.ts shared-kernel/test/event-store.postgres || rc=1
if [[ -n "${STRIPE_API_URL:-}" ]]; then
  log "running: Stripe gateway contract and payment flows against stripe-mock"
  npx vitest run shared-kernel/test/payment-gateway.stripe.test.ts ops/test/payments || rc=1
fi
if [[ -d ops/test/integration ]]; then
  log "running: ops/test/integration"
  npx vitest run ops/test/integration || rc=1
fi
if "$INFRA_DIR/promtool.sh" installed; then
  log "running: promtool check of ops/observability (scrape config, alert rules)"
  "$INFRA_DIR/promtool.sh" check || rc=1
else
  log "promtool: not installed, skipped (ops/infra/promtool.sh install builds it; the unit tier checks the same files by schema)"
fi
((rc == 0)) && log "integration tests passed" || log "integration tests FAILED"
exit "$rc"
