# S3-compatible server: moto (PyPI) in a venv under the infra cache, path-style addressing.
# Client: new S3Client({ endpoint: S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true,
#   credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
#   requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
S3_VENV="$CACHE_DIR/moto-$MOTO_VERSION"

s3_install() {
  [[ -x "$S3_VENV/bin/moto_server" ]] && return 0
  command -v python3 >/dev/null || die "s3: needs python3"
  log "s3: pip install moto[server]==$MOTO_VERSION (first run only)"
  rm -rf "$S3_VENV"
  python3 -m venv "$S3_VENV" >"$LOG_DIR/s3-install.log" 2>&1 || die "s3: python3 -m venv failed"
  "$S3_VENV/bin/pip" install --disable-pip-version-check -q "moto[server]==$MOTO_VERSION" \
    >>"$LOG_DIR/s3-install.log" 2>&1 || { tail -n 20 "$LOG_DIR/s3-install.log" >&2; rm -rf "$S3_VENV"; die "s3: pip failed"; }
}

s3_start() {
  start_bg s3 "$S3_VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT"
  wait_port 127.0.0.1 "$S3_PORT" 60 "$PID_DIR/s3.pid" "$LOG_DIR/s3.log"
}

s3_stop() { stop_pid s3; }

s3_env() {
  echo "S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
  echo "AWS_ACCESS_KEY_ID=test"
  echo "AWS_SECRET_ACCESS_KEY=test"
  echo "AWS_REGION=us-east-1"
}

s3_installed() { [[ -x "$S3_VENV/bin/moto_server" ]]; }
