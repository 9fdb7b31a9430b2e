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
