# Apache Kafka, single-node KRaft (broker+controller), jars from Maven Central through
# ops/infra/kafka/pom.xml (mvn dependency:copy-dependencies; local repo in the infra cache (m2)).
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_SCALA-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_DATA="$DATA_DIR/kafka"

kafka_install() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v mvn >/dev/null || die "kafka: needs mvn"
  command -v java >/dev/null || die "kafka: needs java"
  log "kafka: fetching kafka_$KAFKA_SCALA $KAFKA_VERSION from Maven Central (first run only)"
  rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_LIBS"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" -Dmaven.repo.local="$CACHE_DIR/m2" \
    -Dkafka.scala="$KAFKA_SCALA" -Dkafka.version="$KAFKA_VERSION" -Dslf4j.reload4j.version="$SLF4J_RELOAD4J_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime \
    >"$LOG_DIR/kafka-install.log" 2>&1 || { tail -n 30 "$LOG_DIR/kafka-install.log" >&2; die "kafka: mvn failed"; }
  touch "$KAFKA_HOME/.complete"
}

kafka_start() {
  mkdir -p "$KAFKA_DATA"
  local props="$KAFKA_DATA/server.properties"
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA/logs
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  local java_opts=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$INFRA_DIR/kafka/log4j.properties")
  if [[ ! -f "$KAFKA_DATA/logs/meta.properties" ]]; then
    local id
    id=$(java -cp "$KAFKA_LIBS/*" "${java_opts[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka-format.log" | tail -1)
    java -cp "$KAFKA_LIBS/*" "${java_opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$props" \
      >"$LOG_DIR/kafka-format.log" 2>&1 || { tail -n 20 "$LOG_DIR/kafka-format.log" >&2; die "kafka: storage format failed"; }
  fi
  start_bg kafka java "${java_opts[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$props"
  wait_port 127.0.0.1 "$KAFKA_PORT" 120 "$PID_DIR/kafka.pid" "$LOG_DIR/kafka.log"
}

kafka_stop() { stop_pid kafka; }

kafka_env() { echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"; }

kafka_installed() { [[ -f "$KAFKA_HOME/.complete" ]]; }
