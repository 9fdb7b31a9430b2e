#!/bin/bash
# What the HTTP listener costs the scoring path (BENCHMARKS.md, issue 17):
# fraudd's service latency under a fraud-sim replay at 5,000 tx/s, side by
# side, three rounds: (A) a reference fraudd (REF, e.g. one built from main
# before the listener), (B) this build's fraudd without --metrics-port, (C)
# this build's with it while /metrics, /api/summary and /api/latest are
# fetched every second (Prometheus plus an open dashboard).
#
#   scripts/metrics_cost.sh BUILD_DIR [REF_FRAUDD]
#
# Uses free loopback ports and a temporary directory.
set -e
BUILD=$(cd "${1:-build}" && pwd)
REF=${2:-$BUILD/service/fraudd}
WORK=$(mktemp -d)
trap 'kill $NATS 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
"$BUILD/simulator/fraud-sim" generate --cards 5000 --days 7 --seed 5 \
  --out data.bin > /dev/null
free() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
NP=$(free)
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
"$NATS_SERVER" -a 127.0.0.1 -p $NP > nats.log 2>&1 &
NATS=$!
sleep 0.5
run() {
  local name=$1 bin=$2; shift 2
  rm -rf db; mkdir db
  $bin --nats nats://127.0.0.1:$NP --db db/f.db "$@" > fraudd.out 2>&1 &
  local F=$!
  for i in $(seq 100); do grep -q "fraudd: ready" fraudd.out && break; sleep 0.1; done
  local S=""
  if [ -n "$HP" ]; then
    ( while true; do curl -s -o /dev/null http://127.0.0.1:$HP/metrics; curl -s -o /dev/null http://127.0.0.1:$HP/api/summary; curl -s -o /dev/null http://127.0.0.1:$HP/api/latest; sleep 1; done ) &
    S=$!
  fi
  $BUILD/simulator/fraud-sim replay --in data.bin --nats nats://127.0.0.1:$NP --rate 5000 --limit 40000 > sim-$name.txt 2>&1
  [ -n "$S" ] && kill $S
  kill -TERM $F; wait $F || true
  echo "$name $(grep 'in the service' sim-$name.txt)"
}
for round in 1 2 3; do
  HP= run A-reference "$REF"
  HP= run B-no-listener "$BUILD/service/fraudd"
  HP=$(free); run C-listener-polled "$BUILD/service/fraudd" --metrics-port $HP
done
kill $NATS
