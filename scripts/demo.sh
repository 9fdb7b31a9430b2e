#!/bin/sh
# make demo: the embedded default (a local nats-server and fraudd with a
# SQLite file under the build directory), then a handful of transactions
# scored with fraudctl send.
set -e
BUILD=${1:-build}
PORT=${FRAUD_DEMO_PORT:-14222}
URL=nats://127.0.0.1:$PORT
CTL="$BUILD/service/fraudctl --nats $URL"
"$BUILD/service/fraudd" --nats-port "$PORT" --db "$BUILD/demo.db" &
FRAUDD=$!
trap 'kill -TERM $FRAUDD 2>/dev/null; wait $FRAUDD' EXIT
for i in $(seq 50); do
  $CTL --timeout-ms 200 send --card demo-probe --amount 1.00 >/dev/null 2>&1 && break
  sleep 0.1
done
NOW=$(date +%s%3N)
echo "== a card used in New York"
$CTL send --card demo-card-1 --amount 42.10 --lat 40.71 --lon -74.00 --time $((NOW - 7200000))
$CTL send --card demo-card-1 --amount 18.00 --lat 40.75 --lon -73.99 --time $((NOW - 3600000))
echo "== the same card in London ten minutes later: impossible travel"
$CTL send --card demo-card-1 --amount 25.00 --lat 51.51 --lon -0.13 --country GB --time $((NOW - 3000000)) || true
echo "== card testing: small online payments in a burst"
for i in 1 2 3 4; do
  $CTL send --card demo-card-2 --amount 1.0$i --channel ECOM --device phone-1 --ip 203.0.113.7 --time $((NOW + i * 1000)) || true
done
echo "== malformed input is never approved"
$CTL send --card demo-card-3 --amount 10 --currency usd || true
