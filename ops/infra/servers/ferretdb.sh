# FerretDB (MongoDB wire protocol, SQLite backend), built from the Go module proxy.
# A plain `go install` of cmd/ferretdb panics at start: the module lacks the generated
# build/version/version.txt. We copy the module source out of the Go module cache into
# the infra cache, write that file, and build cmd/ferretdb through the wrapper module in
# ops/infra/ferretdb/ whose go.mod replaces FerretDB with that copy, after applying our
# patch (ops/infra/ferretdb/sqlite-id-lookup.patch: lookups by _id use the _id index).
# The source copy and the binary are named after the patch's hash, so changing the patch
# rebuilds.
FERRETDB_HOME="$CACHE_DIR/ferretdb"
FERRETDB_PATCH="$INFRA_DIR/ferretdb/sqlite-id-lookup.patch"
FERRETDB_BUILD="$FERRETDB_VERSION-$(sha256sum "$FERRETDB_PATCH" | cut -c1-8)"
FERRETDB_SRC="$FERRETDB_HOME/src-$FERRETDB_BUILD"
FERRETDB_BIN="$FERRETDB_HOME/ferretdb-$FERRETDB_BUILD"

ferretdb_install() {
  [[ -x "$FERRETDB_BIN" ]] && return 0
  command -v go >/dev/null || die "ferretdb: needs the go tool"
  log "ferretdb: building $FERRETDB_BUILD (first run only)"
  mkdir -p "$FERRETDB_HOME"
  if [[ ! -f "$FERRETDB_SRC/build/version/version.txt" ]]; then
    local dir
    dir=$(cd "$FERRETDB_HOME" && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [[ -d "$dir" ]] || die "ferretdb: go mod download gave no source dir"
    rm -rf "$FERRETDB_SRC.tmp"
    cp -r "$dir" "$FERRETDB_SRC.tmp"
    chmod -R u+w "$FERRETDB_SRC.tmp"
    printf '%s\n' "$FERRETDB_VERSION" >"$FERRETDB_SRC.tmp/build/version/version.txt"
    patch -s -p1 -d "$FERRETDB_SRC.tmp" <"$FERRETDB_PATCH" || die "ferretdb: $FERRETDB_PATCH does not apply"
    rm -rf "$FERRETDB_SRC" && mv "$FERRETDB_SRC.tmp" "$FERRETDB_SRC"
  fi
  # build in a scratch copy of the wrapper module so the committed go.mod is untouched
  local work="$FERRETDB_HOME/wrapper"
  rm -rf "$work" && mkdir -p "$work"
  cp "$INFRA_DIR/ferretdb/go.mod" "$INFRA_DIR/ferretdb/go.sum" "$work/"
  (cd "$work" && go mod edit -replace "github.com/FerretDB/FerretDB=$FERRETDB_SRC" \
    && go build -trimpath -o "$FERRETDB_BIN.tmp" github.com/FerretDB/FerretDB/cmd/ferretdb) \
    || die "ferretdb: build failed"
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
}

ferretdb_start() {
  local data="$DATA_DIR/ferretdb"
  mkdir -p "$data"
  start_bg ferretdb "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$data/" \
    --listen-addr="127.0.0.1:$MONGODB_PORT" --debug-addr=- --telemetry=disable --log-level=warn \
    --state-dir="$data"
  wait_port 127.0.0.1 "$MONGODB_PORT" 60 "$PID_DIR/ferretdb.pid" "$LOG_DIR/ferretdb.log"
}

ferretdb_stop() { stop_pid ferretdb; }

ferretdb_env() { echo "MONGODB_URL=mongodb://127.0.0.1:$MONGODB_PORT/booking"; }

ferretdb_installed() { [[ -x "$FERRETDB_BIN" ]]; }
