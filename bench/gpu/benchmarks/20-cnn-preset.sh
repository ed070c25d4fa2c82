#!/usr/bin/env bash
# The CNN PPO preset (configs/minatar-breakout-ppo.yaml) on webgpu: time, env steps and the windowed
# mean return per iteration (--json lines), to its expect block (mean return 5 within 250k env steps).
# With 16 cores: 8 env runner processes. BENCH_QUICK=1 stops at 20k env steps.
set -euo pipefail
cd "$APP"
steps=250000
[ "${BENCH_QUICK:-0}" = 1 ] && steps=20000
"$NODE" bin/rl.js train --algo ppo --config configs/minatar-breakout-ppo.yaml --backend webgpu \
  --set envRunners.numEnvRunners=8 --stop-env-steps "$steps" --json --output "$RESULTS/cnn-preset-run" \
  >"$RESULTS/cnn-preset.jsonl"
tail -1 "$RESULTS/cnn-preset.jsonl"
