#!/usr/bin/env bash
# Does the idle sweep move scoring's latency? (issue 11: a sweep of 100,000
# idle cards during 10,000 tx/s must not move the service p99.)
#
# One nats-server on a free loopback port; for each fraudd given, in turn,
# for SWEEP_ROUNDS rounds, a fresh fraudd with --idle-timeout-s SWEEP_IDLE_S:
#   1. warm: 10,000 cards "B" (card-2000000...) get one transaction each;
#   2. activate: 100,000 cards "A" (card-1000000...) get one transaction
#      each, at SWEEP_ACTIVATE_RATE, and are then left alone;
#   3. baseline: SWEEP_RATE tx/s on B for SWEEP_SECONDS, while A is active
#      but not yet idle (no sweep has anything to do);
#   4. sweep: SWEEP_RATE tx/s on B through the seconds in which A's cards
#      pass the idle timeout and the once-a-second sweep passivates them;
#   5. after: as the baseline, A gone.
# Each phase is one run of bench/latency_driver (open loop: latency from
# each request's due time; svc = the decisions' own service_latency_ns).
# The passivations and active cards come from `fraudctl stats`.
#
#   scripts/sweep_bench.sh BUILD_DIR [NAME=FRAUDD_BINARY ...]
#
# Without binaries: new=BUILD_DIR/service/fraudd. E.g. against the code
# before the sweep moved onto the ingress thread:
#   git archive 32e0a67 | tar -x -C /tmp/old && cmake -S /tmp/old -B \
#     /tmp/old/build -DCMAKE_BUILD_TYPE=RelWithDebInfo && \
#     cmake --build /tmp/old/build --target fraudd
#   scripts/sweep_bench.sh build old=/tmp/old/build/service/fraudd \
#     new=build/service/fraudd
#
# Environment: SWEEP_ROUNDS (2), SWEEP_RATE (10000), SWEEP_SECONDS (8),
# SWEEP_CARDS (100000), SWEEP_ACTIVATE_RATE (25000), SWEEP_IDLE_S (30),
# SWEEP_TAIL_S (15), FRAUDD_ARGS (more fraudd options), SWEEP_KEEP (a
# directory for the raw outputs).
set -euo pipefail

BUILD=${1:?usage: scripts/sweep_bench.sh BUILD_DIR [NAME=FRAUDD ...]}
BUILD=$(cd "$BUILD" && pwd)
shift
BINARIES=("$@")
(( ${#BINARIES[@]} )) || BINARIES=("new=$BUILD/service/fraudd")
ROUNDS=${SWEEP_ROUNDS:-2}
RATE=${SWEEP_RATE:-10000}
SECS=${SWEEP_SECONDS:-8}
CARDS=${SWEEP_CARDS:-100000}
ACTIVATE_RATE=${SWEEP_ACTIVATE_RATE:-25000}
IDLE_S=${SWEEP_IDLE_S:-30}
TAIL_S=${SWEEP_TAIL_S:-15}
DRIVER=$BUILD/bench/latency_driver
FRAUDCTL=$BUILD/service/fraudctl
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
# shellcheck source=scripts/loopback_nats.sh
source "$(dirname "$0")/loopback_nats.sh"

B_FIRST=2000000 B_CARDS=10000 A_FIRST=1000000

WORK=$(mktemp -d /tmp/fraud-sweep-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n ${SWEEP_KEEP:-} ]]; then
    mkdir -p "$SWEEP_KEEP" && cp -r "$WORK"/. "$SWEEP_KEEP"/
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { echo "sweep_bench: $*" >&2; }
now() { date +%s.%N; }
RESULTS=$WORK/results.txt
: >"$RESULTS"

"$NATS_SERVER" -a 127.0.0.1 -p -1 -l "$WORK/nats.log" &
PIDS+=($!)
port=$(loopback_nats_port "$WORK/nats.log") \
  || { say "nats-server did not start"; exit 1; }
URL=nats://127.0.0.1:$port

# stat KEY: one number from fraudctl's JSON stats (passivations, active_cards)
stat() {
  "$FRAUDCTL" --nats "$URL" --json stats \
    | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" | head -1
}

# drive NAME ROUND PHASE driver-options...: one driver run, its RESULT line
# tagged, with the passivations fraudd made meanwhile.
drive() {
  local name=$1 round=$2 phase=$3
  shift 3
  local p0 p1
  p0=$(stat passivations)
  "$DRIVER" --nats "$URL" --label "$name" "$@" >"$WORK/drive.txt" 2>&1 || true
  p1=$(stat passivations)
  cat "$WORK/drive.txt" >>"$WORK/drive.log"
  grep '^RESULT' "$WORK/drive.txt" \
    | sed "s/^RESULT /RESULT phase=$phase round=$round /; s/\$/ passivated=$((p1 - p0)) active_after=$(stat active_cards)/" \
    >>"$RESULTS" || true
}

on_b() { # the 10,000 tx/s on cards B, for SECONDS
  echo --first-card "$B_FIRST" --cards "$B_CARDS" --rate "$RATE" \
       --warmup 0.5 --seconds "$1"
}

for round in $(seq "$ROUNDS"); do
  for spec in "${BINARIES[@]}"; do
    name=${spec%%=*} fraudd=${spec#*=}
    run=$WORK/$name-$round
    mkdir -p "$run"
    # shellcheck disable=SC2086
    "$fraudd" --nats "$URL" --db "$run/fraud.db" --idle-timeout-s "$IDLE_S" \
      ${FRAUDD_ARGS:-} >"$run/fraudd.out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$run/fraudd.out" "ready on" \
      || { say "$name did not start:"; cat "$run/fraudd.out" >&2; exit 1; }
    say "$name round $round: warm, activate $CARDS cards"
    drive "$name" "$round" warm --first-card "$B_FIRST" --cards "$B_CARDS" \
      --in-order --rate "$RATE" --warmup 0 \
      --seconds "$(awk -v n="$B_CARDS" -v r="$RATE" 'BEGIN { printf "%.3f", n / r }')"
    a0=$(now)
    drive "$name" "$round" activate --first-card "$A_FIRST" --cards "$CARDS" \
      --in-order --rate "$ACTIVATE_RATE" --warmup 0 --send-asap false \
      --timeout-ms 30000 \
      --seconds "$(awk -v n="$CARDS" -v r="$ACTIVATE_RATE" 'BEGIN { printf "%.3f", n / r }')"
    a1=$(now)
    sleep 2  # the snapshot writer takes the activation's 100,000 snapshots
    say "$name round $round: baseline"
    # shellcheck disable=SC2046
    drive "$name" "$round" baseline $(on_b "$SECS")
    # The sweep phase runs from 1.5 s before the first of A can be idle to
    # SWEEP_TAIL_S after the last is (a sweep that paces itself may take
    # that long: the passivated column says whether it did); the baseline
    # must have ended before.
    start=$(awk -v a="$a0" -v i="$IDLE_S" 'BEGIN { printf "%.3f", a + i - 1.5 }')
    wait_s=$(awk -v s="$start" -v n="$(now)" 'BEGIN { printf "%.3f", s - n }')
    if awk -v w="$wait_s" 'BEGIN { exit !(w < 0) }'; then
      say "the baseline ran into the sweep: raise SWEEP_IDLE_S"; exit 1
    fi
    sleep "$wait_s"
    say "$name round $round: sweep"
    # shellcheck disable=SC2046
    drive "$name" "$round" sweep $(on_b "$(awk -v a="$a0" -v b="$a1" \
      -v t="$TAIL_S" 'BEGIN { printf "%.1f", b - a + 1.5 + t }')")
    say "$name round $round: after"
    # shellcheck disable=SC2046
    drive "$name" "$round" after $(on_b "$SECS")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    PIDS=("${PIDS[@]/$pid}")
  done
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v load="$load" -v cpu="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
    -v cores="$(nproc)" '
function get(k,   i, kv) {
  for (i = 1; i <= NF; ++i) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
  return ""
}
BEGIN {
  printf "\n== idle sweep under load: %s, %d cores (load now %s) ==\n", cpu, cores, load
  print "(us; e2e from the due time of each request; svc = service_latency_ns of the decisions)"
  printf "%-6s %-5s %-9s %7s %9s %9s %9s %9s %7s %7s %8s %9s %5s %7s\n", "fraudd", "round",
         "phase", "sent/s", "e2e p50", "e2e p99", "e2e p999", "e2e max", "svc p50",
         "svc p99", "svc p999", "svc max", "lost", "passiv."
}
/^RESULT/ && get("phase") != "warm" {
  printf "%-6s %-5s %-9s %7s %9s %9s %9s %9s %7s %7s %8s %9s %5s %7s\n", get("label"),
         get("round"), get("phase"), get("send_rate"), get("e2e_p50_us"),
         get("e2e_p99_us"), get("e2e_p999_us"), get("e2e_max_us"), get("svc_p50_us"),
         get("svc_p99_us"), get("svc_p999_us"), get("svc_max_us"), get("lost"),
         get("passivated")
}' "$RESULTS"
