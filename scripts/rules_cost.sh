#!/bin/bash
# What a ruleset costs the scoring path, side by side with another one:
# fraudd's own service latency (p50 / p99 of the decisions'
# service_latency_ns, as fraud-sim replay reports it) under a replay of
# simulator traffic (devices, addresses and merchants shared as the
# simulator shares them) at RATE tx/s, rounds in alternation.
# Used for issue 15: the default rules before the entity rules (git REF's
# models/rules/default.rules) against this tree's (which read device.*,
# ip.* and merchant.* features, so every decision asks entity state).
#
#   scripts/rules_cost.sh BUILD_DIR [OLD_RULES_REF] [RATE] [ROUNDS]
#
# With MODEL=model.json (from fraud-sim train) it measures the model
# instead (issue 16): A the default rules without a model, B the default
# rules plus models/examples/model_score.rules with --model MODEL.
#
# Uses free loopback ports and a temporary directory.
set -e
BUILD=$(cd "${1:-build}" && pwd)
REF=${2:-47caebd}
RATE=${3:-10000}
ROUNDS=${4:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'kill $NATS 2>/dev/null; rm -rf "$WORK"' EXIT
git -C "$ROOT" show "$REF:models/rules/default.rules" > "$WORK/old.rules"
cp "$ROOT/models/rules/default.rules" "$WORK/new.rules"
if [ -n "${MODEL:-}" ]; then
  MODEL=$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")
  cp "$WORK/new.rules" "$WORK/old.rules"
  cat "$ROOT/models/examples/model_score.rules" >> "$WORK/new.rules"
fi
cd "$WORK"
"$BUILD/simulator/fraud-sim" generate --cards 20000 --days 7 --seed 5 \
  --out data.bin > /dev/null
free() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
NP=$(free)
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
"$NATS_SERVER" -a 127.0.0.1 -p "$NP" > nats.log 2>&1 &
NATS=$!
sleep 0.5
run() {
  local name=$1 rules=$2; shift 2
  rm -rf db; mkdir db
  "$BUILD/service/fraudd" --nats "nats://127.0.0.1:$NP" --db db/f.db \
    --rules "$rules" "$@" > "fraudd-$name.out" 2>&1 &
  local F=$!
  for _ in $(seq 100); do grep -q "fraudd: ready" "fraudd-$name.out" && break; sleep 0.1; done
  "$BUILD/simulator/fraud-sim" replay --in data.bin \
    --nats "nats://127.0.0.1:$NP" --rate "$RATE" --limit $((RATE * 10)) \
    > "sim-$name.txt" 2>&1
  kill -TERM $F; wait $F || true
  echo "$name $(grep 'in the service' "sim-$name.txt")"
}
for round in $(seq "$ROUNDS"); do
  echo "round $round (load $(cut -d' ' -f1 /proc/loadavg))"
  if [ -n "${MODEL:-}" ]; then
    run A-rules-without-model old.rules
    run B-rules-with-model new.rules --model "$MODEL"
  else
    run A-rules-of-$REF old.rules
    run B-rules-with-entities new.rules
  fi
done
