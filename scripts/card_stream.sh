#!/usr/bin/env bash
# Memory under a stream of new cards, through fraudd itself (issue 18,
# back-pressure): a nats-server on a free loopback port, fraudd with a card
# cap, and bench/latency_driver sending CARDS transactions, each on a card
# not seen before (--in-order), at RATE tx/s. Every second it samples
# fraudd's RSS and its backlogs from /metrics; at the end it prints the peak
# RSS over the start, the largest backlogs (the store's, the snapshots',
# and the messages NATS holds for fraudd), and what was shed: answered
# OVERLOADED, dropped by the NATS client as a slow consumer, not stored or
# snapshotted (queues full); and decided against stored (after the backlog
# drained and a clean stop, which flushes).
#
#   scripts/card_stream.sh BUILD_DIR CARDS RATE [fraudd options...]
#
# Environment: CAP (fraudd --max-cards, 1000000), KEEP=1 keeps the files.
set -euo pipefail

BUILD=${1:?usage: scripts/card_stream.sh BUILD_DIR CARDS RATE [fraudd options]}
CARDS=${2:?cards}
RATE=${3:?rate}
shift 3
# shellcheck source=scripts/loopback_nats.sh
source "$(dirname "$0")/loopback_nats.sh"
start_loopback_nats card-stream
METRICS_PORT=$((NATS_PORT + 1))

"$BUILD/service/fraudd" --nats "$URL" --db "$WORK/fraud.db" \
  --max-cards "${CAP:-1000000}" --metrics-port "$METRICS_PORT" "$@" \
  >"$WORK/fraudd.out" 2>&1 &
FRAUDD_PID=$!
PIDS+=("$FRAUDD_PID")
wait_ready "$WORK/fraudd.out" "ready on" || { cat "$WORK/fraudd.out" >&2; exit 1; }

metric() {  # the value of one sample line of /metrics (0 when absent)
  curl -s "http://127.0.0.1:$METRICS_PORT/metrics" \
    | awk -v m="$1" 'index($0, m " ") == 1 { v = $NF } END { print v + 0 }'
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$FRAUDD_PID/status"; }

start_rss=$(rss_kb)
(
  while kill -0 "$FRAUDD_PID" 2>/dev/null; do
    echo "$(date +%s) $(rss_kb) $(metric fraud_store_backlog_bytes)" \
         "$(metric fraud_snapshot_backlog_bytes) $(metric fraud_cards_active)" \
         "$(metric fraud_ingress_pending_messages)"
    sleep 1
  done
) >"$WORK/samples" 2>/dev/null &
SAMPLER=$!
PIDS+=("$SAMPLER")

secs=$(awk -v c="$CARDS" -v r="$RATE" 'BEGIN { printf "%.1f", c / r }')
"$BUILD/bench/latency_driver" --nats "$URL" --label fraudd \
  --prefix fraud.tx. --rate "$RATE" --seconds "$secs" --warmup 0 \
  --cards "$CARDS" --in-order --timeout-ms 10000 2>&1 | grep '^RESULT' || true
# What NATS still holds for fraudd is decided, and the writers catch up
# (at most 10 minutes); the sampler sees it.
for _ in $(seq 600); do
  [[ $(metric fraud_ingress_pending_messages) == 0 \
     && $(metric fraud_store_backlog_bytes) == 0 ]] && break
  sleep 1
done
sleep 2
overloaded=$(metric 'fraud_rejections_total{reason="overloaded"}')
shed="nats $(metric fraud_nats_dropped_total), store $(metric fraud_store_dropped_total), snapshots $(metric fraud_snapshot_dropped_total)"
decided=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" \
  | awk '/^fraud_decisions_total\{/ { s += $NF } END { print s + 0 }')
kill "$SAMPLER" 2>/dev/null || true
kill -TERM "$FRAUDD_PID"  # a clean stop flushes the store's queue
wait "$FRAUDD_PID" 2>/dev/null || true
stored=$(sqlite3 "$WORK/fraud.db" 'SELECT count(*) FROM decisions')
awk -v start="$start_rss" -v over="$overloaded" -v dec="$decided" -v stored="$stored" \
    -v shed="$shed" '
  { if ($2 > rss) rss = $2; if ($3 > sq) sq = $3; if ($4 > snap) snap = $4
    if ($5 > cards) cards = $5; if ($6 > pend) pend = $6 }
  END {
    printf "fraudd RSS at start %.0f MB, peak %.0f MB (+%.0f MB)\n", start / 1024, rss / 1024, (rss - start) / 1024
    printf "largest store backlog %.0f MB, snapshot backlog %.0f MB, messages pending in NATS %d, cards active %d\n", sq / 1048576, snap / 1048576, pend, cards
    printf "decided %d, stored %d, answered OVERLOADED %d, dropped: %s\n", dec, stored, over, shed
  }' "$WORK/samples"
