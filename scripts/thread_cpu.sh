#!/usr/bin/env bash
# Where fraudd's CPU goes, per thread: runs a nats-server on a free loopback
# port, fraudd against it, and bench/latency_driver at RATE tx/s for SECONDS
# over 100,000 cards, then prints the CPU each fraudd thread (by name:
# fraud-ingress, fraud-store, fraud-snapshots, caf.*, and nats.c's unnamed
# ones as "fraudd"), nats-server and the driver spent per transaction.
#
#   scripts/thread_cpu.sh BUILD_DIR RATE SECONDS [fraudd options...]
#
# Environment: CARDS=N drives N cards instead of 100,000; PERF=1 also records `perf record -g` of fraudd into
# thread_cpu.perf (read it with `perf report -i thread_cpu.perf --sort pid`).
set -euo pipefail

BUILD=${1:?usage: scripts/thread_cpu.sh BUILD_DIR RATE SECONDS [fraudd options]}
RATE=${2:?rate}
SECS=${3:?seconds}
shift 3
# shellcheck source=scripts/loopback_nats.sh
source "$(dirname "$0")/loopback_nats.sh"
start_loopback_nats thread-cpu

"$BUILD/service/fraudd" --nats "$URL" --db "$WORK/fraud.db" "$@" \
  >"$WORK/fraudd.out" 2>&1 &
FRAUDD_PID=$!
PIDS+=("$FRAUDD_PID")
wait_ready "$WORK/fraudd.out" "ready on" || { cat "$WORK/fraudd.out" >&2; exit 1; }

# utime + stime in ticks (1/100 s) of every thread: "tid name ticks"
threads() {
  for t in /proc/"$FRAUDD_PID"/task/*; do
    echo "$(basename "$t") $(tr ' ' _ <"$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"
  done | sort
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# involuntary context switches (preemptions) of every thread: "tid name n"
preemptions() {
  for t in /proc/"$FRAUDD_PID"/task/*; do
    echo "$(basename "$t") $(tr ' ' _ <"$t/comm") $(awk '/^nonvoluntary/ { print $2 }' "$t/status")"
  done | sort
}

if [[ -n ${PERF:-} ]]; then
  perf record -g -o thread_cpu.perf -p "$FRAUDD_PID" sleep "$SECS" \
    >/dev/null 2>&1 &
  PERF_PID=$!
fi
threads >"$WORK/before"
preemptions >"$WORK/pre-before"
nats0=$(ticks "$NATS_PID")
/usr/bin/time -f "driver_cpu_s=%U+%S" -o "$WORK/driver.time" \
  "$BUILD/bench/latency_driver" --nats "$URL" --label fraudd \
  --prefix fraud.tx. --rate "$RATE" --seconds "$SECS" --warmup 0.5 \
  --cards "${CARDS:-100000}" 2>&1 | grep '^RESULT' || true
threads >"$WORK/after"
preemptions >"$WORK/pre-after"
nats1=$(ticks "$NATS_PID")
# perf's own pid: the first background job is nats-server, which never ends
[[ -n ${PERF_PID:-} ]] && wait "$PERF_PID" 2>/dev/null || true

tx=$(awk -v r="$RATE" -v s="$SECS" 'BEGIN { print r * (s + 0.5) }')
echo "CPU per transaction (us), $tx transactions:"
join "$WORK/before" "$WORK/after" | awk -v tx="$tx" '
  { d = $5 - $3; cpu[$4] += d; n[$4]++; total += d }  # the name now
  END {
    for (name in cpu) if (cpu[name] > 0)
      printf "  %-18s %7.1f  (%d thread%s)\n", name, cpu[name] * 1e4 / tx, n[name], (n[name] > 1 ? "s" : "")
    printf "  %-18s %7.1f\n", "fraudd total", total * 1e4 / tx
  }'
awk -v d=$((nats1 - nats0)) -v tx="$tx" 'BEGIN { printf "  %-18s %7.1f\n", "nats-server", d * 1e4 / tx }'
awk -F'[=+]' -v tx="$tx" '{ printf "  %-18s %7.1f\n", "driver", ($2 + $3) * 1e6 / tx }' "$WORK/driver.time"
echo "Preemptions (involuntary context switches) per 1,000 transactions:"
join "$WORK/pre-before" "$WORK/pre-after" | awk -v tx="$tx" '
  { d = $5 - $3; n[$4] += d }
  END { for (name in n) if (n[name] > 0) printf "  %-18s %7.2f\n", name, n[name] * 1e3 / tx }'
