#!/bin/sh
# make demo: the embedded default (fraudd starts its own nats-server on
# loopback and keeps its decisions in a SQLite file under the build
# directory), then fraud-sim generates two weeks of about 10,000 cards
# (some 220,000 transactions, fraud injected and labelled), replays them
# over NATS at a rate this machine sustains, and prints its report.
# Finally it asks the service about a few of the decisions it just made,
# and says how to ask more.
#
# fraudd serves its live dashboard, /metrics and the health checks on
# FRAUD_DEMO_HTTP_PORT (9477) on loopback: the script prints the address
# before the replay starts, so the replay can be watched as it happens.
#
# Environment: FRAUD_DEMO_PORT (the nats-server port; default a free one),
# FRAUD_DEMO_RATE (transactions per second, 10000), FRAUD_DEMO_CARDS
# (10000), FRAUD_DEMO_DAYS (14), FRAUD_DEMO_SEED (42); FRAUD_DEMO_KEEP=1
# leaves fraudd running.
set -e
BUILD=${1:-build}
PORT=${FRAUD_DEMO_PORT:-0}
HTTP_PORT=${FRAUD_DEMO_HTTP_PORT:-9477}
RATE=${FRAUD_DEMO_RATE:-10000}
CARDS=${FRAUD_DEMO_CARDS:-10000}
DAYS=${FRAUD_DEMO_DAYS:-14}
SEED=${FRAUD_DEMO_SEED:-42}
DB=$BUILD/demo.db
LOG=$BUILD/demo-fraudd.log
OUT=$BUILD/demo-report.txt

# A fresh store each time: the same seed gives the same transaction ids,
# and a store that has seen them answers them as duplicates (and the card
# snapshots next to it would hold the end of the last run).
rm -f "$DB" "$DB-wal" "$DB-shm" "$BUILD/demo-cards.db" \
  "$BUILD/demo-cards.db-wal" "$BUILD/demo-cards.db-shm"
"$BUILD/service/fraudd" --nats-port "$PORT" --db "$DB" \
  --metrics-port "$HTTP_PORT" >"$LOG" 2>&1 &
FRAUDD=$!
stop() {
  kill -TERM "$FRAUDD" 2>/dev/null && wait "$FRAUDD" 2>/dev/null || true
}
if [ "${FRAUD_DEMO_KEEP:-0}" != 1 ]; then
  trap stop EXIT
fi
for i in $(seq 100); do
  grep -q "fraudd: ready" "$LOG" && break
  if ! kill -0 "$FRAUDD" 2>/dev/null; then
    cat "$LOG"
    echo "demo: fraudd did not start (is port $HTTP_PORT taken? set" \
      "FRAUD_DEMO_HTTP_PORT)" >&2
    exit 1
  fi
  sleep 0.1
done
URL=$(sed -n 's/^fraudd: ready on \(nats:[^,]*\),.*/\1/p' "$LOG")
if [ -z "$URL" ]; then
  cat "$LOG"
  echo "demo: fraudd did not become ready" >&2
  exit 1
fi
PORT=${URL##*:}
DASHBOARD=$(sed -n 's/^fraudd: metrics on .*, dashboard on \(http:[^ ]*\)$/\1/p' "$LOG")
CTL="$BUILD/service/fraudctl --nats $URL"
echo "== fraudd is ready on $URL (log: $LOG, decisions: $DB)"
echo "   its nats-server lets in only the keys in $BUILD/demo-credentials;"
echo "   fraudctl and fraud-sim on this machine find them by themselves"
echo "== dashboard: $DASHBOARD   (open it now to watch the replay;"
echo "   Prometheus metrics: ${DASHBOARD}metrics, probes: ${DASHBOARD}readyz)"

"$BUILD/simulator/fraud-sim" run --cards "$CARDS" --days "$DAYS" \
  --seed "$SEED" --nats "$URL" --rate "$RATE" \
  --out "$BUILD/demo-dataset.bin" --json "$BUILD/demo-report.json" |
  tee "$OUT"

# The report ends with one transaction of each kind; ask about two of them.
example() {
  awk -v l="$1" '$1 == l && $2 ~ /^tx_/ { print $'"$2"'; exit }' "$OUT"
}
TX=$(example card_testing 2)
CARD=$(example account_takeover 4)
echo
echo "== fraudctl decision $TX   (a declined card-testing transaction)"
$CTL decision "$TX" || true
echo
echo "== fraudctl decisions --card $CARD --action decline   (an account takeover)"
$CTL decisions --card "$CARD" --action decline --limit 10 || true
echo
echo "== fraudctl stats"
$CTL stats || true

cat <<EOF

The report is in $OUT and, as JSON, in $BUILD/demo-report.json; the
dataset in $BUILD/demo-dataset.bin (replay it: $BUILD/simulator/fraud-sim
replay --in $BUILD/demo-dataset.bin --nats $URL).
To ask the service about its decisions:
  $CTL decision TX_ID              # one decision and the rules behind it
  $CTL card CARD_ID                # a card's state and latest decisions
  $CTL decisions --help            # search, e.g. by action or rule
  $CTL stats                       # counts, latency, rule hits
EOF
if [ "${FRAUD_DEMO_KEEP:-0}" = 1 ]; then
  echo "fraudd keeps running (pid $FRAUDD), its dashboard on $DASHBOARD;"
  echo "stop it with: kill $FRAUDD"
else
  echo "fraudd has stopped, and its dashboard with it; FRAUD_DEMO_KEEP=1 make"
  echo "demo leaves both running, or start it again on the same decisions with:"
  echo "  $BUILD/service/fraudd --nats-port $PORT --db $DB --metrics-port $HTTP_PORT"
fi
