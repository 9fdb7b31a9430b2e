#!/usr/bin/env bash
# The model's quality bar (issue 16): trained on seed 1, tested on seeds
# 2-9, the default rules alone against the default rules plus the model
# rule of models/examples/model_score.rules (threshold chosen on seed 10),
# per seed, and whether the rules with the model catch more fraud within a
# false decline rate of 0.05 %. Prints one Markdown table.
#
#   scripts/model_backtest.sh BUILD_DIR [WORK_DIR]
#
# WORK_DIR (default: a temporary directory, removed afterwards) keeps the
# datasets, the model, each seed's JSON report and precision-recall SVG.
# Environment: SEEDS ("2 3 4 5 6 7 8 9"), CARDS (10000), DAYS (14).
set -euo pipefail

BUILD=${1:?usage: scripts/model_backtest.sh BUILD_DIR [WORK_DIR]}
SIM=$(cd "$BUILD" && pwd)/simulator/fraud-sim
RULES=$(cd "$(dirname "$0")/.." && pwd)/models/examples/model_score.rules
SEEDS=${SEEDS:-"2 3 4 5 6 7 8 9"}
CARDS=${CARDS:-10000}
DAYS=${DAYS:-14}
BUDGET=0.0005
if [[ -n ${2:-} ]]; then
  WORK=$2
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d /tmp/model-backtest-XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi

gen() {
  [[ -f $WORK/seed$1.bin ]] ||
    "$SIM" generate --seed "$1" --cards "$CARDS" --days "$DAYS" \
      --out "$WORK/seed$1.bin" >/dev/null
}

gen 1
if [[ ! -f $WORK/model.json ]]; then
  "$SIM" train --in "$WORK/seed1.bin" --out "$WORK/model.json" >&2
fi

echo "| test seed | rules alone: recall | FDR | + model: recall | FDR | precision | slow_anomaly | stolen_card_spree | model alone at FDR <= 0.05 %: recall (threshold) | average precision |"
echo "|---|---|---|---|---|---|---|---|---|---|"
fails=0
for s in $SEEDS; do
  gen "$s"
  "$SIM" backtest --in "$WORK/seed$s.bin" --model "$WORK/model.json" \
    --model-rules "$RULES" --pr-curve "$WORK/pr-seed$s.svg" \
    --json "$WORK/report-seed$s.json" --changes 0 >/dev/null
  jq -r --arg seed "$s" '
    def pct: . * 100 * 1000 | round / 1000 | tostring + " %";
    def r4: . * 10000 | round / 10000;
    .model.operating_point_model_alone as $op |
    "| \($seed) | \(.baseline.detection.recall | r4) | \(.baseline.detection.false_decline_rate | pct) | **\(.candidate.detection.recall | r4)** | \(.candidate.detection.false_decline_rate | pct) | \(.candidate.detection.precision | r4) | \(.baseline.detection.typologies.slow_anomaly.recall | r4) → \(.candidate.detection.typologies.slow_anomaly.recall | r4) | \(.baseline.detection.typologies.stolen_card_spree.recall | r4) → \(.candidate.detection.typologies.stolen_card_spree.recall | r4) | \(if $op then "\($op.recall | r4) (\($op.threshold * 1000 | round / 1000))" else "-" end) | \(.model.average_precision | r4) |"' \
    "$WORK/report-seed$s.json"
  if ! jq -e --argjson b "$BUDGET" '
      .candidate.detection.recall > .baseline.detection.recall
      and .candidate.detection.false_decline_rate <= $b' \
      "$WORK/report-seed$s.json" >/dev/null; then
    echo "seed $s: the rules with the model do not beat the rules alone within the budget" >&2
    fails=$((fails + 1))
  fi
done
echo
echo "model: $(jq -r '.model.trained_on | "trained on seed \(.seed) (\(.transactions) transactions, \(.fraud_transactions) fraudulent)"' "$WORK/report-seed${SEEDS%% *}.json")"
exit $((fails > 0))
