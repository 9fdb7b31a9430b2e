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
# shellcheck source=scripts/loopback_nats.sh
source "$ROOT/scripts/loopback_nats.sh"
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
"$NATS_SERVER" -a 127.0.0.1 -p -1 -l nats.log &
NATS=$!
NP=$(loopback_nats_port nats.log) || { echo "nats-server did not start" >&2; exit 1; }
run() {
  local name=$1 rules=$2; shift 2
  rm -rf db; mkdir db
  "$BUILD/service/fraudd" --nats "nats://127.0.0.1:$NP" --db db/f.db \
    --rules "$rules" "$@" > "fraudd-$name.out" 2>&1 &
  local F=$!
  wait_ready "fraudd-$name.out" "fraudd: ready" \
    || { echo "$name: fraudd did not start" >&2; cat "fraudd-$name.out" >&2; return 1; }
  "$BUILD/simulator/fraud-sim" replay --in data.bin \
    --nats "nats://127.0.0.1:$NP" --rate "$RATE" --limit $((RATE * 10)) \
    --json "sim-$name.json" > "sim-$name.txt" 2>&1
  kill -TERM $F; wait $F || true
  # The printed line rounds to whole microseconds; the JSON does not.
  echo "$name $(grep 'in the service' "sim-$name.txt")"
  echo "$name $(jq -r '.service_latency_us // .replay.service_latency_us
    | "p50 \(.p50 * 100 | round / 100) p90 \(.p90 * 100 | round / 100) p99 \(.p99 * 100 | round / 100) us"' "sim-$name.json")"
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
