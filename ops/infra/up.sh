#!/usr/bin/env bash
# Installs (first run only, cached in the infra cache (~/.cache/booking-platform-infra)) and starts servers on loopback, waits
# until each accepts connections, and prints the environment variables to use.
#   ops/infra/up.sh ferretdb postgres          # or: all
#   eval "$(ops/infra/up.sh postgres)"         # export the variables into this shell
# Servers: ferretdb postgres kafka stripe-mock mailpit s3 redis. Logs: ops/.run/logs/.
# Versions: ops/infra/versions.env. Timings go to stderr; variables to stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

servers=("$@")
[[ ${#servers[@]} -eq 0 || "${servers[0]}" == all ]] && servers=("${ALL_SERVERS[@]}")

for s in "${servers[@]}"; do
  f="$INFRA_DIR/servers/$s.sh"
  [[ -f "$f" ]] || die "unknown server '$s' (known: ${ALL_SERVERS[*]})"
  # shellcheck disable=SC1090
  source "$f"
done

for s in "${servers[@]}"; do
  fn=${s//-/_}
  t0=$(now_ms)
  "${fn}_install"
  t1=$(now_ms)
  if is_running "$s"; then
    log "$s: already running (pid $(cat "$PID_DIR/$s.pid"))"
  else
    for port in ${SERVER_PORTS[$s]}; do
      port_busy "$port" && die "$s: port $port is already in use by a process up.sh did not start"
    done
    "${fn}_start" || die "$s: failed to start, see $LOG_DIR/$s.log"
    log "$s: ready (install/check $((t1 - t0)) ms, start $(( $(now_ms) - t1 )) ms)"
  fi
  "${fn}_env"
done
