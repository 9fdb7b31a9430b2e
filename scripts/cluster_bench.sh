#!/bin/bash
# make bench-cluster: issue 14's figures, on loopback with the shipped
# three-server cluster (scripts/cluster_demo.sh runs each scenario):
#   failover  five kill -9 under load, each instance restarted 4 s later:
#             the failover gap (how long the dead instance's cards got no
#             answer), p50 and max over the kills, and what was lost;
#   rolling   a rolling restart (SIGTERM, started again at once) of all
#             three under load: the handover gaps and what was lost;
#   scale     1, 2 and 3 instances at one rate with no fault: latency and
#             fraudd CPU per transaction.
# The rates are modest: on 2 cores the servers, the instances and the
# simulator share the CPU; the point is the gaps and the cost per
# transaction, not the ceiling (make bench has that for one instance).
set -eu
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
RATE=${FRAUD_CLUSTER_BENCH_RATE:-500}
DIR=$(cd "$BUILD" && pwd)/cluster-demo
OUT=$(cd "$BUILD" && pwd)/cluster-bench
mkdir -p "$OUT"

run() {  # name, then VAR=value settings for cluster_demo.sh
  local name=$1
  shift
  echo "== $name: $*"
  if ! env "$@" "$SRC/scripts/cluster_demo.sh" "$BUILD" >"$OUT/$name.txt" 2>&1; then
    tail -n 30 "$OUT/$name.txt" >&2
    echo "cluster-bench: $name failed (whole output: $OUT/$name.txt)" >&2
    exit 1
  fi
  cp "$DIR/report.json" "$OUT/$name.json"
  cp "$DIR/cpu.txt" "$OUT/$name.cpu"
  cat "$DIR"/fraudd-*.log >"$OUT/$name.fraudd.log"
  cp "$DIR/replay-started" "$OUT/$name.replay-started"
}

run failover FRAUD_CLUSTER_DEMO_RATE="$RATE" FRAUD_CLUSTER_DEMO_SECONDS=64 \
  FRAUD_CLUSTER_DEMO_FAULT=kill FRAUD_CLUSTER_DEMO_FAULTS=5 \
  FRAUD_CLUSTER_DEMO_KILL_AT=6 FRAUD_CLUSTER_DEMO_DOWN=4 FRAUD_CLUSTER_DEMO_EVERY=6
run rolling FRAUD_CLUSTER_DEMO_RATE="$RATE" FRAUD_CLUSTER_DEMO_SECONDS=30 \
  FRAUD_CLUSTER_DEMO_FAULT=term FRAUD_CLUSTER_DEMO_FAULTS=3 \
  FRAUD_CLUSTER_DEMO_KILL_AT=5 FRAUD_CLUSTER_DEMO_EVERY=5
for n in 1 2 3; do
  run "scale-$n" FRAUD_CLUSTER_DEMO_RATE="${FRAUD_CLUSTER_BENCH_SCALE_RATE:-2000}" \
    FRAUD_CLUSTER_DEMO_SECONDS=20 FRAUD_CLUSTER_DEMO_FAULT=none \
    FRAUD_CLUSTER_DEMO_INSTANCES="$n"
done

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def load(n):
    return json.load(open(f"{out}/{n}.json"))["replay"] if "replay" in json.load(open(f"{out}/{n}.json")) else json.load(open(f"{out}/{n}.json"))
def cpu(n):
    return sum(float(l.split()[1]) for l in open(f"{out}/{n}.cpu") if l.strip())
print()
print("scenario    sent     answered  lost  retries  gaps  gap p50 ms  gap max ms  p50 us  p99 us")
for n in ["failover", "rolling"]:
    r = load(n)
    g = r["failover_gap"]
    print(f"{n:<10} {r['sent']:>6} {r['decided']:>10} {r['lost']:>5} {r['retry']['retries']:>8} "
          f"{g['episodes']:>5} {g['p50_ms']:>11.0f} {g['max_ms']:>11.0f} "
          f"{r['latency_us']['p50']:>7.0f} {r['latency_us']['p99']:>7.0f}")
# Per partition, from the instances' logs: a handover begins when the old
# owner starts to stop serving (its "handed over in X ms" line, less X)
# and ends when the new owner logs the partition "owned" (subscribed).
# Those under load (after the replay began) apart from those of the
# cluster's start, when nothing is sent yet.
import re, datetime
def ts(line):
    t = line.split()[0].rstrip("Z")
    return datetime.datetime.fromisoformat(t).replace(
        tzinfo=datetime.timezone.utc).timestamp()
lines = [l for l in open(f"{out}/rolling.fraudd.log") if l[:4].isdigit()]
replay_began = float(open(f"{out}/rolling.replay-started").read())
starts, owned = [], {}
for l in lines:
    m = re.search(r"partition (\d+): handed over in (\d+) ms", l)
    if m:
        starts.append((int(m.group(1)), ts(l) - int(m.group(2)) / 1000))
    m = re.search(r"partition (\d+): owned", l)
    if m:
        owned.setdefault(int(m.group(1)), []).append(ts(l))
under_load, at_start = [], []
for p, t0 in starts:
    after = [t for t in owned.get(p, []) if t >= t0]
    if after:
        (under_load if t0 >= replay_began else at_start).append(
            (min(after) - t0) * 1000)
print()
for what, gaps in (("under load", under_load), ("at the cluster's start", at_start)):
    gaps.sort()
    if gaps:
        print(f"planned handovers {what}: {len(gaps)}, gap per partition "
              f"p50 {gaps[len(gaps)//2]:.0f} ms, p90 {gaps[int(len(gaps)*0.9)]:.0f} ms, "
              f"max {gaps[-1]:.0f} ms")
print()
print("instances  rate/s  answered  p50 us  p99 us  fraudd CPU s  CPU us/tx")
for n in [1, 2, 3]:
    r = load(f"scale-{n}")
    c = cpu(f"scale-{n}")
    per = c * 1e6 / max(1, r["decided"])
    print(f"{n:>9} {r['target_tps']:>7.0f} {r['decided']:>9} {r['latency_us']['p50']:>7.0f} "
          f"{r['latency_us']['p99']:>7.0f} {c:>13.2f} {per:>10.1f}")
PY
