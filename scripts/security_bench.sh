#!/usr/bin/env bash
# What least privilege costs (issue 13): fraudd behind an open nats-server,
# behind the shipped configuration (deploy/nats/nats-server.conf: NKey
# users, per-role permissions, replies through allow_responses), and behind
# the same with TLS (deploy/nats/tls.conf, certificates made here with
# openssl), driven side by side at the same rates, rounds alternating.
# Prints end-to-end p50/p99 and the CPU fraudd and nats-server spent per
# transaction.
#
#   scripts/security_bench.sh BUILD_DIR
#
# Environment: BENCH_SECONDS (5), BENCH_RATES ("1000 10000 20000"),
# BENCH_REPEAT (3).
set -euo pipefail

BUILD=${1:?usage: scripts/security_bench.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${BENCH_SECONDS:-5}
RATES=${BENCH_RATES:-"1000 10000 20000"}
REPEAT=${BENCH_REPEAT:-3}
# shellcheck source=scripts/loopback_nats.sh
source "$(dirname "$0")/loopback_nats.sh"
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)
CTL=$BUILD/service/fraudctl

WORK=$(mktemp -d /tmp/fraud-secbench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { echo "security_bench: $*" >&2; }

mkdir -m 700 "$WORK/keys"
for role in scorer authoriser analyst viewer; do
  key=$("$CTL" keys new "$role" "$role" --dir "$WORK/keys" \
        | sed -n 's/^public key: //p')
  export "FRAUD_$(tr a-z A-Z <<<"$role")_NKEY=$key"
done

declare -A URL NATS_PID FRAUDD_PID
start_nats() { # name [config]
  local name=$1 log=$WORK/$1-nats.log
  shift
  "$NATS_SERVER" "$@" -a 127.0.0.1 -p -1 -l "$log" &
  PIDS+=($!)
  NATS_PID[$name]=$!
  URL[$name]=nats://127.0.0.1:$(loopback_nats_port "$log")
}
# A private CA and the server's certificate for 127.0.0.1.
(cd "$WORK" &&
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca \
    -keyout ca.key -out ca.pem &&
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout server.key -out server.csr &&
  printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 2 -extfile san.ext -out server.pem) >/dev/null 2>&1
export FRAUD_NATS_TLS_CERT=$WORK/server.pem FRAUD_NATS_TLS_KEY=$WORK/server.key
export FRAUD_NATS_TLS_CA=$WORK/ca.pem

start_nats open
start_nats shipped -c "$ROOT/deploy/nats/nats-server.conf"
start_nats tls -c "$ROOT/deploy/nats/tls.conf"
URL[tls]=${URL[tls]/nats:/tls:}
start_fraudd() { # name fraudd-options...
  local name=$1
  shift
  "$BUILD/service/fraudd" --nats "${URL[$name]}" --db "$WORK/$name.db" "$@" \
    >"$WORK/$name-fraudd.out" 2>&1 &
  PIDS+=($!)
  FRAUDD_PID[$name]=$!
  wait_ready "$WORK/$name-fraudd.out" "ready on" \
    || { say "fraudd ($name) did not start"; cat "$WORK/$name-fraudd.out"; exit 1; }
}
start_fraudd open
start_fraudd shipped --nats-nkey "$WORK/keys/scorer.nk"
start_fraudd tls --nats-nkey "$WORK/keys/scorer.nk" --nats-ca "$WORK/ca.pem"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
drive() { # name rate
  local name=$1 rate=$2 auth=()
  [[ $name != open ]] && auth=(--nats-nkey "$WORK/keys/authoriser.nk"
                               --nats-inbox-prefix _INBOX.authoriser)
  [[ $name == tls ]] && auth+=(--nats-ca "$WORK/ca.pem")
  local s0 n0 s1 n1
  s0=$(ticks "${FRAUDD_PID[$name]}"); n0=$(ticks "${NATS_PID[$name]}")
  local line
  line=$("$BUILD/bench/latency_driver" --nats "${URL[$name]}" "${auth[@]}" \
         --label "$name" --rate "$rate" --seconds "$SECS" --warmup 0.5 \
         2>/dev/null | grep '^RESULT' || true)
  s1=$(ticks "${FRAUDD_PID[$name]}"); n1=$(ticks "${NATS_PID[$name]}")
  awk -v s=$((s1 - s0)) -v n=$((n1 - n0)) -v r="$rate" -v t="$SECS" \
      -v name="$name" -v p50="$(field "$line" e2e_p50_us)" \
      -v p99="$(field "$line" e2e_p99_us)" -v lost="$(field "$line" lost)" \
      'BEGIN { tx = r * (t + 0.5)
               printf "%-8s %7d %9s %9s %6s %9.1f %9.1f\n", name, r, p50, p99,
                      lost, s * 1e4 / tx, n * 1e4 / tx }'
}

printf "%-8s %7s %9s %9s %6s %9s %9s\n" server rate "p50 us" "p99 us" lost \
  "fraudd us" "nats us"
for round in $(seq "$REPEAT"); do
  for rate in $RATES; do
    say "round $round, $rate tx/s"
    if (( round % 2 )); then order="open shipped tls"; else order="tls shipped open"; fi
    for name in $order; do drive "$name" "$rate"; done
  done
done
