#!/usr/bin/env bash
# PPO CartPole sampling throughput with 0, 1, 4, 8 and 14 env-runner actors (issue 11,
# bench/gpu/sampling.ts; target there: 8 runners >= 6x one). BENCH_QUICK=1 measures 0 and 1 runners.
set -euo pipefail
cd "$APP"
[ "${BENCH_QUICK:-0}" = 1 ] && export TSRL_BENCH_RUNNERS=0,1 TSRL_BENCH_MEASURE_MS=1000
"$NODE" dist/bench/gpu/sampling.js >"$RESULTS/bench-sampling.json"
