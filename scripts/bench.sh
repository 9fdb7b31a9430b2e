#!/usr/bin/env bash
# The benchmark suite (make bench): micro benchmarks, the in-process
# pipeline, and fraudd against the floor and the usual alternative over a
# real nats-server on loopback, all in this one run. Prints one table.
#
#   scripts/bench.sh BUILD_DIR
#
# Environment: BENCH_SECONDS (measured seconds per end-to-end point, 5),
# BENCH_RATES ("1000 5000 10000 20000"), BENCH_MAX_RATES (the ladder for
# the maximum sustained rate), BENCH_REPEAT (end-to-end rounds, 1),
# BENCH_KEEP (a directory to keep the raw outputs in).
set -euo pipefail

BUILD=${1:?usage: scripts/bench.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SECONDS_PER_POINT=${BENCH_SECONDS:-5}
RATES=${BENCH_RATES:-"1000 5000 10000 20000"}
MAX_RATES=${BENCH_MAX_RATES:-"2000 5000 10000 20000 30000 40000 50000 60000 80000 100000 120000"}
REPEAT=${BENCH_REPEAT:-1}
BIN=$BUILD/bench
# shellcheck source=scripts/loopback_nats.sh
source "$(dirname "$0")/loopback_nats.sh"
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

for exe in "$BIN/micro_bench" "$BIN/pipeline_bench" "$BIN/latency_driver" \
           "$BIN/floor_responder" "$BIN/sqlite_scorer" \
           "$BUILD/service/fraudd"; do
  if [[ ! -x $exe ]]; then
    echo "bench: $exe is missing; build with Google Benchmark installed" \
         "(libbenchmark-dev) and FRAUD_BUILD_BENCH=ON" >&2
    exit 1
  fi
done

WORK=$(mktemp -d /tmp/fraud-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n ${BENCH_KEEP:-} ]]; then
    mkdir -p "$BENCH_KEEP" && cp -r "$WORK"/. "$BENCH_KEEP"/
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
RESULTS=$WORK/results.txt
: >"$RESULTS"
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# key=value from a RESULT line: field LINE KEY
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
say() { echo "bench: $*" >&2; }

# --- micro benchmarks ------------------------------------------------------
say "micro benchmarks"
"$BIN/micro_bench" --benchmark_min_time=0.3 --benchmark_format=csv \
  2>"$WORK/micro.err" >"$WORK/micro.csv"
# name,iterations,real_time,cpu_time,time_unit,bytes/s,items/s,label,...:
# per transaction is 1e9 / items/s (a batch benchmark times 1,000 at once).
awk -F, '/^"?BM_/ { gsub(/"/, "", $1); gsub(/"/, "", $8); gsub(/ /, "_", $8)
  sub(/\/[0-9]+\/real_time$/, "", $1)
  printf "RESULT kind=micro name=%s%s ns=%.0f\n", $1,
         ($8 == "inline" || $8 == "scheduler") ? "/" $8 : "", 1e9 / $7 }' \
  "$WORK/micro.csv" >>"$RESULTS"

# --- in-process pipeline ---------------------------------------------------
say "in-process pipeline (100,000 cards)"
"$BIN/pipeline_bench" --cards 100000 --tx 1000000 --rate 10000 --seconds 2 \
  | sed 's/^RESULT /RESULT kind=pipeline /' >>"$RESULTS"
"$BIN/pipeline_bench" --cards 100000 --tx 1000000 --rate 10000 --seconds 2 \
  --dispatch scheduler | sed 's/^RESULT /RESULT kind=pipeline-sched /' \
  >>"$RESULTS"
# fraudd with two subjects: two ingress threads, each with its own cards
say "in-process pipeline (100,000 cards, 2 partitions)"
"$BIN/pipeline_bench" --cards 100000 --tx 1000000 --rate 10000 --seconds 2 \
  --partitions 2 | sed 's/^RESULT /RESULT kind=pipeline-2p /' >>"$RESULTS"
for cards in 1000 1000000; do
  say "in-process pipeline ($cards cards, 2 partitions)"
  "$BIN/pipeline_bench" --cards "$cards" --tx 500000 --rate 10000 \
    --seconds 1 --partitions 2 | sed 's/^RESULT /RESULT kind=scale-2p /' \
    >>"$RESULTS"
done

# --- end to end over NATS --------------------------------------------------
port_log=$WORK/nats.log
"$NATS_SERVER" -a 127.0.0.1 -p -1 -l "$port_log" &
PIDS+=($!)
port=$(loopback_nats_port "$port_log") || { say "nats-server did not start"; exit 1; }
URL=nats://127.0.0.1:$port
say "nats-server at $URL"

# All three services run side by side, each on its own subjects, so that
# every rate is measured on the three in turn within seconds.
declare -A PID_OF
start_service() { # name ready-pattern command...
  local name=$1 pattern=$2
  shift 2
  "$@" >"$WORK/$name.out" 2>&1 &
  PIDS+=($!)
  PID_OF[$name]=$!
  wait_ready "$WORK/$name.out" "$pattern" && return 0
  say "$name did not start:"; cat "$WORK/$name.out" >&2; exit 1
}
# fraudd raises its answering threads (--nice, default -10) when it may;
# the floor and the alternative then get the same, so that the comparison
# is like for like.
SAME_NICE=()
if [[ $(nice -n -10 nice 2>/dev/null) == -10 ]]; then
  SAME_NICE=(nice -n -10)
fi
# fraudd runs its ingress threads at real-time priority 10 (--rt-priority)
# when it may: so do the floor's and the alternative's handler threads.
SAME_RT=(--rt-priority 10)
start_service floor "ready" "${SAME_NICE[@]}" "$BIN/floor_responder" --nats "$URL" \
  --subject 'floor.tx.*' "${SAME_RT[@]}"
start_service sqlite "ready" "${SAME_NICE[@]}" "$BIN/sqlite_scorer" --nats "$URL" \
  --subject 'sqlite.tx.*' --db "$WORK/sqlite_scorer.db" "${SAME_RT[@]}"
start_service fraudd "ready on" "$BUILD/service/fraudd" --nats "$URL" \
  --db "$WORK/fraudd.db" ${FRAUDD_ARGS:-}
# The previous default, side by side: card actors run by CAF's workers.
start_service fraudd-sched "ready on" "$BUILD/service/fraudd" --nats "$URL" \
  --db "$WORK/fraudd-sched.db" --subject 'sched.tx.*' --dispatch scheduler \
  ${FRAUDD_ARGS:-}
SERVICES="floor sqlite fraudd fraudd-sched"
NATS_PID=${PIDS[0]}

prefix_of() {
  case $1 in
    floor) echo floor.tx. ;;
    sqlite) echo sqlite.tx. ;;
    fraudd) echo fraud.tx. ;;
    fraudd-sched) echo sched.tx. ;;
  esac
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# drive service rate seconds kind [driver options]: one run of the driver,
# with the CPU the service and nats-server spent per transaction meanwhile.
drive() {
  local svc=$1 rate=$2 secs=$3 kind=$4
  shift 4
  local s0 n0 s1 n1
  s0=$(ticks "${PID_OF[$svc]}"); n0=$(ticks "$NATS_PID")
  "$BIN/latency_driver" --nats "$URL" --label "$svc" \
    --prefix "$(prefix_of "$svc")" --rate "$rate" --seconds "$secs" \
    --warmup 0.5 "$@" >"$WORK/drive.txt" 2>&1 || true
  s1=$(ticks "${PID_OF[$svc]}"); n1=$(ticks "$NATS_PID")
  cat "$WORK/drive.txt" >>"$WORK/drive.log"
  # ticks are 1/100 s; the run sent rate * (secs + warmup) transactions
  local cpu
  cpu=$(awk -v s=$((s1 - s0)) -v n=$((n1 - n0)) -v r="$rate" -v t="$secs" \
        'BEGIN { tx = r * (t + 0.5); printf "svc_cpu_us=%.1f nats_cpu_us=%.1f",
                 s * 1e4 / tx, n * 1e4 / tx }')
  grep '^RESULT' "$WORK/drive.txt" \
    | sed "s/^RESULT /RESULT kind=$kind /; s/\$/ $cpu/" >>"$RESULTS" || true
}

for round in $(seq "$REPEAT"); do
  for rate in $RATES; do
    say "end to end at $rate tx/s (round $round)"
    for svc in $SERVICES; do
      drive "$svc" "$rate" "$SECONDS_PER_POINT" e2e
    done
  done
done

# The maximum sustained rate: the highest rung of the ladder where every
# request was answered, the driver kept the rate, and p99 stayed under
# 10 ms (a service that falls behind builds a queue and fails that).
sustained() { # RESULT line -> 0 if sustained
  local line=$1
  [[ $(field "$line" lost) == 0 && $(field "$line" errors) == 0 ]] || return 1
  awk -v r="$(field "$line" rate)" -v s="$(field "$line" send_rate)" \
      -v p="$(field "$line" e2e_p99_us)" \
      'BEGIN { exit !(s >= 0.95 * r && p <= 10000) }'
}
# The driver batches here (send-asap off): at these rates it would otherwise
# be the bottleneck itself.
for svc in $SERVICES; do
  say "maximum sustained rate of $svc"
  best=0
  for rate in $MAX_RATES; do
    ok=0
    # A rung gets a second try: one stall of this shared machine is not
    # the service's limit.
    for _ in 1 2; do
      drive "$svc" "$rate" 2 ladder --send-asap false
      line=$(grep "kind=ladder label=$svc rate=$rate " "$RESULTS" | tail -1)
      if [[ -n $line ]] && sustained "$line"; then
        ok=1
        break
      fi
    done
    (( ok )) || break
    best=$rate
  done
  echo "RESULT kind=max label=$svc rate=$best" >>"$RESULTS"
done

# --- the table -------------------------------------------------------------
elapsed=$(( $(date +%s) - started ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v elapsed="$elapsed" -v nice="${SAME_NICE[*]:-none (no CAP_SYS_NICE)}" -v load="$load_before -> $load_after" -v cpu="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
    -v cores="$(nproc)" '
function get(k,   i, kv) {
  for (i = 1; i <= NF; ++i) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
  return ""
}
/^RESULT/ {
  kind = get("kind")
  if (kind == "micro") micro[++nm] = sprintf("  %-28s %10.0f ns", get("name"), get("ns"))
  if (kind ~ /^pipeline/ || kind ~ /^scale/) {
    ph = get("phase"); c = get("cards")
    if (ph == "activate") act[kind, c] = get("tx_per_s") " tx/s, RSS " get("rss_mib") " MiB (" get("rss_per_card_bytes") " B/card)"
    if (ph == "saturate") sat[kind, c] = get("tx_per_s")
    if (ph == "paced") pac[kind, c] = sprintf("p50 %s  p99 %s  p999 %s us", get("lat_p50_us"), get("lat_p99_us"), get("lat_p999_us"))
    if (!((kind, c) in seen)) { seen[kind, c] = 1; order[++no] = kind SUBSEP c }
  }
  if (kind == "e2e") {
    s = get("label"); r = get("rate")
    k = s SUBSEP r
    n[k]++
    # with BENCH_REPEAT > 1 the median round is kept: store all, sort later
    e50[k, n[k]] = get("e2e_p50_us"); e99[k, n[k]] = get("e2e_p99_us")
    e999[k, n[k]] = get("e2e_p999_us"); v50[k, n[k]] = get("svc_p50_us")
    v99[k, n[k]] = get("svc_p99_us"); lost[k] += get("lost")
    scpu[k, n[k]] = get("svc_cpu_us"); ncpu[k, n[k]] = get("nats_cpu_us")
    if (!(r in rs)) { rs[r] = 1; rates[++nr] = r }
  }
  if (kind == "max") mx[get("label")] = get("rate")
}
function med(a, k, cnt,   i, j, t, v) {
  for (i = 1; i <= cnt; ++i) v[i] = a[k, i] + 0
  for (i = 1; i <= cnt; ++i) for (j = i + 1; j <= cnt; ++j) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
  return v[int((cnt + 1) / 2)]
}
END {
  printf "\n== fraud-service benchmarks: %s, %d cores, %d s ==\n", cpu, cores, elapsed
  printf "(load average %s: other work on the machine disturbs every figure)\n", load
  printf "(priority of every service: %s)\n\n", nice
  print "Micro (per transaction):"
  for (i = 1; i <= nm; ++i) print micro[i]
  print "\nIn-process pipeline (actor layer, no NATS):"
  for (i = 1; i <= no; ++i) {
    split(order[i], kc, SUBSEP)
    printf "  %-8s cards %-8s activate %s\n", kc[1], kc[2], act[kc[1], kc[2]]
    printf "  %-8s cards %-8s sustained %s tx/s; at 10k tx/s %s\n", kc[1], kc[2], sat[kc[1], kc[2]], pac[kc[1], kc[2]]
  }
  print "\nEnd to end over NATS (us; e2e from the intended send time; svc = service_latency_ns):"
  print "(cpu: us of CPU per transaction spent by the service process, and by nats-server)"
  printf "  %-6s %-13s %9s %9s %9s %8s %8s %5s %6s %6s\n", "rate", "service", "e2e p50", "e2e p99", "e2e p999", "svc p50", "svc p99", "lost", "cpu", "nats"
  nsvc = split("floor sqlite fraudd fraudd-sched", svcs, " ")
  for (i = 1; i <= nr; ++i) {
    r = rates[i]
    for (j = 1; j <= nsvc; ++j) {
      k = svcs[j] SUBSEP r
      if (!(k in n)) continue
      c = n[k]
      p50[svcs[j]] = med(e50, k, c); p99[svcs[j]] = med(e99, k, c)
      P50[svcs[j], r] = p50[svcs[j]]; P99[svcs[j], r] = p99[svcs[j]]
      SV50[svcs[j], r] = med(v50, k, c); SV99[svcs[j], r] = med(v99, k, c)
      CPU[svcs[j], r] = med(scpu, k, c)
      printf "  %-6s %-13s %9.1f %9.1f %9.1f %8.1f %8.1f %5d %6.1f %6.1f\n", r, svcs[j], p50[svcs[j]], p99[svcs[j]], med(e999, k, c), med(v50, k, c), med(v99, k, c), lost[k], med(scpu, k, c), med(ncpu, k, c)
    }
    if (p50["floor"] > 0 && p50["sqlite"] > 0)
      printf "  %-7s ratios  fraudd/floor p50 %.2f p99 %.2f   fraudd/sqlite p50 %.2f p99 %.2f\n", r, p50["fraudd"] / p50["floor"], p99["fraudd"] / p99["floor"], p50["fraudd"] / p50["sqlite"], p99["fraudd"] / p99["sqlite"]
  }
  print "\nMaximum sustained rate (no loss, p99 <= 10 ms, on the ladder):"
  printf "  floor %s  sqlite %s  fraudd %s  fraudd-sched %s tx/s", mx["floor"], mx["sqlite"], mx["fraudd"], mx["fraudd-sched"]
  if (mx["floor"] > 0 && mx["sqlite"] > 0)
    printf "   fraudd/floor %.2f  fraudd/sqlite %.1f", mx["fraudd"] / mx["floor"], mx["fraudd"] / mx["sqlite"]
  print ""
  print "\nTargets (issue 18), from this run:"
  ratio_target("fraudd/floor e2e p50 at 10k tx/s", P50["fraudd", 10000], P50["floor", 10000], 1.2)
  ratio_target("fraudd/floor e2e p99 at 10k tx/s", P99["fraudd", 10000], P99["floor", 10000], 1.5)
  ratio_target("fraudd/floor e2e p50 at 20k tx/s", P50["fraudd", 20000], P50["floor", 20000], 1.5)
  ratio_target("fraudd/floor e2e p99 at 20k tx/s", P99["fraudd", 20000], P99["floor", 20000], 2)
  ratio_target("fraudd/floor CPU per tx at 10k tx/s", CPU["fraudd", 10000], CPU["floor", 10000], 1.3)
  floor_target("fraudd/floor maximum sustained rate", mx["fraudd"], mx["floor"], 0.7)
  floor_target("fraudd/sqlite maximum sustained rate", mx["fraudd"], mx["sqlite"], 10)
  target("service latency p50 at 10k tx/s (us)", SV50["fraudd", 10000], 10, 0)
  target("service latency p99 at 10k tx/s (us)", SV99["fraudd", 10000], 50, 0)
  target("pipeline, 2 partitions, 100,000 cards (tx/s)", sat["pipeline-2p", 100000], 1000000, 1)
  target("pipeline, 2 partitions, 1,000,000 cards (tx/s)", sat["scale-2p", 1000000], 600000, 1)
}
# One line per target: the figure, the bar, met or missed by how much.
# `higher`: the figure must reach the bar (a rate), else stay under it.
function target(name, v, bar, higher,   ok) {
  if (v == "") { printf "  %-48s not measured in this run\n", name; return }
  ok = higher ? v + 0 >= bar : v + 0 <= bar
  printf "  %-48s %10.2f  target %s %-9s %s\n", name, v, higher ? ">=" : "<=", bar,
         ok ? "met" : v + 0 == 0 ? "MISSED" : sprintf("MISSED by %.2fx", higher ? bar / v : v / bar)
}
function ratio_target(name, a, b, bar) {
  target(name, (a + 0 > 0 && b + 0 > 0) ? a / b : "", bar, 0)
}
function floor_target(name, a, b, bar) {  # a of 0: nothing sustained
  target(name, (a != "" && b + 0 > 0) ? a / b : "", bar, 1)
}' "$RESULTS"
