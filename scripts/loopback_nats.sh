# Sourced by the scripts: a nats-server of their own on a free loopback
# port. loopback_nats_port LOG waits until the server that logs to LOG
# listens and prints its port (nothing, and status 1, after 5 s).
# wait_ready LOG PATTERN waits until a service started beside it writes its
# ready line to LOG (status 1 after 10 s).
loopback_nats_port() {
  local log=$1 port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' \
           "$log" 2>/dev/null | head -1 || true)
    [[ -n $port ]] && { echo "$port"; return 0; }
    sleep 0.05
  done
  return 1
}

wait_ready() {
  local log=$1 pattern=$2
  for _ in $(seq 200); do
    grep -q "$pattern" "$log" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# start_loopback_nats NAME: what a script measuring fraudd beside its own
# nats-server starts with. WORK, a temporary directory (kept, and said,
# with KEEP=1); PIDS, the processes the exit trap kills and waits for (add
# yours); a nats-server on a free loopback port: NATS_PID, NATS_PORT, URL.
start_loopback_nats() {
  local name=$1 server
  server=$(command -v nats-server || echo /usr/sbin/nats-server)
  WORK=$(mktemp -d "/tmp/fraud-$name.XXXXXX")
  PIDS=()
  trap stop_loopback_work EXIT
  "$server" -a 127.0.0.1 -p -1 -l "$WORK/nats.log" &
  NATS_PID=$!
  PIDS+=("$NATS_PID")
  NATS_PORT=$(loopback_nats_port "$WORK/nats.log") \
    || { echo "$name: nats-server did not start" >&2; exit 1; }
  URL=nats://127.0.0.1:$NATS_PORT
}

stop_loopback_work() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n ${KEEP:-} ]]; then echo "files kept in $WORK"; else rm -rf "$WORK"; fi
}
