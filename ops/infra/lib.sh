# Shared helpers for ops/infra scripts (sourced, not executed).
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OPS_DIR="$(dirname "$INFRA_DIR")"
REPO_DIR="$(dirname "$OPS_DIR")"
# Installed software lives outside the checkout (like ~/.m2 and the Go module cache), so
# every clone on a machine, CI's included, reuses one install; BOOKING_INFRA_CACHE moves it.
CACHE_DIR="${BOOKING_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/booking-platform-infra}"
RUN_DIR="$OPS_DIR/.run"          # data, pid files, logs (git-ignored)
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
DATA_DIR="$RUN_DIR/data"
# shellcheck source=versions.env
source "$INFRA_DIR/versions.env"
mkdir -p "$CACHE_DIR" "$LOG_DIR" "$PID_DIR" "$DATA_DIR"

ALL_SERVERS=(ferretdb postgres kafka stripe-mock mailpit s3 redis)
# the ports each server binds (checked free before a start)
declare -A SERVER_PORTS=(
  [ferretdb]="$MONGODB_PORT" [postgres]="$POSTGRES_PORT" [kafka]="$KAFKA_PORT $KAFKA_CONTROLLER_PORT"
  [stripe-mock]="$STRIPE_MOCK_PORT" [mailpit]="$MAILPIT_SMTP_PORT $MAILPIT_HTTP_PORT" [s3]="$S3_PORT" [redis]="$REDIS_PORT"
)

export GOPATH="${GOPATH:-$(go env GOPATH 2>/dev/null || echo "$HOME/go")}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }

# wait_port <host> <port> <timeout-seconds> <pidfile> <log>
wait_port() {
  local host=$1 port=$2 timeout=$3 pidfile=$4 logfile=$5 i=0
  while ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
    if [[ -n "$pidfile" && -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      log "process died; last lines of $logfile:"; tail -n 30 "$logfile" >&2 || true
      return 1
    fi
    i=$((i + 1))
    if ((i > timeout * 10)); then
      log "timed out after ${timeout}s waiting for $host:$port; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.1
  done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# is_running <name>: pid file exists and the process is alive
is_running() {
  local f="$PID_DIR/$1.pid"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

# start_bg <name> <cmd...>: runs the command detached, logs to $LOG_DIR/<name>.log
start_bg() {
  local name=$1; shift
  local logfile="$LOG_DIR/$name.log"
  : >"$logfile"
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$PID_DIR/$name.pid"
}

# stop_pid <name>: TERM the process recorded in its pid file, KILL after 15 s
stop_pid() {
  local name=$1 f="$PID_DIR/$1.pid" pid i
  [[ -f "$f" ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in 15 s: KILL"; kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}
