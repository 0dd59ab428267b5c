#!/usr/bin/env bash
# promtool (Go module proxy) checks ops/observability with Prometheus's own parser: the
# scrape config and the alert rules.
#   ops/infra/promtool.sh install   # go install (first run only; a long build)
#   ops/infra/promtool.sh check     # exits non-zero when a file does not load
#   ops/infra/promtool.sh installed # exit status: is it installed?
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROMTOOL_BIN="$CACHE_DIR/go/bin-promtool-$PROMTOOL_MODULE_VERSION/promtool"

case "${1:-check}" in
  installed) [[ -x "$PROMTOOL_BIN" ]] ;;
  install)
    [[ -x "$PROMTOOL_BIN" ]] && exit 0
    log "promtool: go install github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_MODULE_VERSION (first run only)"
    GOBIN="$(dirname "$PROMTOOL_BIN")" go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_MODULE_VERSION" \
      >"$LOG_DIR/promtool-install.log" 2>&1 || { tail -n 30 "$LOG_DIR/promtool-install.log" >&2; die "promtool: build failed"; }
    ;;
  check)
    [[ -x "$PROMTOOL_BIN" ]] || die "promtool is not installed (ops/infra/promtool.sh install)"
    dir="$OPS_DIR/observability"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # the config names the rules where compose mounts them; point it at the repository's copy
    sed "s#/etc/prometheus/alerts.yml#$dir/alerts.yml#" "$dir/prometheus.yml" >"$tmp/prometheus.yml"
    "$PROMTOOL_BIN" check config "$tmp/prometheus.yml"
    "$PROMTOOL_BIN" check rules "$dir/alerts.yml"
    ;;
  *) die "usage: $0 install|check|installed" ;;
esac
