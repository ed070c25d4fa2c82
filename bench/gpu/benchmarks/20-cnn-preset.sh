#!/usr/bin/env bash
# The CNN PPO preset (configs/minatar-breakout-ppo.yaml) on webgpu: time, env steps and the windowed
# mean return per iteration (--json lines), to its expect block (mean return 5 within 250k env steps);
# fails when the run fails or does not reach it. With 16 cores: 8 env runner processes.
# BENCH_QUICK=1 stops at 20k env steps (no return checked); BENCH_NO_GPU=1 runs on wasm (with
# BENCH_QUICK=1 for 4k env steps and 2 runners: a dry run of the script on a machine without a GPU).
set -euo pipefail
cd "$APP"
steps=250000
[ "${BENCH_QUICK:-0}" = 1 ] && steps=20000
backend=webgpu
runners=8
if [ "${BENCH_NO_GPU:-0}" = 1 ]; then
  backend=wasm
  [ "${BENCH_QUICK:-0}" = 1 ] && steps=4096 && runners=2
fi
"$NODE" bin/rl.js train --algo ppo --config configs/minatar-breakout-ppo.yaml --backend "$backend" \
  --set envRunners.numEnvRunners=$runners --stop-env-steps "$steps" --json --output "$RESULTS/cnn-preset-run" \
  >"$RESULTS/cnn-preset.jsonl"
tail -1 "$RESULTS/cnn-preset.jsonl"
[ "${BENCH_QUICK:-0}" = 1 ] && exit 0
"$NODE" -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const hit = lines.find((l) => (l.episodeReturnMean ?? -Infinity) >= 5);
if (hit === undefined) { console.error("20-cnn-preset: mean return 5 not reached within 250k env steps"); process.exit(1); }
console.log(`20-cnn-preset: mean return ${hit.episodeReturnMean} at ${hit.envSteps} env steps, ${Math.round(hit.timeMs / 1000)} s`);
' "$RESULTS/cnn-preset.jsonl"
