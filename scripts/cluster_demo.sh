#!/bin/bash
# make cluster-demo: a card's instance dies under load, and the client
# loses nothing. On loopback: the shipped three-server nats-server cluster
# (deploy/nats/cluster/n1..n3.conf: clients on 4222-4224, routes on
# 6222-6224, JetStream in a scratch directory), three fraudd sharing the
# cards (--cluster), and fraud-sim replaying at a steady rate. Half-way,
# one fraudd is killed with kill -9; it starts again some seconds later.
# fraud-sim re-sends what got "no responders" or no answer (README:
# Simulator, "Re-sends"), so the report shows, second by second, what was
# answered, what got no responder, what was re-sent and lost, then the
# failover gap and the detection figures of the whole run.
#
# Everything runs in a fresh scratch directory (build/cluster-demo): the
# role keys (fraudctl keys new), the servers' JetStream stores, the
# instances' SQLite files, the logs, the dataset and the report. Every
# process it started is stopped on exit, however it exits.
#
# Environment: FRAUD_CLUSTER_DEMO_RATE (tx/s, 1000), _SECONDS (length of
# the replay, 60), _KILL_AT (seconds into it, half), _DOWN (seconds the
# instance stays dead, 15), _VICTIM (which fraudd, 2), _SERVE: what the
# three fraudd are, for comparison:
#   cluster  fraudd --cluster: partitions owned through leases, taken over
#            when an instance dies (the default);
#   static   plain fraudd, each subscribed to a fixed third of the 64
#            partitions: nobody takes the dead one's over, so its cards get
#            "no responders" until it is back (and what waited longer than
#            fraud-sim's 10 s retry budget is lost);
#   queue    plain fraudd in one queue group on fraud.p.*.*: every
#            instance takes any card, so a card's state is split across
#            them (detection suffers); a kill costs only what was in flight.
set -eu
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
RATE=${FRAUD_CLUSTER_DEMO_RATE:-1000}
SECONDS_RUN=${FRAUD_CLUSTER_DEMO_SECONDS:-60}
KILL_AT=${FRAUD_CLUSTER_DEMO_KILL_AT:-$((SECONDS_RUN / 2))}
DOWN=${FRAUD_CLUSTER_DEMO_DOWN:-15}
VICTIM=${FRAUD_CLUSTER_DEMO_VICTIM:-2}
# For the benchmarks (scripts/cluster_bench.sh): how many fraudd (1-3),
# how many faults (the first at _KILL_AT, then every _EVERY seconds, each
# on the next instance in turn), and which: kill (kill -9, started again
# _DOWN seconds later), term (SIGTERM: a planned handover, started again
# at once: a rolling restart) or none.
INSTANCES=${FRAUD_CLUSTER_DEMO_INSTANCES:-3}
FAULTS=${FRAUD_CLUSTER_DEMO_FAULTS:-1}
FAULT=${FRAUD_CLUSTER_DEMO_FAULT:-kill}
EVERY=${FRAUD_CLUSTER_DEMO_EVERY:-$((DOWN + 5))}
SERVE=${FRAUD_CLUSTER_DEMO_SERVE:-cluster}
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
DIR=$BUILD/cluster-demo
# Every client names the three servers: it connects to one and moves to
# another if that one goes.
URL=nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224
FRAUDD=$BUILD/service/fraudd
FRAUDCTL=$BUILD/service/fraudctl
SIM=$BUILD/simulator/fraud-sim

say() { echo "== $*"; }
die() {
  echo "cluster-demo: $*" >&2
  exit 1
}

case $SERVE in
  cluster | static | queue) ;;
  *) die "FRAUD_CLUSTER_DEMO_SERVE is cluster, static or queue, not $SERVE" ;;
esac
[ -x "$NATS_SERVER" ] || die "no nats-server ($NATS_SERVER): make deps installs it"
for b in "$FRAUDD" "$FRAUDCTL" "$SIM"; do
  [ -x "$b" ] || die "no $b: make build first"
done

# The shipped server files name fixed ports: say so plainly if one is taken.
busy=""
for port in 4222 4223 4224 6222 6223 6224; do
  if [ -n "$(ss -Hltn "( sport = :$port )" 2>/dev/null)" ]; then
    busy="$busy $port"
  fi
done
if [ -n "$busy" ]; then
  ss -ltnp 2>/dev/null | grep -E ':(4222|4223|4224|6222|6223|6224) ' >&2 || true
  die "port(s)$busy already in use. The cluster demo runs the shipped
deploy/nats/cluster/n1..n3.conf, which listen on 127.0.0.1:4222-4224 (clients)
and 6222-6224 (routes). Stop what holds them (another cluster demo? a
nats-server on its default port?) and run make cluster-demo again."
fi

# Every process started here, stopped on exit; nothing is left behind.
PIDS=""
FRAUDD_PID=("" "" "" "")
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${FRAUDD_PID[@]}" $PIDS; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${FRAUDD_PID[@]}" $PIDS; do
    [ -z "$pid" ] && continue
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$DIR"
mkdir -p "$DIR/keys"
say "scratch directory $DIR"

# One NKey per role, made as an operator would (README: Security); the
# servers read the public keys from FRAUD_<ROLE>_NKEY.
public_key() { sed -n 's/^public key: *//p' "$DIR/keys/$1.txt"; }
for role in scorer authoriser analyst viewer; do
  "$FRAUDCTL" keys new "$role" "$role" --dir "$DIR/keys" >"$DIR/keys/$role.txt" ||
    die "fraudctl keys new $role failed"
done
export FRAUD_SCORER_NKEY=$(public_key scorer)
export FRAUD_AUTHORISER_NKEY=$(public_key authoriser)
export FRAUD_ANALYST_NKEY=$(public_key analyst)
export FRAUD_VIEWER_NKEY=$(public_key viewer)
echo "analyst $FRAUD_ANALYST_NKEY" >"$DIR/analyst-keys"

# The servers, each started in the scratch directory: the files' JetStream
# store_dir (./jetstream/nN) is relative to where the server starts.
for n in 1 2 3; do
  (cd "$DIR" && exec "$NATS_SERVER" -c "$SRC/deploy/nats/cluster/n$n.conf") \
    >"$DIR/nats-n$n.log" 2>&1 &
  PIDS="$PIDS $!"
done
say "nats-server n1 n2 n3 on 127.0.0.1:4222-4224 (logs: $DIR/nats-n*.log)"
# JetStream answers once the servers have elected a metadata leader.
leader=""
for _ in $(seq 600); do
  for pid in $PIDS; do
    kill -0 "$pid" 2>/dev/null || {
      tail -n 20 "$DIR"/nats-n*.log >&2
      die "a nats-server stopped; its log is above"
    }
  done
  leader=$(grep -hoE 'new metadata leader: [^ ]*|Self is new JetStream cluster metadata leader' "$DIR"/nats-n*.log | tail -n 1 || true)
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || die "JetStream elected no leader within 60 s (logs: $DIR/nats-n*.log)"
say "JetStream ready: $leader"

fraudd_args() {
  local n=$1
  local args=(--nats "$URL" --nats-nkey "$DIR/keys/scorer.nk"
    --nats-inbox-prefix _INBOX.scorer --analyst-keys "$DIR/analyst-keys"
    --db "$DIR/f$n.db" --name "fraudd-$n")
  case $SERVE in
    cluster) args+=(--cluster --instance-id "fraudd-$n") ;;
    static)
      for p in $(seq $((n - 1)) 3 63); do
        args+=(--subject "fraud.p.$p.*")
      done
      ;;
    queue) args+=(--subject 'fraud.p.*.*' --queue-group fraudd) ;;
  esac
  printf '%s\n' "${args[@]}"
}

start_fraudd() {
  local n=$1 args
  mapfile -t args < <(fraudd_args "$n")
  "$FRAUDD" "${args[@]}" >>"$DIR/fraudd-$n.log" 2>&1 &
  FRAUDD_PID[$n]=$!
}

wait_ready() {
  local n=$1 before=$2
  for _ in $(seq 300); do
    if [ "$(grep -c 'fraudd: ready' "$DIR/fraudd-$n.log")" -gt "$before" ]; then
      return 0
    fi
    if ! kill -0 "${FRAUDD_PID[$n]}" 2>/dev/null; then
      tail -n 30 "$DIR/fraudd-$n.log" >&2
      die "fraudd-$n stopped; its log is above"
    fi
    sleep 0.1
  done
  tail -n 30 "$DIR/fraudd-$n.log" >&2
  die "fraudd-$n was not ready within 30 s"
}

for n in $(seq 1 "$INSTANCES"); do
  : >"$DIR/fraudd-$n.log"
  start_fraudd "$n"
done
for n in $(seq 1 "$INSTANCES"); do
  wait_ready "$n" 0
done
case $SERVE in
  cluster) how="--cluster" ;;
  static) how="each a fixed third of the partitions, no takeover" ;;
  queue) how="one queue group on fraud.p.*.*: any instance takes any card" ;;
esac
say "fraudd-1 fraudd-2 fraudd-3 ready ($how; logs: $DIR/fraudd-*.log)"

# A few transactions of other cards first, to see that the instances answer
# on the cluster at all (on --cluster, once they have claimed their
# partitions), before the run whose report counts.
"$SIM" generate --cards 50 --days 1 --seed 99 --out "$DIR/probe.bin" >/dev/null
"$SIM" replay --in "$DIR/probe.bin" --limit 50 --rate 100 --nats "$URL" \
  --nats-nkey "$DIR/keys/authoriser.nk" --nats-inbox-prefix _INBOX.authoriser \
  --timeout-ms 1000 --retry-for-ms 20000 --no-progress \
  --json "$DIR/probe.json" >"$DIR/probe.txt" 2>&1 ||
  die "fraud-sim could not replay (see $DIR/probe.txt)"
if ! grep -q '^  "lost": 0,' "$DIR/probe.json"; then
  sed -n '/^replay:/,/^$/p' "$DIR/probe.txt" >&2
  die "the three fraudd do not answer on the cluster (above: a probe of 50
transactions, retried for 20 s). With FRAUD_CLUSTER_DEMO_SERVE=cluster this
needs a fraudd whose --cluster subscribes to its partitions; see the logs in
$DIR, or run FRAUD_CLUSTER_DEMO_SERVE=static make cluster-demo."
fi
say "the instances answer (a probe of 50 transactions)"

# Enough transactions for the whole run at the rate.
TXS=$((RATE * SECONDS_RUN))
CARDS=$(((TXS + 19) / 20))
"$SIM" generate --cards "$CARDS" --days 14 --seed 14 --out "$DIR/dataset.bin" \
  >"$DIR/dataset.txt"
head -n 1 "$DIR/dataset.txt"
say "replaying $TXS transactions at $RATE tx/s for ${SECONDS_RUN} s; kill -9" \
  "fraudd-$VICTIM at ${KILL_AT} s, start it again ${DOWN} s later"
"$SIM" replay --in "$DIR/dataset.bin" --limit "$TXS" --rate "$RATE" \
  --nats "$URL" --nats-nkey "$DIR/keys/authoriser.nk" \
  --nats-inbox-prefix _INBOX.authoriser --timeout-ms 1000 \
  --retry-for-ms 10000 --no-progress --json "$DIR/report.json" \
  >"$DIR/report.txt" 2>"$DIR/fraud-sim.err" &
REPLAY=$!
PIDS="$PIDS $REPLAY"
started=$(date +%s.%N)
echo "$started" >"$DIR/replay-started"  # for make bench-cluster's figures
since() { echo "$(date +%s.%N) $started" | awk '{ printf "%.1f", $1 - $2 }'; }

# The faults, then what each instance cost: CPU seconds (user + system,
# from /proc) of the instances that ran the whole replay.
cpu_of() { awk '{ printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat" 2>/dev/null || echo 0; }
declare -A CPU_AT_START
for n in $(seq 1 "$INSTANCES"); do
  CPU_AT_START[$n]=$(cpu_of "${FRAUDD_PID[$n]}")
done
sleep "$KILL_AT"
victim=$VICTIM
[ "$victim" -le "$INSTANCES" ] || victim=1
for fault in $(seq 1 "$FAULTS"); do
  [ "$FAULT" = none ] && break
  if [ "$fault" -gt 1 ]; then
    sleep "$EVERY"
  fi
  before=$(grep -c 'fraudd: ready' "$DIR/fraudd-$victim.log" || true)
  if [ "$FAULT" = term ]; then
    kill -TERM "${FRAUDD_PID[$victim]}"
    wait "${FRAUDD_PID[$victim]}" 2>/dev/null || true
    say "$(since) s: SIGTERM fraudd-$victim (handed over), starting it again"
  else
    kill -KILL "${FRAUDD_PID[$victim]}"
    wait "${FRAUDD_PID[$victim]}" 2>/dev/null || true
    say "$(since) s: kill -9 fraudd-$victim"
    FRAUDD_PID[$victim]=""
    sleep "$DOWN"
  fi
  echo "--- restarted by the cluster demo ---" >>"$DIR/fraudd-$victim.log"
  start_fraudd "$victim"
  CPU_AT_START[$victim]=""
  say "$(since) s: fraudd-$victim started again"
  wait_ready "$victim" "$before"
  say "$(since) s: fraudd-$victim ready"
  victim=$((victim % INSTANCES + 1))
done
if ! wait "$REPLAY"; then
  cat "$DIR/fraud-sim.err" >&2
  die "fraud-sim replay failed"
fi
: >"$DIR/cpu.txt"
for n in $(seq 1 "$INSTANCES"); do
  [ -n "${CPU_AT_START[$n]}" ] || continue
  echo "fraudd-$n $(echo "$(cpu_of "${FRAUDD_PID[$n]}") ${CPU_AT_START[$n]}" | awk '{ printf "%.2f", $1 - $2 }')" >>"$DIR/cpu.txt"
done
cat "$DIR/report.txt"
if [ "$SERVE" = cluster ]; then
  echo
  say "fraudctl cluster"
  "$FRAUDCTL" --nats "$URL" --nats-nkey "$DIR/keys/viewer.nk" \
    --nats-inbox-prefix _INBOX.viewer cluster 2>&1 || true
fi
cat <<EOF

The report is in $DIR/report.txt and, as JSON (with the per-second
timeline), in $DIR/report.json; the logs of the servers and instances in
$DIR. Everything started here has been stopped.
EOF
